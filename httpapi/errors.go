package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/tooltrail/tooltrail"
)

// Error codes of HTTP API v1.
const (
	codeInvalidArgument = "invalid_argument"
	codeNotFound        = "not_found"
	codeConflict        = "conflict"
	codeTooLarge        = "too_large"
	codeUnavailable     = "unavailable"
	codeInternal        = "internal"
	codeUnauthenticated = "unauthenticated"
	codePermission      = "permission_denied"
	codeRateLimited     = "rate_limited"
)

// errorBody is the JSON of every error answer.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// apiError is an error the server answers with as it is, for conditions
// that no tooltrail sentinel describes (such as an unknown path).
type apiError struct {
	status  int
	code    string
	message string // what the answer says
	cause   error  // what the server logs besides, or nil
}

func (e *apiError) Error() string {
	if e.cause != nil {
		return e.message + ": " + e.cause.Error()
	}
	return e.message
}

// classify is the one map from an error to the status, code and message of
// the answer. The message of a *tooltrail.FieldError is its Error(), so the
// caller sees which field is wrong and what is allowed. Errors that the
// caller cannot act on get a generic message; the server logs them.
func classify(err error) (status int, code, message string) {
	var ae *apiError
	var fe *tooltrail.FieldError
	switch {
	case errors.As(err, &ae):
		return ae.status, ae.code, ae.message
	case errors.Is(err, tooltrail.ErrCorrupt):
		// Checked first: a corrupt leaf's error also wraps the decoder's
		// ErrInvalidArgument, but it is no fault of the caller.
		return http.StatusInternalServerError, codeInternal, "internal error; the server logged the details"
	case errors.Is(err, tooltrail.ErrClosed):
		return http.StatusServiceUnavailable, codeUnavailable, "the log is closed; the server is shutting down; retry (with the same call_id)"
	case errors.Is(err, tooltrail.ErrUnavailable),
		errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return http.StatusServiceUnavailable, codeUnavailable, "the log's store is unavailable; retry (with the same call_id, a record is safe to repeat)"
	case errors.As(err, &fe):
		return fieldStatus(fe), fieldCode(fe), fe.Error()
	case errors.Is(err, tooltrail.ErrTooLarge):
		return http.StatusRequestEntityTooLarge, codeTooLarge, err.Error()
	case errors.Is(err, tooltrail.ErrInvalidArgument):
		return http.StatusBadRequest, codeInvalidArgument, err.Error()
	case errors.Is(err, tooltrail.ErrNotFound):
		return http.StatusNotFound, codeNotFound, err.Error()
	case errors.Is(err, tooltrail.ErrConflict):
		return http.StatusConflict, codeConflict, err.Error()
	case errors.Is(err, tooltrail.ErrUnauthenticated):
		return http.StatusUnauthorized, codeUnauthenticated, err.Error()
	case errors.Is(err, tooltrail.ErrPermissionDenied):
		return http.StatusForbidden, codePermission, err.Error()
	case errors.Is(err, tooltrail.ErrRateLimited):
		return http.StatusTooManyRequests, codeRateLimited, err.Error()
	default:
		return http.StatusInternalServerError, codeInternal, "internal error; the server logged the details"
	}
}

func fieldStatus(fe *tooltrail.FieldError) int {
	if errors.Is(fe.Err, tooltrail.ErrTooLarge) {
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusBadRequest
}

func fieldCode(fe *tooltrail.FieldError) string {
	if errors.Is(fe.Err, tooltrail.ErrTooLarge) {
		return codeTooLarge
	}
	return codeInvalidArgument
}

// fail answers r with the error, in the shape and status classify gives.
// It logs errors of the server (5xx) with their real text, which the
// answer does not show: 500 as errors, 503 as warnings.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, code, message := classify(err)
	if status >= 500 {
		level := slog.LevelError
		if status == http.StatusServiceUnavailable {
			level = slog.LevelWarn
		}
		s.logger.Log(r.Context(), level, "request failed",
			"method", r.Method, "route", s.routeOf(r), "status", status, "err", err)
	}
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	s.writeJSON(w, r, status, errorBody{Error: errorDetail{Code: code, Message: message}})
}
