package auth

import "context"

type principalKey struct{}

// NewContext returns ctx carrying the token a request was made with.
func NewContext(ctx context.Context, t Token) context.Context {
	return context.WithValue(ctx, principalKey{}, t)
}

// FromContext returns the token of ctx, and false when there is none (a
// server without access control, or a public endpoint).
func FromContext(ctx context.Context) (Token, bool) {
	t, ok := ctx.Value(principalKey{}).(Token)
	return t, ok
}

// BoundUser returns the user a request acts as: the token's user for a
// writer or reader bound to one, "" for an auditor, an admin, an unbound
// token, or no token.
func BoundUser(ctx context.Context) string {
	t, ok := FromContext(ctx)
	if !ok || !t.Role.Bindable() {
		return ""
	}
	return t.User
}
