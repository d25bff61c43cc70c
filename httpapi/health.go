package httpapi

import (
	"net/http"
)

// getHealth is GET /healthz: 200 {"status": "ok", "tree_size": n} when the
// store's head can be read, else 503 unavailable (whatever the error; the
// server logs it).
func (s *Server) getHealth(w http.ResponseWriter, r *http.Request) {
	head, err := s.log.Head(r.Context())
	if err != nil {
		s.fail(w, r, &apiError{
			status:  http.StatusServiceUnavailable,
			code:    codeUnavailable,
			message: "the log's store cannot be read",
			cause:   err,
		})
		return
	}
	s.writeJSON(w, r, http.StatusOK, struct {
		Status   string `json:"status"`
		TreeSize int64  `json:"tree_size"`
	}{"ok", head.Size})
}
