package otlp

import (
	"bytes"
	"encoding/json"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Attributes of the exception event that OpenTelemetry SDKs record for an
// error (span.RecordError).
const (
	eventException   = "exception"
	attrExceptionMsg = "exception.message"
	attrExceptionTyp = "exception.type"
)

// arguments returns the arguments a tool span recorded, for
// tooltrail.Call.Arguments. The conventions expect an object and let
// instrumentations send it serialised as a JSON string, so a string that
// holds a JSON object or array is taken as that JSON; any other string
// (a plain value, or JSON cut short by an attribute length limit) stays a
// string, so nothing is lost. Structured values are kept as they are.
func arguments(v pcommon.Value) any {
	switch v.Type() {
	case pcommon.ValueTypeEmpty:
		return nil
	case pcommon.ValueTypeStr:
		s := v.Str()
		if s == "" {
			return nil
		}
		if t := strings.TrimSpace(s); (strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[")) && json.Valid([]byte(t)) {
			return json.RawMessage(t)
		}
		return s
	}
	return v.AsRaw()
}

// summary returns the result_summary of a tool span: its result in string
// form, and, for a span that ended in an error, "error", the error's type
// and message first, since the conventions record a result only for a
// call that succeeded.
func summary(s ptrace.Span, result string) string {
	errType := ""
	if v, ok := s.Attributes().Get(AttrErrorType); ok {
		errType = v.AsString()
	}
	failed := s.Status().Code() == ptrace.StatusCodeError
	if !failed && errType == "" {
		return result
	}
	msg := s.Status().Message()
	if msg == "" || errType == "" {
		// The exception event that SDKs record with the error says what
		// the status left out.
		events := s.Events()
		for i := range events.Len() {
			e := events.At(i)
			if e.Name() != eventException {
				continue
			}
			if v, ok := e.Attributes().Get(attrExceptionMsg); ok && msg == "" {
				msg = v.AsString()
			}
			if v, ok := e.Attributes().Get(attrExceptionTyp); ok && errType == "" {
				errType = v.AsString()
			}
			break
		}
	}
	var b bytes.Buffer
	b.WriteString("error")
	parts := []string{errType}
	if msg != errType {
		parts = append(parts, msg)
	}
	for _, part := range parts {
		if part != "" {
			b.WriteString(": ")
			b.WriteString(part)
		}
	}
	if result != "" {
		b.WriteString("; result: ")
		b.WriteString(result)
	}
	return b.String()
}
