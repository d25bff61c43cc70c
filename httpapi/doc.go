// Package httpapi serves HTTP API v1 of tooltrail: the JSON API over a
// [tooltrail.Log], with one error-to-status map, strict decoding of request
// bodies, structured request logs and Prometheus metrics.
//
// Every error answer has the shape
//
//	{"error": {"code": "...", "message": "..."}}
//
// with the status and code given by the error the call returned:
// ErrInvalidArgument is 400 invalid_argument, ErrTooLarge 413 too_large,
// ErrNotFound 404 not_found, ErrConflict 409 conflict, ErrUnavailable and
// ErrClosed 503 unavailable (with Retry-After), and anything else 500
// internal, whose real error is logged and not shown.
package httpapi
