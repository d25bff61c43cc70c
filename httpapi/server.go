package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path"
	"runtime/debug"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/auth"
	"github.com/tooltrail/tooltrail/live"
	"github.com/tooltrail/tooltrail/otlp"
)

// DefaultMaxBodyBytes is the default bound of a request body: 1 MiB of
// arguments, 64 KiB of result summary, and slack for the other fields and
// JSON escaping.
const DefaultMaxBodyBytes = 2 << 20

// Timeouts of the writes, which run detached from the client's
// cancellation so that a client that goes away cannot leave a write half
// done.
const (
	recordTimeout = 15 * time.Second
	purgeTimeout  = 10 * time.Minute
)

// unmatchedRoute is the route label of requests that match no endpoint.
const unmatchedRoute = "unmatched"

// Config sets up a Server. The zero value is ready to use.
type Config struct {
	// Logger receives one record per request (method, route, status,
	// duration, bytes; never bodies or query values) and the real errors
	// behind 5xx answers; default slog.Default().
	Logger *slog.Logger
	// Metrics counts requests; pass the same Metrics as the Log's
	// tooltrail.Config.Observer to see its commits too; nil: NewMetrics().
	Metrics *Metrics
	// MaxBodyBytes bounds a request body; default DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// Notary signs the checkpoints that /v1/log, /v1/checkpoint and /tile/
	// serve and that proofs default to; nil: those answer 404.
	Notary *tooltrail.Notary
	// Tokens, when set, turns on access control: every endpoint but the
	// public ones needs a bearer token of a role allowed there, and tokens
	// bound to a user act only as that user. nil: no access control (for
	// a server behind access control of its own).
	Tokens auth.Store
	// RateLimit is how many requests a second each token may send, Burst
	// how many at once; beyond, 429 with Retry-After. 0: no limit.
	RateLimit float64
	RateBurst int
	// Limiter, when set, is used instead of one made of RateLimit and
	// RateBurst: pass the web UI's too, so that they share a token's rate.
	Limiter *auth.Limiter
	// Failures bounds the invalid tokens one client address may present,
	// shared with the web UI like Limiter; nil: the defaults of
	// auth.NewFailureLimiter with auth.DefaultFailureRate and
	// auth.DefaultFailureBurst.
	Failures *auth.FailureLimiter
	// Streams bounds the live streams (GET /v1/entries/stream) per token,
	// in all and in time, shared with the web UI; nil: live.NewStreams
	// with its defaults.
	Streams *live.Streams
	// OTLP names the span attributes POST /v1/traces reads users, tasks
	// and confirmations from; the zero value reads enduser.id.
	OTLP otlp.Config
	// OTLPMaxBodyBytes bounds an OTLP export request after decompression;
	// default DefaultOTLPMaxBodyBytes.
	OTLPMaxBodyBytes int64
	// LookupTimeout bounds the look-up of a request's token in the store,
	// so that a store that is gone answers 503 instead of hanging; default
	// 5s.
	LookupTimeout time.Duration
}

// Server serves HTTP API v1 over a Log. It implements http.Handler and is
// safe for concurrent use.
type Server struct {
	log      *tooltrail.Log
	logger   *slog.Logger
	metrics  *Metrics
	maxBody  int64
	notary   *tooltrail.Notary
	tokens   auth.Store
	limiter  *auth.Limiter
	failures *auth.FailureLimiter
	streams  *live.Streams
	lookup   time.Duration
	otlp     otlp.Config
	otlpMax  int64
	mux      *http.ServeMux
	patterns map[string]bool // the patterns of mux, for route labels
}

