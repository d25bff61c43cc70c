package auth

import (
	"context"
	"time"
)

// Store keeps tokens. Both tooltrail stores implement it, beside
// tooltrail.Store, so that every server on one database knows the same
// tokens and an operator can make one before any server runs.
type Store interface {
	// CreateToken keeps t (its ID is ignored) and returns it with its ID.
	// Errors: tooltrail.ErrConflict when a token of that name exists or
	// existed (names are never reused); tooltrail.ErrUnavailable.
	CreateToken(ctx context.Context, t Token) (Token, error)
	// Tokens returns every token, revoked ones too, by ID.
	Tokens(ctx context.Context) ([]Token, error)
	// RevokeToken marks the token of that name revoked at the given time
	// and returns it. Errors: tooltrail.ErrNotFound for no such token;
	// tooltrail.ErrConflict when it was revoked already;
	// tooltrail.ErrUnavailable.
	RevokeToken(ctx context.Context, name string, at time.Time) (Token, error)
	// TokenByHash returns the token whose secret has that hash, revoked or
	// not. Errors: tooltrail.ErrNotFound; tooltrail.ErrUnavailable.
	TokenByHash(ctx context.Context, h Hash) (Token, error)
}
