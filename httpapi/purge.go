package httpapi

import (
	"context"
	"net/http"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/auth"
)

// purgeRequest is the body of POST /v1/purge.
type purgeRequest struct {
	// OlderThanDays is required: a number of days, or null for every entry.
	OlderThanDays *int `json:"older_than_days"`
}

// postPurge is POST /v1/purge: it deletes the entries older than
// older_than_days days, or all of them for null, and answers 200
// {"deleted": n}. The key is required, so that an empty object cannot purge
// everything by accident.
func (s *Server) postPurge(w http.ResponseWriter, r *http.Request) {
	if err := noQuery(r); err != nil {
		s.fail(w, r, err)
		return
	}
	var req purgeRequest
	present, err := s.decodeBody(w, r, &req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !present["older_than_days"] {
		s.fail(w, r, &tooltrail.FieldError{
			Field:  "older_than_days",
			Reason: "is required: give a number of days, or null to delete every entry",
			Err:    tooltrail.ErrInvalidArgument,
		})
		return
	}
	// Detached from the client, as a record is: a purge runs to its end
	// and is itself recorded.
	// The purge's own entry names the token that asked for it.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), purgeTimeout)
	defer cancel()
	if tok, ok := auth.FromContext(r.Context()); ok {
		ctx = tooltrail.WithUser(ctx, tok.Name)
	}
	n, err := s.log.Purge(ctx, req.OlderThanDays)
	if err != nil {
		s.logger.WarnContext(r.Context(), "purge failed", "deleted", n, "err", err)
		s.fail(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, struct {
		Deleted int64 `json:"deleted"`
	}{n})
}
