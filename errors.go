package tooltrail

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error the package returns wraps one of them, so a
// caller can tell with errors.Is how to react.
var (
	// ErrInvalidArgument means the request is malformed: fix it, do not retry.
	ErrInvalidArgument = errors.New("invalid argument")
	// ErrTooLarge means a field or body is over its size limit.
	ErrTooLarge = errors.New("too large")
	// ErrNotFound means no entry has the asked id (or its payload was purged).
	ErrNotFound = errors.New("not found")
	// ErrConflict means a call_id was recorded before with other content.
	ErrConflict = errors.New("conflict")
	// ErrUnavailable means the store could not be reached or did not commit;
	// nothing of the call was acknowledged and it is safe to retry (with the
	// same call_id, to be idempotent).
	ErrUnavailable = errors.New("unavailable")
	// ErrClosed means the log was closed and takes no more calls.
	ErrClosed = errors.New("log closed")
	// ErrCorrupt means the store holds data the log did not write: a leaf
	// that does not decode, or one that is not where it should be. Run
	// tooltrail verify.
	ErrCorrupt = errors.New("store is corrupt")
	// ErrUnauthenticated means the request carries no valid token.
	ErrUnauthenticated = errors.New("unauthenticated")
	// ErrPermissionDenied means the token may not do this.
	ErrPermissionDenied = errors.New("permission denied")
	// ErrRateLimited means the token sent more requests than its rate
	// allows: retry after the time the answer says.
	ErrRateLimited = errors.New("rate limited")
)

// FieldError says which field of a call or filter is wrong and why. It
// wraps ErrInvalidArgument or ErrTooLarge.
type FieldError struct {
	Field  string // the name of the field as in the JSON API, e.g. "tool_name"
	Reason string // what is wrong and what is allowed
	Err    error  // ErrInvalidArgument or ErrTooLarge
}

// Error returns "field: reason".
func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

// Unwrap returns the sentinel the error wraps.
func (e *FieldError) Unwrap() error { return e.Err }

func invalid(field, format string, args ...any) error {
	return &FieldError{Field: field, Reason: fmt.Sprintf(format, args...), Err: ErrInvalidArgument}
}

func tooLarge(field string, limit int) error {
	return &FieldError{Field: field, Reason: fmt.Sprintf("must be at most %d bytes", limit), Err: ErrTooLarge}
}
