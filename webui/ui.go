package webui

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/auth"
	"github.com/tooltrail/tooltrail/live"
	"github.com/tooltrail/tooltrail/redact"
)

// Config sets up a UI.
type Config struct {
	Log    *tooltrail.Log    // the log to show; required
	Store  tooltrail.Store   // the Log's store, for "verify now"; nil: no verify control
	Tokens auth.Store        // the tokens to sign in with; required
	Notary *tooltrail.Notary // the log's notary, for checkpoints and proofs; nil: none shown
	// Secure marks the cookies Secure, for a server behind TLS.
	Secure bool
	// Retention is the retention setting shown in the panel ("" means
	// every entry is kept).
	Retention string
	// Logger receives the UI's errors and sign-ins (never secrets);
	// default slog.Default().
	Logger *slog.Logger
	// Limiter bounds each token's requests, the same one as the API's so
	// that the two share a token's rate; nil: no limit.
	Limiter *auth.Limiter
	// Failures bounds the invalid tokens one client address may present,
	// the same one as the API's; nil: the defaults of
	// auth.NewFailureLimiter with auth.DefaultFailureRate and
	// auth.DefaultFailureBurst.
	Failures *auth.FailureLimiter
	// Streams bounds the live view's streams per token, in all and in
	// time, the same one as the API's; nil: live.NewStreams with its
	// defaults.
	Streams *live.Streams
	// Redactor is the server's, which tells the redaction markers it
	// wrote from look-alikes a caller typed: only those are shown as
	// markers. nil: none is.
	Redactor *redact.Redactor
	// Now is the clock of the time presets and of the purge counts; give
	// the Log's own clock (tooltrail.Config.Now). Default time.Now.
	Now func() time.Time
}

// UI is the web interface over one Log. It implements http.Handler and is
// safe for concurrent use.
type UI struct {
	cfg     Config
	logger  *slog.Logger
	now     func() time.Time
	pages   map[string]*template.Template
	mux     *http.ServeMux
	origins *http.CrossOriginProtection
	verify  *verifyJob
	ctx     context.Context // ends at Close: what the UI runs in the background
	stop    context.CancelFunc
}

// lookupTimeout bounds the look-up of a session's token in the store, so
// that a store that is gone answers 503 instead of hanging.
const lookupTimeout = 5 * time.Second

// New returns the UI of cfg. Errors: a missing Log or Tokens (wrapping
// tooltrail.ErrInvalidArgument); templates that do not parse (a bug).
func New(cfg Config) (*UI, error) {
	if cfg.Log == nil {
		return nil, fmt.Errorf("%w: webui: Config.Log is required", tooltrail.ErrInvalidArgument)
	}
	if cfg.Tokens == nil {
		return nil, fmt.Errorf("%w: webui: Config.Tokens is required: the UI signs in with tokens", tooltrail.ErrInvalidArgument)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Failures == nil {
		cfg.Failures = auth.NewFailureLimiter(auth.DefaultFailureRate, auth.DefaultFailureBurst, nil)
	}
	if cfg.Streams == nil {
		cfg.Streams = live.NewStreams(0, 0, 0)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	ui := &UI{
		cfg:     cfg,
		logger:  cfg.Logger,
		now:     cfg.Now,
		pages:   pages,
		mux:     http.NewServeMux(),
		origins: http.NewCrossOriginProtection(),
		verify:  &verifyJob{},
	}
	ui.ctx, ui.stop = context.WithCancel(context.Background())
	ui.routes()
	return ui, nil
}

// Close stops what the UI runs in the background (a "verify now" going
// on) and waits for it. Requests still served after it get no new run.
func (ui *UI) Close() error {
	ui.stop()
	ui.verify.runs.Wait()
	return nil
}

// routes registers every path of the UI.
func (ui *UI) routes() {
	readers := []auth.Role{auth.Reader, auth.Auditor, auth.Admin}
	admins := []auth.Role{auth.Admin}
	m := ui.mux
	m.HandleFunc("GET /signin", ui.getSignin)
	m.HandleFunc("POST /signin", ui.postSignin)
	m.HandleFunc("POST /signout", ui.postSignout)
	m.Handle("GET /static/", staticHandler())
	m.Handle("GET /{$}", ui.require(readers, ui.getLogView))
	m.Handle("GET /entries/{id}", ui.require(readers, ui.getEntry))
	m.Handle("GET /log", ui.require(readers, ui.getPanel))
	m.Handle("GET /export", ui.require(readers, ui.getExport))
	m.Handle("GET /stream", ui.require(readers, ui.getStream))
	m.Handle("POST /verify", ui.require(admins, ui.postVerify))
	m.Handle("GET /verify/status", ui.require(admins, ui.getVerifyStatus))
	m.Handle("POST /purge", ui.require(admins, ui.postPurge))
	m.Handle("POST /purge/confirm", ui.require(admins, ui.postPurgeConfirm))
	m.HandleFunc("/", ui.notFound)
}

// contentSecurityPolicy lets a page load only this server's style sheet,
// script and images, talk only to this server, and be framed by no one.
const contentSecurityPolicy = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// ServeHTTP answers one request of the UI, with the security headers on
// every answer. It returns nothing: a failure is an error page with its
// status (400 for a malformed filter, 403, 404, 503 when the store is
// unavailable, 500 logged with its cause).
func (ui *UI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
	if r.TLS != nil {
		// Once over TLS, never again in the clear, where the session
		// cookie would cross readable: a year, for this host only.
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
	ui.mux.ServeHTTP(w, r)
}

// notFound answers a path the UI does not serve.
func (ui *UI) notFound(w http.ResponseWriter, r *http.Request) {
	ui.renderError(w, r, http.StatusNotFound, "There is no page at "+r.URL.Path+".")
}

// errStatus returns the HTTP status and the message a page shows for err.
// The messages of server errors say nothing of the store: the log has
// them.
func errStatus(err error) (int, string) {
	var fe *tooltrail.FieldError
	switch {
	case errors.As(err, &fe):
		return http.StatusBadRequest, fe.Error()
	case errors.Is(err, tooltrail.ErrInvalidArgument):
		return http.StatusBadRequest, err.Error()
	case errors.Is(err, tooltrail.ErrNotFound):
		return http.StatusNotFound, err.Error()
	case errors.Is(err, tooltrail.ErrPermissionDenied):
		return http.StatusForbidden, err.Error()
	case errors.Is(err, tooltrail.ErrRateLimited):
		return http.StatusTooManyRequests, err.Error()
	case errors.Is(err, tooltrail.ErrUnavailable):
		return http.StatusServiceUnavailable, "The store is unavailable right now; try again in a moment."
	case errors.Is(err, tooltrail.ErrCorrupt):
		return http.StatusInternalServerError, "The store holds data the log did not write: run tooltrail verify. The server logged the details."
	}
	return http.StatusInternalServerError, "Internal error; the server logged the details."
}

// fail answers r with the page of err, and logs server errors.
func (ui *UI) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := errStatus(err)
	if re, ok := errors.AsType[*retryError](err); ok {
		w.Header().Set("Retry-After", strconv.Itoa(re.secs))
	}
	if status >= 500 {
		ui.logger.ErrorContext(r.Context(), "web ui request failed", "method", r.Method, "path", r.URL.Path, "status", status, "err", err)
	}
	ui.renderError(w, r, status, msg)
}
