package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/auth"
	"github.com/tooltrail/tooltrail/export"
	"github.com/tooltrail/tooltrail/live"
)

// getExport is GET /v1/export?format=ndjson|csv&<filters>: every entry of
// the filter, newest first, streamed a page at a time. An error after the
// first bytes can only cut the answer short; the server logs it.
func (s *Server) getExport(w http.ResponseWriter, r *http.Request) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if n := len(q["format"]); n > 1 {
		s.fail(w, r, &tooltrail.FieldError{Field: "format", Reason: fmt.Sprintf("is given %d times; give it once", n), Err: tooltrail.ErrInvalidArgument})
		return
	}
	format, err := export.ParseFormat(q.Get("format"))
	if q.Get("format") == "" {
		format, err = export.NDJSON, nil
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q.Del("format")
	r2 := r.Clone(r.Context())
	r2.URL.RawQuery = q.Encode()
	f, err := filterOf(r2)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if q.Has("limit") || q.Has("offset") || q.Has("cursor") {
		s.fail(w, r, &tooltrail.FieldError{Field: "limit", Reason: "an export has every entry of the filter: it takes no limit, offset or cursor", Err: tooltrail.ErrInvalidArgument})
		return
	}
	h := w.Header()
	h.Set("Content-Type", format.ContentType())
	h.Set("Content-Disposition", `attachment; filename="tooltrail-export.`+string(format)+`"`)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	// An export of a large log outlives the server's write timeout: each
	// page gets a minute of its own.
	rc := http.NewResponseController(w)
	flush := func() {
		_ = rc.Flush()
		_ = rc.SetWriteDeadline(time.Now().Add(time.Minute))
	}
	_ = rc.SetWriteDeadline(time.Now().Add(time.Minute))
	if n, err := export.Write(r.Context(), w, s.log, f, format, flush); err != nil {
		s.logger.WarnContext(r.Context(), "export cut short", "entries", n, "err", err)
	}
}

// getStream is GET /v1/entries/stream?<filters>: the entries of the filter
// as they are recorded, as server-sent events.
func (s *Server) getStream(w http.ResponseWriter, r *http.Request) {
	f, err := filterOf(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var token int64
	if tok, ok := auth.FromContext(r.Context()); ok {
		token = tok.ID
	}
	ctx, release, err := s.streams.Open(r.Context(), token)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer release()
	if tok, ok := auth.FromContext(ctx); ok && s.tokens != nil {
		// A stream lasts; a revocation ends it within seconds.
		var cancel context.CancelFunc
		ctx, cancel = auth.WhileActive(ctx, s.tokens, tok)
		defer cancel()
	}
	if err := live.Stream(ctx, w, r, s.log, f); err != nil {
		s.logger.WarnContext(r.Context(), "live stream ended", "err", err)
	}
}
