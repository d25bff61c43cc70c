package webui

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/auth"
	"github.com/tooltrail/tooltrail/export"
	"github.com/tooltrail/tooltrail/live"
)

// feedFilter reads the filter of an export or a stream: the log view's
// parameters, without the page's position, forced to the bound user.
// Errors: those of readForm and filterForm.filter.
func (ui *UI) feedFilter(r *http.Request, q url.Values) (tooltrail.Filter, error) {
	q, _ = withoutEmpty(q)
	for _, k := range []string{"cursor", "back", "live", "limit"} {
		q.Del(k)
	}
	form, err := readForm(q)
	if err != nil {
		return tooltrail.Filter{}, err
	}
	return form.filter(ui.now(), auth.BoundUser(r.Context()))
}

// getExport is GET /export?format=ndjson|csv&<filters>: every entry of
// the filter, as an attachment, streamed a page at a time. An error after
// the first bytes can only cut the file short; it is logged.
func (ui *UI) getExport(w http.ResponseWriter, r *http.Request) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		ui.renderError(w, r, http.StatusBadRequest, "The address has a malformed query string: "+err.Error())
		return
	}
	format := export.NDJSON
	if s := q.Get("format"); s != "" {
		if format, err = export.ParseFormat(s); err != nil {
			ui.fail(w, r, err)
			return
		}
	}
	q.Del("format")
	f, err := ui.feedFilter(r, q)
	if err != nil {
		ui.fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", format.ContentType())
	h.Set("Content-Disposition", `attachment; filename="tooltrail-export.`+string(format)+`"`)
	// An export of a large log outlives a server's write timeout: each
	// page gets a minute of its own.
	rc := http.NewResponseController(w)
	flush := func() {
		_ = rc.Flush()
		_ = rc.SetWriteDeadline(time.Now().Add(time.Minute))
	}
	_ = rc.SetWriteDeadline(time.Now().Add(time.Minute))
	if n, err := export.Write(r.Context(), w, ui.cfg.Log, f, format, flush); err != nil {
		ui.logger.WarnContext(r.Context(), "web ui export cut short", "entries", n, "err", err)
	}
}

// getStream is GET /stream?<filters>: the entries of the filter recorded
// from now on, as server-sent events, for the live view.
func (ui *UI) getStream(w http.ResponseWriter, r *http.Request) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		ui.renderError(w, r, http.StatusBadRequest, "The address has a malformed query string: "+err.Error())
		return
	}
	f, err := ui.feedFilter(r, q)
	if err != nil {
		ui.fail(w, r, err)
		return
	}
	var token int64
	if s, ok := sessionFrom(r.Context()); ok {
		token = s.token.ID
	}
	ctx, release, err := ui.cfg.Streams.Open(r.Context(), token)
	if err != nil {
		ui.fail(w, r, err)
		return
	}
	defer release()
	ctx, cancel := ui.whileActive(ctx)
	defer cancel()
	if err := live.Stream(ctx, w, r, ui.cfg.Log, f); err != nil {
		ui.logger.WarnContext(r.Context(), "web ui live stream ended", "err", err)
	}
}

// recheckEvery is how often a live stream checks that its token is still
// valid: a stream outlives the check of the request that opened it.
const recheckEvery = 3 * time.Second

// whileActive returns a context that ends with ctx or soon after the
// session's token is revoked (auth.WhileActive).
func (ui *UI) whileActive(ctx context.Context) (context.Context, context.CancelFunc) {
	s, ok := sessionFrom(ctx)
	if !ok {
		ctx, cancel := context.WithCancel(ctx)
		cancel()
		return ctx, cancel
	}
	return auth.WhileActive(ctx, ui.cfg.Tokens, s.token)
}
