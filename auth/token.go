// Package auth is tooltrail's access control: bearer tokens with a role,
// optionally bound to one user, kept in the store only as hashes.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tooltrail/tooltrail"
)

// Role is what a token may do.
type Role string

// The roles. A writer records; a reader queries, counts and reads entries
// and proofs; an auditor reads as an unbound reader does and also the
// entry bundles, which hold every entry, so it is never bound to a user;
// an admin does everything, purge included.
const (
	Writer  Role = "writer"
	Reader  Role = "reader"
	Auditor Role = "auditor"
	Admin   Role = "admin"
)

// ParseRole returns the role named s. Errors: a *tooltrail.FieldError for
// any other name.
func ParseRole(s string) (Role, error) {
	switch r := Role(s); r {
	case Writer, Reader, Auditor, Admin:
		return r, nil
	}
	return "", &tooltrail.FieldError{Field: "role", Reason: fmt.Sprintf("%q is not a role: use writer, reader, auditor or admin", s), Err: tooltrail.ErrInvalidArgument}
}

// Token is a token as the store keeps it: never the secret, only its hash.
type Token struct {
	ID      int64
	Name    string // unique, never reused; shown in the log as the acting user
	Role    Role
	User    string    // the user a writer or reader acts as; "" for any
	Hash    Hash      // SHA-256 of the secret
	Created time.Time // UTC
	Revoked time.Time // zero while the token is valid
}

// Bindable says whether a token of role may be bound to a user: writers
// and readers; an auditor and an admin act for every user.
func (r Role) Bindable() bool { return r == Writer || r == Reader }

// Active says whether the token may still be used.
func (t Token) Active() bool { return t.Revoked.IsZero() }

// Hash is the SHA-256 of a token's secret.
type Hash [sha256.Size]byte

// secretPrefix starts every secret, so that a secret in a config file or
// a leak report is recognisable as a tooltrail token.
const secretPrefix = "tt_"

// secretBytes is how much randomness a secret holds: 256 bits.
const secretBytes = 32

// maxNameBytes bounds a token's name and user.
const maxNameBytes = 128

// NewSecret returns a new random secret and its hash. Errors: the system's
// random source failing.
func NewSecret() (string, Hash, error) {
	b := make([]byte, secretBytes)
	if _, err := rand.Read(b); err != nil {
		return "", Hash{}, fmt.Errorf("new token: %w", err)
	}
	s := secretPrefix + base64.RawURLEncoding.EncodeToString(b)
	return s, HashSecret(s), nil
}

// HashSecret returns the hash under which a secret is stored. Secrets are
// 256 random bits, so a fast hash is enough: there is nothing to guess.
func HashSecret(secret string) Hash { return sha256.Sum256([]byte(secret)) }

// Matches says, in constant time, whether secret is the token's.
func (t Token) Matches(secret string) bool {
	h := HashSecret(secret)
	return subtle.ConstantTimeCompare(h[:], t.Hash[:]) == 1
}

// CheckName checks a token's name or user: 1 to 128 bytes of printable
// text without spaces at either end. Errors: a *tooltrail.FieldError
// naming field.
func CheckName(field, s string, optional bool) error {
	bad := func(reason string) error {
		return &tooltrail.FieldError{Field: field, Reason: reason, Err: tooltrail.ErrInvalidArgument}
	}
	switch {
	case s == "" && optional:
		return nil
	case s == "":
		return bad("is required")
	case len(s) > maxNameBytes:
		return bad(fmt.Sprintf("is %d bytes, at most %d", len(s), maxNameBytes))
	case strings.TrimSpace(s) != s:
		return bad("has spaces at its ends")
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == '\uFFFD' {
			return bad("holds a control character or invalid UTF-8")
		}
	}
	return nil
}

// Authenticate returns the active token whose secret is secret. Errors:
// tooltrail.ErrUnauthenticated for a secret no active token has (unknown
// or revoked); the store's errors. The caller bounds ctx.
func Authenticate(ctx context.Context, store Store, secret string) (Token, error) {
	tok, err := store.TokenByHash(ctx, HashSecret(secret))
	if errors.Is(err, tooltrail.ErrNotFound) || (err == nil && (!tok.Active() || !tok.Matches(secret))) {
		return Token{}, fmt.Errorf("%w: that token is not valid: it is unknown or revoked", tooltrail.ErrUnauthenticated)
	}
	if err != nil {
		return Token{}, err
	}
	return tok, nil
}