// New returns a Server over log, with the endpoints of HTTP API v1:
//
//	POST /v1/entries          record one call
//	POST /v1/traces           record the tool spans of an OTLP/HTTP export
//	GET  /v1/entries          query (filters as tooltrail.ParseFilter)
//	GET  /v1/entries/count    count
//	GET  /v1/entries/{id}     one entry, with its leaf
//	GET  /v1/tools            tool names with counts
//	GET  /v1/export           every entry of a filter, as NDJSON or CSV
//	GET  /v1/entries/stream   new entries of a filter, as server-sent events
//	POST /v1/purge            purge old entries
//	GET  /v1/log              origin, verifier key and signed tree size
//	GET  /v1/checkpoint       the latest signed checkpoint
//	GET  /checkpoint          the same, where C2SP tlog-tiles puts it
//	GET  /v1/entries/{id}/proof  inclusion proof (tree_size)
//	GET  /v1/consistency      consistency proof (from, to)
//	GET  /tile/...            C2SP tlog-tiles hash tiles
//	GET  /tile/entries/...    C2SP tlog-tiles entry bundles (auditor, admin)
//	GET  /healthz             liveness and tree size
//	GET  /readyz              readiness: liveness, and the log can record
//	GET  /metrics             Prometheus metrics of cfg.Metrics
//
// and JSON 404 and 405 answers for other paths and methods. With
// cfg.Tokens every endpoint but /v1/log, /v1/checkpoint, /checkpoint,
// /v1/consistency, /tile/, /healthz, /readyz and /metrics needs a token of a role
// allowed there. It points the tooltrail_queue_depth gauge of cfg.Metrics
// at log. New does not fail.
func New(log *tooltrail.Log, cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Metrics == nil {
		cfg.Metrics = NewMetrics()
	}
	if cfg.Limiter == nil {
		cfg.Limiter = auth.NewLimiter(cfg.RateLimit, cfg.RateBurst, nil)
	}
	if cfg.Failures == nil {
		cfg.Failures = auth.NewFailureLimiter(auth.DefaultFailureRate, auth.DefaultFailureBurst, nil)
	}
	if cfg.Streams == nil {
		cfg.Streams = live.NewStreams(0, 0, 0)
	}
	if cfg.LookupTimeout <= 0 {
		cfg.LookupTimeout = 5 * time.Second
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.OTLPMaxBodyBytes <= 0 {
		cfg.OTLPMaxBodyBytes = DefaultOTLPMaxBodyBytes
	}
	s := &Server{
		log:      log,
		logger:   cfg.Logger,
		metrics:  cfg.Metrics,
		maxBody:  cfg.MaxBodyBytes,
		notary:   cfg.Notary,
		tokens:   cfg.Tokens,
		limiter:  cfg.Limiter,
		failures: cfg.Failures,
		streams:  cfg.Streams,
		lookup:   cfg.LookupTimeout,
		otlp:     cfg.OTLP,
		otlpMax:  cfg.OTLPMaxBodyBytes,
		mux:      http.NewServeMux(),
		patterns: make(map[string]bool),
	}
	s.metrics.attach(log)
	// Who may call each endpoint, as DESIGN's table has it. Those given
	// nil are open to anyone: the checkpoint, consistency proofs and
	// tiles, which an auditor needs without a token, health and metrics.
	recorders := []auth.Role{auth.Writer, auth.Admin}
	readers := []auth.Role{auth.Reader, auth.Auditor, auth.Admin}
	auditors := []auth.Role{auth.Auditor, auth.Admin}
	admins := []auth.Role{auth.Admin}
	s.handle("POST /v1/entries", recorders, s.postEntry)
	s.handle("POST /v1/traces", recorders, s.postTraces)
	s.handle("GET /v1/entries", readers, s.getEntries)
	s.handle("GET /v1/entries/count", readers, s.getCount)
	s.handle("GET /v1/entries/{id}", readers, s.getEntry)
	s.handle("GET /v1/tools", readers, s.getTools)
	s.handle("GET /v1/export", readers, s.getExport)
	s.handle("GET /v1/entries/stream", readers, s.getStream)
	s.handle("POST /v1/purge", admins, s.postPurge)
	s.handle("GET /v1/log", nil, s.getLog)
	s.handle("GET /v1/checkpoint", nil, s.getCheckpoint)
	s.handle("GET /checkpoint", nil, s.getCheckpoint)
	s.handle("GET /v1/entries/{id}/proof", readers, s.getProof)
	s.handle("GET /v1/consistency", nil, s.getConsistency)
	s.handle("GET /tile/{path...}", nil, s.getTile)
	s.handle("GET /tile/entries/{path...}", auditors, s.getEntryBundle)
	s.handle("GET /healthz", nil, s.getHealth)
	s.handle("GET /readyz", nil, s.getReady)
	s.handle("GET /metrics", nil, promhttp.HandlerFor(s.metrics.registry, promhttp.HandlerOpts{
		ErrorLog: slog.NewLogLogger(s.logger.Handler(), slog.LevelError),
		Registry: s.metrics.registry,
	}).ServeHTTP)
	return s
}

// handle serves pattern with h, for tokens of roles (anyone when nil).
func (s *Server) handle(pattern string, roles []auth.Role, h http.HandlerFunc) {
	s.mux.Handle(pattern, s.guard(roles, h))
	s.patterns[pattern] = true
}

// ServeHTTP answers one request of HTTP API v1, logs it and counts it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &recorder{ResponseWriter: w}
	_, pattern := s.mux.Handler(r)
	route := unmatchedRoute
	// The mux would redirect an unclean path (/v1//entries) with an HTML
	// body; the API answers it as a path it does not know.
	if s.patterns[pattern] && path.Clean(r.URL.Path) == r.URL.Path {
		route = pattern
	}
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.logger.ErrorContext(r.Context(), "handler panicked", "method", r.Method, "route", route,
				"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			if !rec.wroteHeader {
				s.fail(rec, r, errors.New("handler panicked"))
			}
		}
		took := time.Since(start)
		s.metrics.observeRequest(route, rec.statusCode(), took)
		s.logger.LogAttrs(r.Context(), slog.LevelInfo, "http request",
			slog.String("method", r.Method), slog.String("route", route), slog.Int("status", rec.statusCode()),
			slog.Duration("duration", took), slog.Int64("bytes", rec.bytes))
	}()
	if r.TLS != nil {
		// Browsers that reached the log over TLS once must not be talked
		// into plain HTTP later, where a token would cross in the clear.
		rec.Header().Set("Strict-Transport-Security", hstsValue)
	}
	if route == unmatchedRoute {
		s.unmatched(rec, r)
		return
	}
	s.mux.ServeHTTP(rec, r)
}

