package redact

import "errors"

// Sentinel errors. Every error the package returns wraps one of them (or,
// for a rules file that cannot be read, the error of the os package), so a
// caller can tell with errors.Is what went wrong.
var (
	// ErrInvalidJSON means the value given to [Redactor.JSON] is not valid
	// JSON. The error says at which byte.
	ErrInvalidJSON = errors.New("redact: invalid JSON")
	// ErrInvalidKey means the HMAC key given to [New] is too short.
	ErrInvalidKey = errors.New("redact: invalid HMAC key")
	// ErrInvalidRules means a rule given to [New] is unusable: an empty key
	// rule, a pattern without a valid name, or a regexp that does not
	// compile. The error names the rule.
	ErrInvalidRules = errors.New("redact: invalid rules")
	// ErrInvalidConfig means a rules file read by [LoadRules] is malformed.
	// The error names the field.
	ErrInvalidConfig = errors.New("redact: invalid rules file")
)
