package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/auth"
)

// recordRequest is the body of POST /v1/entries. Strings may be null,
// which means absent, as "" does.
type recordRequest struct {
	ToolName      *string         `json:"tool_name"`
	Arguments     json.RawMessage `json:"arguments"`
	ResultSummary *string         `json:"result_summary"`
	Confirmed     *bool           `json:"confirmed"`
	SessionID     *string         `json:"session_id"`
	TaskID        *string         `json:"task_id"`
	UserID        *string         `json:"user_id"`
	CallID        *string         `json:"call_id"`
}

func (q recordRequest) call() tooltrail.Call {
	c := tooltrail.Call{
		ToolName:      deref(q.ToolName),
		ResultSummary: deref(q.ResultSummary),
		Confirmed:     q.Confirmed != nil && *q.Confirmed,
		SessionID:     deref(q.SessionID),
		TaskID:        deref(q.TaskID),
		UserID:        deref(q.UserID),
		CallID:        deref(q.CallID),
	}
	if len(q.Arguments) > 0 && string(q.Arguments) != "null" {
		c.Arguments = q.Arguments // the Log canonicalises it
	}
	return c
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// postEntry is POST /v1/entries: it records one call and answers 201 with
// its receipt, or 200 with the first receipt when the call repeats an
// earlier call_id with the same content.
func (s *Server) postEntry(w http.ResponseWriter, r *http.Request) {
	if err := noQuery(r); err != nil {
		s.fail(w, r, err)
		return
	}
	var req recordRequest
	if _, err := s.decodeBody(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	// Detached from the client: once the call is queued, its outcome is
	// decided by the Log, not by whether the client waits for it.
	call := req.call()
	user, err := forUser(r, call.UserID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	call.UserID = user
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), recordTimeout)
	defer cancel()
	rc, err := s.log.Record(ctx, call)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	status := http.StatusCreated
	if rc.Replayed {
		status = http.StatusOK
	} else {
		w.Header().Set("Location", "/v1/entries/"+strconv.FormatInt(rc.ID, 10))
	}
	s.writeJSON(w, r, status, rc)
}

// pageJSON is the answer of GET /v1/entries.
type pageJSON struct {
	Entries    []tooltrail.Entry `json:"entries"`     // never null
	NextCursor *string           `json:"next_cursor"` // null on the last page
}

// filterOf parses the query parameters of r as a filter, with the user
// forced to the token's when it is bound to one. It returns an error
// wrapping ErrInvalidArgument for a malformed query string, the errors of
// tooltrail.ParseFilter, and ErrPermissionDenied for a filter on another
// user than the token's.
func filterOf(r *http.Request) (tooltrail.Filter, error) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return tooltrail.Filter{}, fmt.Errorf("%w: malformed query string: %w", tooltrail.ErrInvalidArgument, err)
	}
	f, err := tooltrail.ParseFilter(q)
	if err != nil {
		return f, err
	}
	f.UserID, err = forUser(r, f.UserID)
	return f, err
}

// getEntries is GET /v1/entries: one page of a query, newest first.
func (s *Server) getEntries(w http.ResponseWriter, r *http.Request) {
	f, err := filterOf(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page, err := s.log.Query(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := pageJSON{Entries: page.Entries}
	if out.Entries == nil {
		out.Entries = []tooltrail.Entry{}
	}
	if page.NextCursor != "" {
		out.NextCursor = &page.NextCursor
	}
	s.writeJSON(w, r, http.StatusOK, out)
}

// getCount is GET /v1/entries/count: how many entries match the filter.
func (s *Server) getCount(w http.ResponseWriter, r *http.Request) {
	f, err := filterOf(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	n, err := s.log.Count(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, struct {
		Count int64 `json:"count"`
	}{n})
}

// getEntry is GET /v1/entries/{id}: one entry with its leaf bytes.
func (s *Server) getEntry(w http.ResponseWriter, r *http.Request) {
	if err := noQuery(r); err != nil {
		s.fail(w, r, err)
		return
	}
	id, err := parseID(r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	e, err := s.entryFor(r, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, e)
}

// entryFor returns the entry with id, as the token of r may see it: a
// token bound to a user sees only that user's entries, and another's is
// not found, so that it cannot tell which ids are whose. Errors: as
// Log.Entry.
func (s *Server) entryFor(r *http.Request, id int64) (tooltrail.Entry, error) {
	e, err := s.log.Entry(r.Context(), id)
	bound := auth.BoundUser(r.Context())
	if bound == "" {
		return e, err
	}
	// One answer for another user's entry, a purged one and one never
	// recorded, so that a bound token learns nothing of ids not its own.
	if errors.Is(err, tooltrail.ErrNotFound) || (err == nil && e.UserID != bound) {
		return tooltrail.Entry{}, fmt.Errorf("%w: no entry %d", tooltrail.ErrNotFound, id)
	}
	return e, err
}

// parseID reads an entry id of a path: decimal digits, no sign, no leading
// zero, at least 1. It returns a *tooltrail.FieldError otherwise.
func parseID(s string) (int64, error) {
	bad := &tooltrail.FieldError{
		Field:  "id",
		Reason: fmt.Sprintf("%q is not an entry id: use a whole number of at least 1", s),
		Err:    tooltrail.ErrInvalidArgument,
	}
	if s == "" || s[0] < '1' || s[0] > '9' {
		return 0, bad
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, bad
		}
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, bad
	}
	return id, nil
}

// getTools is GET /v1/tools: the tool names with their counts.
func (s *Server) getTools(w http.ResponseWriter, r *http.Request) {
	if err := noQuery(r); err != nil {
		s.fail(w, r, err)
		return
	}
	tools, err := s.log.Tools(r.Context(), auth.BoundUser(r.Context()))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if tools == nil {
		tools = []tooltrail.ToolCount{}
	}
	s.writeJSON(w, r, http.StatusOK, struct {
		Tools []tooltrail.ToolCount `json:"tools"`
	}{tools})
}
