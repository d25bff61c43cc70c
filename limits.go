package tooltrail

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Limits bound what one call may hold. Zero fields take the defaults of
// DefaultLimits.
type Limits struct {
	ToolName      int // bytes of tool_name; default 256
	ID            int // bytes of session_id, task_id, user_id and call_id; default 256
	Arguments     int // bytes of the arguments as JSON; default 1 MiB
	ResultSummary int // bytes of result_summary; default 64 KiB
	Depth         int // nesting of arguments; default 64, at most MaxDepth
}

// MaxDepth is the deepest nesting of arguments any Limits allow: leaves
// must stay readable by encoding/json, which stops at 10,000 levels.
const MaxDepth = 1000

// DefaultLimits returns the limits a Log uses unless told otherwise.
func DefaultLimits() Limits {
	return Limits{ToolName: 256, ID: 256, Arguments: 1 << 20, ResultSummary: 64 << 10, Depth: 64}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.ToolName > 0 {
		d.ToolName = l.ToolName
	}
	if l.ID > 0 {
		d.ID = l.ID
	}
	if l.Arguments > 0 {
		d.Arguments = l.Arguments
	}
	if l.ResultSummary > 0 {
		d.ResultSummary = l.ResultSummary
	}
	if l.Depth > 0 {
		d.Depth = min(l.Depth, MaxDepth)
	}
	return d
}

// checkText checks one string field: valid UTF-8, no NUL, at most max bytes.
func checkText(field, s string, max int, errTooLarge bool) error {
	if len(s) > max {
		if errTooLarge {
			return tooLarge(field, max)
		}
		return invalid(field, "must be at most %d bytes, got %d", max, len(s))
	}
	if !utf8.ValidString(s) {
		return invalid(field, "must be valid UTF-8")
	}
	if strings.IndexByte(s, 0) >= 0 {
		return invalid(field, "must not contain NUL characters")
	}
	return nil
}

// content is a call after validation: what its leaf says but for id and time.
type content struct {
	ToolName      string
	Arguments     []byte // canonical JSON or nil
	ResultSummary string
	Confirmed     bool
	SessionID     string
	TaskID        string
	UserID        string
	CallID        string
	Scope         int64     // the call scope of CallID (WithCallScope)
	Imported      *Imported // set by Import
	At            time.Time // the entry's time when imported; zero: the log's clock
}

// validate checks a call against the limits and returns its content. The
// error is a *FieldError that names the first field that is wrong.
func (l Limits) validate(c Call) (content, error) {
	if c.ToolName == "" {
		return content{}, invalid("tool_name", "is required")
	}
	if err := checkText("tool_name", c.ToolName, l.ToolName, false); err != nil {
		return content{}, err
	}
	for _, f := range []struct{ name, v string }{
		{"session_id", c.SessionID}, {"task_id", c.TaskID}, {"user_id", c.UserID}, {"call_id", c.CallID},
	} {
		if err := checkText(f.name, f.v, l.ID, false); err != nil {
			return content{}, err
		}
	}
	if err := checkText("result_summary", c.ResultSummary, l.ResultSummary, true); err != nil {
		return content{}, err
	}
	args, err := argumentsJSON(c.Arguments, l.Arguments, l.Depth)
	if err != nil {
		return content{}, err
	}
	return content{
		ToolName: c.ToolName, Arguments: args, ResultSummary: c.ResultSummary, Confirmed: c.Confirmed,
		SessionID: c.SessionID, TaskID: c.TaskID, UserID: c.UserID, CallID: c.CallID,
	}, nil
}
