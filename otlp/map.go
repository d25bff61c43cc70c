package otlp

import (
	"fmt"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/tooltrail/tooltrail"
)

// Attribute names of the OpenTelemetry semantic conventions that Map reads.
const (
	AttrOperationName  = "gen_ai.operation.name"
	AttrToolName       = "gen_ai.tool.name"
	AttrToolCallID     = "gen_ai.tool.call.id"
	AttrToolArguments  = "gen_ai.tool.call.arguments"
	AttrToolResult     = "gen_ai.tool.call.result"
	AttrConversationID = "gen_ai.conversation.id"
	AttrEndUserID      = "enduser.id"
	AttrErrorType      = "error.type"
	// OperationExecuteTool is the gen_ai.operation.name of a tool execution.
	OperationExecuteTool = "execute_tool"
)

// CallIDPrefix starts the call_id Map derives for a tool span without
// gen_ai.tool.call.id: "otel:<trace id>:<span id>", both in lower-case hex.
const CallIDPrefix = "otel:"

// Config names the attributes that carry what the semantic conventions do
// not define for a tool span. The zero value reads the user from
// enduser.id, and no task and no confirmation.
type Config struct {
	// UserAttribute is the attribute whose value is the entry's user_id;
	// default enduser.id.
	UserAttribute string
	// TaskAttribute is the attribute whose value is the entry's task_id;
	// "": the entries have none.
	TaskAttribute string
	// ConfirmedAttribute is the attribute (true or false) that says the
	// call was confirmed by a person; "": the entries are not confirmed.
	ConfirmedAttribute string
}

func (c Config) withDefaults() Config {
	if c.UserAttribute == "" {
		c.UserAttribute = AttrEndUserID
	}
	return c
}

// Span is one tool execution span of an export request, as a call.
type Span struct {
	TraceID string // lower-case hex, "" when the span has none
	SpanID  string
	Name    string // the span's name, to tell it in messages
	Call    tooltrail.Call
	// Err says why the span cannot be recorded (a *tooltrail.FieldError
	// naming the attribute); Call is then incomplete.
	Err error
}

// Batch is what Map found in an export request.
type Batch struct {
	Received int    // every span of the request
	Ignored  int    // spans that are not tool executions
	Tools    []Span // the tool execution spans, in the order of the request
}

// Map returns the tool execution spans of td as calls, and how many spans
// it received and ignored. It does not fail: a tool span that cannot be
// recorded has its Err set.
func Map(td ptrace.Traces, cfg Config) Batch {
	cfg = cfg.withDefaults()
	var b Batch
	rss := td.ResourceSpans()
	for i := range rss.Len() {
		rs := rss.At(i)
		res := rs.Resource().Attributes()
		sss := rs.ScopeSpans()
		for j := range sss.Len() {
			spans := sss.At(j).Spans()
			for k := range spans.Len() {
				b.Received++
				s := spans.At(k)
				op, ok := s.Attributes().Get(AttrOperationName)
				if !ok || op.Type() != pcommon.ValueTypeStr || op.Str() != OperationExecuteTool {
					b.Ignored++
					continue
				}
				b.Tools = append(b.Tools, mapSpan(s, res, cfg))
			}
		}
	}
	return b
}