// hstsValue is the Strict-Transport-Security of every answer over TLS: a
// year, for this host name only (others on the domain are not the log's).
const hstsValue = "max-age=31536000"

// unmatched answers a request that matches no endpoint: 405 with Allow
// when its path has endpoints for other methods, else 404.
func (s *Server) unmatched(w http.ResponseWriter, r *http.Request) {
	h, _ := s.mux.Handler(r)
	probe := &probeWriter{header: http.Header{}}
	h.ServeHTTP(probe, r) // the mux's own 404, 405 or redirect answer
	if probe.status == http.StatusMethodNotAllowed {
		allow := probe.header.Get("Allow")
		w.Header().Set("Allow", allow)
		s.fail(w, r, &apiError{
			status:  http.StatusMethodNotAllowed,
			code:    codeInvalidArgument,
			message: fmt.Sprintf("method %s is not allowed here; use %s", r.Method, strings.ReplaceAll(allow, ",", " or")),
		})
		return
	}
	s.fail(w, r, &apiError{
		status:  http.StatusNotFound,
		code:    codeNotFound,
		message: fmt.Sprintf("no endpoint at %s %q; see HTTP API v1", r.Method, r.URL.Path),
	})
}

// routeOf returns the route label of r: its pattern when it matched one.
func (s *Server) routeOf(r *http.Request) string {
	if s.patterns[r.Pattern] {
		return r.Pattern
	}
	return unmatchedRoute
}

// writeJSON answers with status and v as JSON. It does not escape HTML
// characters, so that the canonical JSON of arguments reaches the client
// byte for byte; Content-Type and nosniff keep browsers from reading the
// answer as HTML.
func (s *Server) writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		s.logger.ErrorContext(r.Context(), "encode answer", "route", s.routeOf(r), "err", err)
		status = http.StatusInternalServerError
		b.Reset()
		_ = json.NewEncoder(&b).Encode(errorBody{Error: errorDetail{Code: codeInternal, Message: "internal error; the server logged the details"}})
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes()) // an error here means the client went away
}

// recorder remembers the status and size of an answer.
type recorder struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
	bytes       int64
}

func (r *recorder) WriteHeader(code int) {
	if !r.wroteHeader && code >= 200 {
		r.status, r.wroteHeader = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if !r.wroteHeader {
		r.WriteHeader(http.StatusOK)
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func (r *recorder) statusCode() int {
	if !r.wroteHeader {
		return http.StatusOK
	}
	return r.status
}

// probeWriter takes the answer of the mux's built-in handlers, to learn
// their status and Allow header, and drops the body.
type probeWriter struct {
	header http.Header
	status int
}

func (p *probeWriter) Header() http.Header { return p.header }

func (p *probeWriter) WriteHeader(code int) {
	if p.status == 0 {
		p.status = code
	}
}

func (p *probeWriter) Write(b []byte) (int, error) {
	if p.status == 0 {
		p.status = http.StatusOK
	}
	return len(b), nil
}
