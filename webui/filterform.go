package webui

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tooltrail/tooltrail"
)

// filterForm is the log view's filter as its URL carries it: the form's
// fields as typed, and the page's position.
type filterForm struct {
	Range     string // "" (any time), "1h", "24h", "7d" or "custom"
	Start     string // From, UTC
	End       string // To, UTC
	Tool      string // the <select> of known tools
	ToolName  string // a substring of the tool name; wins over Tool
	SessionID string
	TaskID    string
	UserID    string
	Confirmed bool
	Limit     string   // page size, as ParseFilter takes it
	Cursor    string   // the page: continue below this cursor
	Back      []string // the cursors of the pages before, oldest first
	Live      bool     // the live view
}

// inputLayout is the value format of <input type="datetime-local">.
const inputLayout = "2006-01-02T15:04:05"

// maxBack bounds the cursors a URL keeps for "newer": past it the oldest
// go, and "newest" still leads to the first page.
const maxBack = 100

// formParams are the query parameters of the log view.
const formParams = "range, start, end, tool, tool_name, session_id, task_id, user_id, confirmed_only, limit, cursor, back, live"

// presetDuration returns how far back a time preset reaches.
func presetDuration(name string) (time.Duration, bool) {
	switch name {
	case "1h":
		return time.Hour, true
	case "24h":
		return 24 * time.Hour, true
	case "7d":
		return 7 * 24 * time.Hour, true
	}
	return 0, false
}

// readForm reads the log view's parameters from q. Errors: a
// *tooltrail.FieldError for an unknown or repeated parameter.
func readForm(q url.Values) (filterForm, error) {
	f := filterForm{
		Range: q.Get("range"), Start: q.Get("start"), End: q.Get("end"),
		Tool: q.Get("tool"), ToolName: q.Get("tool_name"),
		SessionID: q.Get("session_id"), TaskID: q.Get("task_id"), UserID: q.Get("user_id"),
		Limit: q.Get("limit"), Cursor: q.Get("cursor"), Live: q.Get("live") == "1",
	}
	if s := q.Get("back"); s != "" {
		f.Back = strings.Split(s, ".")
	}
	// The form is filled first, so that the page of an error shows what
	// was asked.
	for name, vs := range q {
		if !slices.Contains(strings.Split(formParams, ", "), name) {
			return f, &tooltrail.FieldError{Field: name, Reason: "is not a filter of this page; they are " + formParams, Err: tooltrail.ErrInvalidArgument}
		}
		if len(vs) > 1 {
			return f, &tooltrail.FieldError{Field: name, Reason: fmt.Sprintf("is given %d times; give it once", len(vs)), Err: tooltrail.ErrInvalidArgument}
		}
	}
	if s := q.Get("confirmed_only"); s != "" {
		// "on" is what a checkbox without a value sends.
		b, err := strconv.ParseBool(s)
		if err != nil && s != "on" {
			return f, &tooltrail.FieldError{Field: "confirmed_only", Reason: fmt.Sprintf("%q is not a boolean: use true or false", s), Err: tooltrail.ErrInvalidArgument}
		}
		f.Confirmed = b || s == "on"
	}
	if s := q.Get("live"); s != "" && s != "1" && s != "0" {
		return f, &tooltrail.FieldError{Field: "live", Reason: fmt.Sprintf("%q is not 1 or 0", s), Err: tooltrail.ErrInvalidArgument}
	}
	return f, nil
}

// filter returns the tooltrail.Filter of the form at the time now, for a
// request bound to user bound ("" for none), and sets the form's times
// to the input format. Errors: a *tooltrail.FieldError for a malformed
// field (ParseFilter's, or range and back); one wrapping
// tooltrail.ErrPermissionDenied for a bound request that asks for another
// user.
func (f *filterForm) filter(now time.Time, bound string) (tooltrail.Filter, error) {
	api := url.Values{}
	switch d, ok := presetDuration(f.Range); {
	case ok:
		api.Set("start", now.Add(-d).UTC().Format(tooltrail.TimeLayout))
	case f.Range == "" || f.Range == "custom":
		for k, v := range map[string]string{"start": f.Start, "end": f.End} {
			if v != "" {
				api.Set(k, v)
			}
		}
	default:
		return tooltrail.Filter{}, &tooltrail.FieldError{Field: "range", Reason: fmt.Sprintf("%q is not a time range: use 1h, 24h, 7d or custom", f.Range), Err: tooltrail.ErrInvalidArgument}
	}
	tool := f.ToolName
	if tool == "" {
		tool = f.Tool
	}
	for k, v := range map[string]string{
		"tool_name": tool, "session_id": f.SessionID, "task_id": f.TaskID, "user_id": f.UserID,
		"limit": f.Limit, "cursor": f.Cursor,
	} {
		if v != "" {
			api.Set(k, v)
		}
	}
	if f.Confirmed {
		api.Set("confirmed_only", "true")
	}
	flt, err := tooltrail.ParseFilter(api)
	if err != nil {
		return flt, err
	}
	for _, c := range f.Back {
		if _, err := tooltrail.DecodeCursor(c); err != nil || c == "" {
			return flt, &tooltrail.FieldError{Field: "back", Reason: "holds something that is not a cursor of this log; start again from the newest page", Err: tooltrail.ErrInvalidArgument}
		}
	}
	if len(f.Back) > maxBack {
		f.Back = f.Back[len(f.Back)-maxBack:]
	}
	if bound != "" {
		if flt.UserID != "" && flt.UserID != bound {
			return flt, fmt.Errorf("%w: this token acts only as user %q, not %q", tooltrail.ErrPermissionDenied, bound, flt.UserID)
		}
		flt.UserID = bound
	}
	if api.Has("start") && !isPreset(f.Range) {
		f.Start = flt.Start.UTC().Format(inputLayout)
	}
	if api.Has("end") {
		f.End = flt.End.UTC().Format(inputLayout)
	}
	return flt, nil
}

// isPreset says whether name is a time preset.
func isPreset(name string) bool {
	_, ok := presetDuration(name)
	return ok
}

// query returns the form's filter as URL parameters, without the page's
// position and the live switch: the base of every link of the view.
func (f filterForm) query() url.Values {
	q := url.Values{}
	if f.Range != "" {
		q.Set("range", f.Range)
	}
	if !isPreset(f.Range) {
		if f.Start != "" {
			q.Set("start", f.Start)
		}
		if f.End != "" {
			q.Set("end", f.End)
		}
	}
	for k, v := range map[string]string{
		"tool": f.Tool, "tool_name": f.ToolName, "session_id": f.SessionID, "task_id": f.TaskID,
		"user_id": f.UserID, "limit": f.Limit,
	} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if f.Confirmed {
		q.Set("confirmed_only", "true")
	}
	return q
}

// withoutEmpty returns q without its empty parameters, and whether it had
// any: a submitted GET form sends every field, empty or not.
func withoutEmpty(q url.Values) (url.Values, bool) {
	out, dropped := url.Values{}, false
	for k, vs := range q {
		for _, v := range vs {
			if v == "" {
				dropped = true
				continue
			}
			out.Add(k, v)
		}
	}
	return out, dropped
}
