package httpapi

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/otlp"
)

// DefaultOTLPMaxBodyBytes is the default bound of an OTLP export request,
// after decompression: that of the OpenTelemetry Collector's receivers, so
// that a batch a collector takes is taken here too.
const DefaultOTLPMaxBodyBytes = 20 << 20

// postTraces is POST /v1/traces, OTLP/HTTP: it records every span of an
// ExportTraceServiceRequest that is a tool execution, once every one is
// durable answers 200 with an ExportTraceServiceResponse (a partial
// success naming the tool spans it refused), and answers failures with a
// google.rpc.Status, both in the encoding of the request.
func (s *Server) postTraces(w http.ResponseWriter, r *http.Request) {
	enc, err := otlp.ParseContentType(r.Header.Get("Content-Type"))
	if err != nil {
		s.fail(w, r, &apiError{status: http.StatusUnsupportedMediaType, code: codeInvalidArgument, message: err.Error()})
		return
	}
	body, err := s.readTraces(w, r)
	if err != nil {
		s.failOTLP(w, r, enc, err)
		return
	}
	td, err := otlp.Decode(enc, body)
	if err != nil {
		s.failOTLP(w, r, enc, err)
		return
	}
	batch := otlp.Map(td, s.otlp)
	m := s.metrics.otlp
	m.received.Add(float64(batch.Received))
	m.ignored.Add(float64(batch.Ignored))

	var reasons []string
	reject := func(sp otlp.Span, err error) { reasons = append(reasons, s.otlp.Reason(sp, err)) }
	calls := make([]tooltrail.Call, 0, len(batch.Tools))
	spans := make([]otlp.Span, 0, len(batch.Tools))
	for _, sp := range batch.Tools {
		if sp.Err != nil {
			reject(sp, sp.Err)
			continue
		}
		user, err := forUser(r, sp.Call.UserID)
		if err != nil {
			reject(sp, &tooltrail.FieldError{Field: "user_id", Reason: strings.TrimPrefix(err.Error(), tooltrail.ErrPermissionDenied.Error()+": "), Err: err})
			continue
		}
		sp.Call.UserID = user
		calls = append(calls, sp.Call)
		spans = append(spans, sp)
	}
	// Detached from the client, as POST /v1/entries: once queued, the
	// outcome is the Log's.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), recordTimeout)
	defer cancel()
	_, errs := s.log.RecordBatch(ctx, calls)
	recorded := 0
	var failed error
	for i, err := range errs {
		switch {
		case err == nil:
			recorded++
		case isServerError(err):
			failed = cmpOr(failed, err)
		default:
			reject(spans[i], err)
		}
	}
	m.recorded.Add(float64(recorded))
	if failed != nil {
		// The exporter retries the whole request; the spans recorded
		// already are replayed by their call ids.
		s.failOTLP(w, r, enc, failed)
		return
	}
	m.rejected.Add(float64(len(reasons)))
	h := w.Header()
	h.Set("Content-Type", enc.ContentType())
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(otlp.EncodeResponse(enc, int64(len(reasons)), otlp.Message(len(batch.Tools), reasons)))
}

// isServerError says whether a record's error is the server's (the store,
// a shutdown), not the span's.
func isServerError(err error) bool {
	status, _, _ := classify(err)
	return status >= 500
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// readTraces reads the body of an export request, decompressing gzip, and
// bounds it after decompression, so that a small compressed body cannot
// become a large one. Errors: ErrTooLarge over the bound; an *apiError
// for an unknown Content-Encoding (415), a body that is not gzip, one cut
// short or one too slow.
func (s *Server) readTraces(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	var src io.Reader = http.MaxBytesReader(w, r.Body, s.otlpMax)
	switch ce := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))); ce {
	case "", "identity":
	case "gzip":
		zr, err := gzip.NewReader(src)
		if err != nil {
			return nil, readError(w, err, "the body is not gzip (Content-Encoding: gzip)")
		}
		defer zr.Close()
		src = zr
	default:
		return nil, &apiError{status: http.StatusUnsupportedMediaType, code: codeInvalidArgument,
			message: fmt.Sprintf("Content-Encoding must be gzip or none, got %q", ce)}
	}
	var b bytes.Buffer
	n, err := b.ReadFrom(io.LimitReader(src, s.otlpMax+1))
	if err != nil {
		return nil, readError(w, err, "the gzip body is corrupt")
	}
	if n > s.otlpMax {
		w.Header().Set("Connection", "close")
		return nil, fmt.Errorf("%w: the request body is over the limit of %d bytes after decompression; export smaller batches", tooltrail.ErrTooLarge, s.otlpMax)
	}
	return b.Bytes(), nil
}

// readError describes an error reading a request body: over the limit,
// too slow, cut short, or (for gzip) corrupt.
func readError(w http.ResponseWriter, err error, corrupt string) error {
	var mbe *http.MaxBytesError
	var ne net.Error
	var fe flate.CorruptInputError
	switch {
	case errors.As(err, &mbe):
		w.Header().Set("Connection", "close")
		return fmt.Errorf("%w: the request body is over the limit of %d bytes; export smaller batches", tooltrail.ErrTooLarge, mbe.Limit)
	case errors.As(err, &ne) && ne.Timeout():
		w.Header().Set("Connection", "close")
		return &apiError{status: http.StatusRequestTimeout, code: codeInvalidArgument,
			message: "the request body did not arrive within the server's read timeout; nothing was recorded", cause: err}
	case errors.Is(err, gzip.ErrHeader), errors.Is(err, gzip.ErrChecksum), errors.Is(err, io.ErrUnexpectedEOF), errors.As(err, &fe):
		return &apiError{status: http.StatusBadRequest, code: codeInvalidArgument, message: corrupt + "; nothing was recorded", cause: err}
	}
	w.Header().Set("Connection", "close")
	return &apiError{status: http.StatusBadRequest, code: codeInvalidArgument,
		message: "the request body could not be read whole; nothing was recorded", cause: err}
}

// failOTLP answers an export request that failed as a whole, with the
// status classify gives and a google.rpc.Status body in the request's
// encoding, as OTLP/HTTP asks; 503 carries Retry-After, so exporters retry.
func (s *Server) failOTLP(w http.ResponseWriter, r *http.Request, enc otlp.Encoding, err error) {
	status, _, message := classify(err)
	code := int32(otlp.CodeInvalidArgument)
	switch {
	case status == http.StatusServiceUnavailable:
		code = otlp.CodeUnavailable
		w.Header().Set("Retry-After", "1")
	case status == http.StatusRequestEntityTooLarge:
		code = otlp.CodeResourceExhausted
	case status >= 500:
		code = otlp.CodeInternal
	}
	if status >= 500 {
		level := slog.LevelError
		if status == http.StatusServiceUnavailable {
			level = slog.LevelWarn
		}
		s.logger.Log(r.Context(), level, "request failed", "method", r.Method, "route", s.routeOf(r), "status", status, "err", err)
	}
	h := w.Header()
	h.Set("Content-Type", enc.ContentType())
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(otlp.EncodeStatus(enc, code, message))
}
