package otlp

import (
	"errors"
	"fmt"
	"strings"

	"github.com/tooltrail/tooltrail"
)

// maxReasons bounds how many rejected spans a message describes, so that an
// answer stays small whatever the request held.
const maxReasons = 5

// Attribute returns the span attribute that holds the tooltrail field of
// the HTTP API (tool_name, arguments, ...), so that a message about a call
// names what the exporter sent; a name that is no field stays as it is.
func (c Config) Attribute(field string) string {
	c = c.withDefaults()
	switch field {
	case "tool_name":
		return AttrToolName
	case "arguments":
		return AttrToolArguments
	case "result_summary":
		return AttrToolResult
	case "session_id":
		return AttrConversationID
	case "user_id":
		return c.UserAttribute
	case "task_id":
		if c.TaskAttribute != "" {
			return c.TaskAttribute
		}
	case "call_id":
		return AttrToolCallID
	}
	return field
}

// Reason says why span s was not recorded, for the error message of a
// partial success: which span, which attribute, and what is allowed.
func (c Config) Reason(s Span, err error) string {
	what := err.Error()
	var fe *tooltrail.FieldError
	switch {
	case errors.As(err, &fe):
		what = c.Attribute(fe.Field) + ": " + fe.Reason
	case errors.Is(err, tooltrail.ErrConflict):
		what = AttrToolCallID + ": " + strings.TrimPrefix(err.Error(), "record "+s.Call.ToolName+": ")
	}
	id := s.TraceID + "/" + s.SpanID
	if s.Call.ToolName != "" {
		return fmt.Sprintf("span %s (tool %q): %s", id, s.Call.ToolName, what)
	}
	return fmt.Sprintf("span %s (%q): %s", id, s.Name, what)
}

// Message returns the error message of a partial success in which
// len(reasons) of tools tool spans were rejected: the count and the first
// reasons.
func Message(tools int, reasons []string) string {
	if len(reasons) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d of %d tool spans were not recorded: ", len(reasons), tools)
	b.WriteString(strings.Join(reasons[:min(len(reasons), maxReasons)], "; "))
	if n := len(reasons) - maxReasons; n > 0 {
		fmt.Fprintf(&b, "; and %d more", n)
	}
	return b.String()
}
