package client

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/tooltrail/tooltrail"
)

// Error is an error answer of the server: its HTTP status and the code and
// message of its {"error": {"code", "message"}} body.
type Error struct {
	Status  int    // HTTP status, e.g. 400
	Code    string // API error code, e.g. "invalid_argument"
	Message string // what the server said, e.g. "tool_name: is required"
}

// Error returns "tooltrail server: <status> <code>: <message>", without
// the code a second time where the message starts with it in words.
func (e *Error) Error() string {
	msg := e.Message
	if words := strings.ReplaceAll(e.Code, "_", " ") + ": "; strings.HasPrefix(msg, words) {
		msg = msg[len(words):]
	}
	return fmt.Sprintf("tooltrail server: %d %s: %s", e.Status, e.Code, msg)
}

// Unwrap returns the tooltrail sentinel error of the code (invalid_argument
// is tooltrail.ErrInvalidArgument, too_large ErrTooLarge, not_found
// ErrNotFound, conflict ErrConflict, unavailable ErrUnavailable,
// unauthenticated ErrUnauthenticated, permission_denied
// ErrPermissionDenied, rate_limited ErrRateLimited), or nil for other
// codes.
func (e *Error) Unwrap() error {
	switch e.Code {
	case "invalid_argument":
		return tooltrail.ErrInvalidArgument
	case "too_large":
		return tooltrail.ErrTooLarge
	case "not_found":
		return tooltrail.ErrNotFound
	case "conflict":
		return tooltrail.ErrConflict
	case "unavailable":
		return tooltrail.ErrUnavailable
	case "unauthenticated":
		return tooltrail.ErrUnauthenticated
	case "permission_denied":
		return tooltrail.ErrPermissionDenied
	case "rate_limited":
		return tooltrail.ErrRateLimited
	default:
		return nil
	}
}

// codeOfStatus guesses the API code of an error answer that does not have
// the API's shape, such as a proxy's.
func codeOfStatus(status int) string {
	switch status {
	case http.StatusBadRequest, http.StatusMethodNotAllowed, http.StatusUnsupportedMediaType:
		return "invalid_argument"
	case http.StatusUnauthorized:
		return "unauthenticated"
	case http.StatusForbidden:
		return "permission_denied"
	case http.StatusNotFound:
		return "not_found"
	case http.StatusConflict:
		return "conflict"
	case http.StatusRequestEntityTooLarge:
		return "too_large"
	case http.StatusTooManyRequests:
		return "rate_limited"
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return "unavailable"
	default:
		return "internal"
	}
}