// mapSpan maps one execute_tool span, with the attributes of its resource.
func mapSpan(s ptrace.Span, res pcommon.Map, cfg Config) Span {
	out := Span{Name: s.Name()}
	if !s.TraceID().IsEmpty() {
		out.TraceID = s.TraceID().String()
	}
	if !s.SpanID().IsEmpty() {
		out.SpanID = s.SpanID().String()
	}
	attrs := s.Attributes()
	c := &out.Call
	var err error
	set := func(dst *string, key string, v pcommon.Value, ok bool) {
		if err == nil && ok {
			*dst, err = idText(key, v)
		}
	}
	v, ok := attrs.Get(AttrToolName)
	if !ok || v.Type() != pcommon.ValueTypeStr || v.Str() == "" {
		err = invalid(AttrToolName, "is required on an execute_tool span, as a non-empty string")
	} else {
		c.ToolName = v.Str()
	}
	v, ok = attrs.Get(AttrToolCallID)
	set(&c.CallID, AttrToolCallID, v, ok)
	v, ok = lookup(attrs, res, AttrConversationID)
	set(&c.SessionID, AttrConversationID, v, ok)
	v, ok = lookup(attrs, res, cfg.UserAttribute)
	set(&c.UserID, cfg.UserAttribute, v, ok)
	if cfg.TaskAttribute != "" {
		v, ok = lookup(attrs, res, cfg.TaskAttribute)
		set(&c.TaskID, cfg.TaskAttribute, v, ok)
	}
	if err == nil && cfg.ConfirmedAttribute != "" {
		if v, ok := lookup(attrs, res, cfg.ConfirmedAttribute); ok {
			c.Confirmed, err = confirmed(cfg.ConfirmedAttribute, v)
		}
	}
	if err == nil && c.CallID == "" {
		if out.TraceID == "" || out.SpanID == "" {
			err = invalid(AttrToolCallID, "is required on a span without a trace id and span id, so that a repeated export is recorded once")
		} else {
			c.CallID = CallIDPrefix + out.TraceID + ":" + out.SpanID
		}
	}
	if err != nil {
		out.Err = err
		return out
	}
	if v, ok := contentAttr(s, AttrToolArguments); ok {
		c.Arguments = arguments(v)
	}
	result := ""
	if v, ok := contentAttr(s, AttrToolResult); ok {
		result = v.AsString()
	}
	c.ResultSummary = summary(s, result)
	return out
}

// lookup returns the attribute key of the span, else of its resource.
func lookup(span, res pcommon.Map, key string) (pcommon.Value, bool) {
	if v, ok := span.Get(key); ok {
		return v, true
	}
	return res.Get(key)
}

// contentAttr returns the attribute key of the span, else of its first
// event that has it: conventions put structured content on events where
// spans cannot hold it.
func contentAttr(s ptrace.Span, key string) (pcommon.Value, bool) {
	if v, ok := s.Attributes().Get(key); ok {
		return v, true
	}
	events := s.Events()
	for i := range events.Len() {
		if v, ok := events.At(i).Attributes().Get(key); ok {
			return v, true
		}
	}
	return pcommon.Value{}, false
}

// idText returns an id attribute as text: a string, or a whole number in
// decimal. An empty string is absent, as the API has it.
func idText(key string, v pcommon.Value) (string, error) {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return v.Str(), nil
	case pcommon.ValueTypeInt:
		return v.AsString(), nil
	case pcommon.ValueTypeEmpty:
		return "", nil
	}
	return "", invalid(key, fmt.Sprintf("must be a string or a whole number, got a %s", typeName(v.Type())))
}

// confirmed reads a confirmation attribute: a boolean, or the string true
// or false.
func confirmed(key string, v pcommon.Value) (bool, error) {
	switch {
	case v.Type() == pcommon.ValueTypeBool:
		return v.Bool(), nil
	case v.Type() == pcommon.ValueTypeStr && (v.Str() == "true" || v.Str() == "false"):
		return v.Str() == "true", nil
	}
	return false, invalid(key, fmt.Sprintf("must be true or false (a boolean, or the string), got %s", describe(v)))
}

func typeName(t pcommon.ValueType) string {
	switch t {
	case pcommon.ValueTypeMap:
		return "map"
	case pcommon.ValueTypeSlice:
		return "array"
	case pcommon.ValueTypeBytes:
		return "byte string"
	case pcommon.ValueTypeDouble:
		return "floating-point number"
	case pcommon.ValueTypeBool:
		return "boolean"
	case pcommon.ValueTypeInt:
		return "whole number"
	case pcommon.ValueTypeStr:
		return "string"
	}
	return "empty value"
}

// describe names a value for a message: its type, and a short string as
// it is.
func describe(v pcommon.Value) string {
	if v.Type() == pcommon.ValueTypeStr && len(v.Str()) <= 32 {
		return fmt.Sprintf("%q", v.Str())
	}
	return "a " + typeName(v.Type())
}

func invalid(attr, reason string) error {
	return &tooltrail.FieldError{Field: attr, Reason: reason, Err: tooltrail.ErrInvalidArgument}
}
