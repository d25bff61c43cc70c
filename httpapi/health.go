package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// healthTimeout bounds how long /healthz and /readyz wait for the store, so
// that a load balancer's probe gets an answer while the store hangs.
const healthTimeout = 2 * time.Second

// Readiness: a server is not ready while at least notReadyFailures batches
// in a row failed to commit, the last within notReadyFor; after that it
// says ready again, so that a load balancer sends the records that find out
// whether the store recovered.
const (
	notReadyFailures = 3
	notReadyFor      = 30 * time.Second
)

// getHealth is GET /healthz, liveness: 200 {"status": "ok", "tree_size": n}
// when the store's head can be read within healthTimeout, else 503
// unavailable (the server logs why). tree_size is the latest signed
// checkpoint's (0 without a notary), not the head's: /healthz needs no
// token, and the head's size polled told anyone the time of each new entry
// to the millisecond, which with an entry's id narrows what its leaf hash
// must be tried against.
func (s *Server) getHealth(w http.ResponseWriter, r *http.Request) {
	if err := s.headReadable(r.Context()); err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, struct {
		Status   string `json:"status"`
		TreeSize int64  `json:"tree_size"`
	}{"ok", s.signedSize()})
}

// getReady is GET /readyz, readiness: as /healthz, and also 503 while the
// log cannot record (notReadyFailures commits in a row failed, the last
// within notReadyFor: a full disk, a store that refuses writes).
func (s *Server) getReady(w http.ResponseWriter, r *http.Request) {
	if err := s.headReadable(r.Context()); err != nil {
		s.fail(w, r, err)
		return
	}
	if n, last := s.log.CommitHealth(); n >= notReadyFailures && time.Since(last) < notReadyFor {
		s.fail(w, r, &apiError{
			status: http.StatusServiceUnavailable,
			code:   codeUnavailable,
			message: fmt.Sprintf("the log cannot record: the last %d commits failed, the last %s ago; the server logged why",
				n, time.Since(last).Round(time.Second)),
		})
		return
	}
	s.writeJSON(w, r, http.StatusOK, struct {
		Status   string `json:"status"`
		TreeSize int64  `json:"tree_size"`
	}{"ready", s.signedSize()})
}

// headReadable reads the store's head within healthTimeout and returns an
// *apiError (503) when it cannot.
func (s *Server) headReadable(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, healthTimeout)
	defer cancel()
	if _, err := s.log.Head(ctx); err != nil {
		return &apiError{
			status:  http.StatusServiceUnavailable,
			code:    codeUnavailable,
			message: fmt.Sprintf("the log's store cannot be read (within %s)", healthTimeout),
			cause:   err,
		}
	}
	return nil
}

// signedSize is the latest signed checkpoint's size, 0 without a notary.
func (s *Server) signedSize() int64 {
	if s.notary == nil {
		return 0
	}
	return s.notary.Latest().Size
}
