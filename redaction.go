package tooltrail

import "fmt"

// Redactor replaces secrets in a call before its leaf is made, so that
// they never reach the store, the log's output or the API. Package
// redact's Redactor is one.
type Redactor interface {
	// JSON returns the JSON value raw with its secrets replaced, and how
	// many it replaced; raw itself when there were none.
	JSON(raw []byte) ([]byte, int, error)
	// Text returns s with its secrets replaced, and how many.
	Text(s string) (string, int)
}

// redact applies the log's Redactor, if any, to the arguments, result
// summary, session, task and call ids of c. The arguments it returns are canonical again. Errors: the
// Redactor's, as a *FieldError of arguments.
func (l *Log) redact(c *content) error {
	r := l.cfg.Redactor
	if r == nil {
		return nil
	}
	if len(c.Arguments) > 0 {
		args, n, err := r.JSON(c.Arguments)
		if err != nil {
			return invalid("arguments", "cannot be redacted: %v", err)
		}
		if n > 0 {
			if c.Arguments, err = canonicalJSON("arguments", args, l.limits.Depth); err != nil {
				return fmt.Errorf("redacted arguments: %w", err)
			}
		}
	}
	c.ResultSummary, _ = r.Text(c.ResultSummary)
	// Ids are matched by their patterns too (a token pasted as a session
	// id); tool_name and user_id stay, since access control works with
	// them.
	c.SessionID, _ = r.Text(c.SessionID)
	c.TaskID, _ = r.Text(c.TaskID)
	c.CallID, _ = r.Text(c.CallID)
	return nil
}
