package tooltrail

import (
	"encoding/base64"
	"encoding/binary"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Query limits, as in oAI-Web's audit log (default 50) with a ceiling.
const (
	DefaultLimit = 50
	MaxLimit     = 1000
)

// Filter selects entries, with the filters of oAI-Web's audit log. Zero
// fields do not filter.
type Filter struct {
	Start         time.Time // entries at or after Start
	End           time.Time // entries at or before End
	ToolName      string    // case-insensitive substring of the tool name; % and _ are literal
	SessionID     string    // exact
	TaskID        string    // exact
	UserID        string    // exact
	ConfirmedOnly bool      // only entries whose call was confirmed
	Limit         int       // page size, 1..MaxLimit; 0 means DefaultLimit
	Offset        int       // entries to skip, after Cursor
	Cursor        string    // from Page.NextCursor: continue below that page
}

// Page is one page of a query, newest entry first.
type Page struct {
	Entries []Entry `json:"entries"`
	// NextCursor continues the query after this page; "" when it is the last.
	NextCursor string `json:"next_cursor"`
}

// filterParams are the URL parameters ParseFilter knows.
var filterParams = []string{"start", "end", "tool_name", "session_id", "task_id", "user_id", "confirmed_only", "limit", "offset", "cursor"}

// ParseFilter reads a filter from URL query parameters, the way HTTP API v1
// takes them. It returns a *FieldError (ErrInvalidArgument) for an unknown
// or repeated parameter, a malformed time, number, boolean or cursor, or a
// limit or offset out of range.
func ParseFilter(q url.Values) (Filter, error) {
	var f Filter
	for name, vs := range q {
		if !slices.Contains(filterParams, name) {
			return f, invalid(name, "is not a filter; the filters are %s", strings.Join(filterParams, ", "))
		}
		if len(vs) > 1 {
			return f, invalid(name, "is given %d times; give it once", len(vs))
		}
	}
	var err error
	if s := q.Get("start"); s != "" {
		if f.Start, err = ParseTime("start", s); err != nil {
			return f, err
		}
	}
	if s := q.Get("end"); s != "" {
		if f.End, err = ParseTime("end", s); err != nil {
			return f, err
		}
	}
	f.ToolName, f.SessionID, f.TaskID, f.UserID = q.Get("tool_name"), q.Get("session_id"), q.Get("task_id"), q.Get("user_id")
	f.Cursor = q.Get("cursor")
	if s := q.Get("confirmed_only"); s != "" {
		if f.ConfirmedOnly, err = strconv.ParseBool(s); err != nil {
			return f, invalid("confirmed_only", "%q is not a boolean: use true or false", s)
		}
	}
	if s := q.Get("limit"); s != "" {
		if f.Limit, err = strconv.Atoi(s); err != nil {
			return f, invalid("limit", "%q is not a whole number from 1 to %d", s, MaxLimit)
		}
		if f.Limit < 1 {
			return f, invalid("limit", "must be from 1 to %d, got %d", MaxLimit, f.Limit)
		}
	}
	if s := q.Get("offset"); s != "" {
		if f.Offset, err = strconv.Atoi(s); err != nil {
			return f, invalid("offset", "%q is not a whole number of at least 0", s)
		}
	}
	return f, f.check()
}

// Values returns the filter as URL query parameters, the inverse of
// ParseFilter. Zero fields are left out.
func (f Filter) Values() url.Values {
	q := url.Values{}
	if !f.Start.IsZero() {
		q.Set("start", f.Start.UTC().Format(TimeLayout))
	}
	if !f.End.IsZero() {
		q.Set("end", f.End.UTC().Format(TimeLayout))
	}
	for _, p := range []struct{ k, v string }{
		{"tool_name", f.ToolName}, {"session_id", f.SessionID}, {"task_id", f.TaskID},
		{"user_id", f.UserID}, {"cursor", f.Cursor},
	} {
		if p.v != "" {
			q.Set(p.k, p.v)
		}
	}
	if f.ConfirmedOnly {
		q.Set("confirmed_only", "true")
	}
	if f.Limit != 0 {
		q.Set("limit", strconv.Itoa(f.Limit))
	}
	if f.Offset != 0 {
		q.Set("offset", strconv.Itoa(f.Offset))
	}
	return q
}

// check validates the fields a caller may get wrong in Go as well as in a URL.
func (f Filter) check() error {
	if f.Limit < 0 || f.Limit > MaxLimit {
		return invalid("limit", "must be from 1 to %d, got %d", MaxLimit, f.Limit)
	}
	if f.Offset < 0 {
		return invalid("offset", "must be at least 0, got %d", f.Offset)
	}
	if f.Offset > maxOffset {
		return invalid("offset", "must be at most %d; page deeper with cursor", maxOffset)
	}
	for _, p := range []struct{ k, v string }{
		{"tool_name", f.ToolName}, {"session_id", f.SessionID}, {"task_id", f.TaskID}, {"user_id", f.UserID},
	} {
		if err := checkText(p.k, p.v, maxFilterText, false); err != nil {
			return err
		}
	}
	if _, err := DecodeCursor(f.Cursor); err != nil {
		return err
	}
	return nil
}

// normalized returns f with its times on the log's microsecond grid:
// Start rounded up and End rounded down, so that both stay inclusive of
// exactly the entries between them.
func (f Filter) normalized() Filter {
	if !f.Start.IsZero() {
		if t := f.Start.Truncate(time.Microsecond); t.Before(f.Start) {
			f.Start = t.Add(time.Microsecond)
		}
	}
	if !f.End.IsZero() {
		f.End = f.End.Truncate(time.Microsecond)
	}
	return f
}

// maxOffset bounds OFFSET paging; deeper pages use the cursor, which costs
// the same at any depth.
const maxOffset = 10_000_000

// maxFilterText bounds a text filter: no stored value is longer.
const maxFilterText = 1024

// cursorVersion is the first byte of every cursor.
const cursorVersion = 1

// EncodeCursor returns the opaque cursor that continues a query below the
// entry with the given id.
func EncodeCursor(beforeID int64) string {
	b := binary.AppendUvarint([]byte{cursorVersion}, uint64(beforeID))
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeCursor returns the id a cursor continues below, or 0 for "". It
// returns a *FieldError (ErrInvalidArgument) for any string EncodeCursor
// did not make.
func DecodeCursor(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	bad := invalid("cursor", "is not a cursor this log made; pass next_cursor as it was returned")
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) < 2 || b[0] != cursorVersion {
		return 0, bad
	}
	id, n := binary.Uvarint(b[1:])
	if n != len(b)-1 || id < 2 || id > 1<<62 || EncodeCursor(int64(id)) != s {
		return 0, bad
	}
	return int64(id), nil
}
