package httpapi

import (
	"net/http"
)

// getHealth is GET /healthz: 200 {"status": "ok", "tree_size": n} when the
// store's head can be read, else 503 unavailable (whatever the error; the
// server logs it). tree_size is the latest signed checkpoint's (0 without
// a notary), not the head's: /healthz needs no token, and the head's size
// polled told anyone the time of each new entry to the millisecond, which
// with an entry's id narrows what its leaf hash must be tried against.
func (s *Server) getHealth(w http.ResponseWriter, r *http.Request) {
	if _, err := s.log.Head(r.Context()); err != nil {
		s.fail(w, r, &apiError{
			status:  http.StatusServiceUnavailable,
			code:    codeUnavailable,
			message: "the log's store cannot be read",
			cause:   err,
		})
		return
	}
	var size int64
	if s.notary != nil {
		size = s.notary.Latest().Size
	}
	s.writeJSON(w, r, http.StatusOK, struct {
		Status   string `json:"status"`
		TreeSize int64  `json:"tree_size"`
	}{"ok", size})
}
