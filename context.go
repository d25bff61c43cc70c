package tooltrail

import "context"

type userKey struct{}

// WithUser returns a context that names the user on whose behalf calls are
// recorded. Record uses it when a Call has no UserID, as oAI-Web's audit log
// falls back to the current user.
func WithUser(ctx context.Context, userID string) context.Context {
	return context.WithValue(ctx, userKey{}, userID)
}

// UserFrom returns the user set by WithUser, or "".
func UserFrom(ctx context.Context) string {
	u, _ := ctx.Value(userKey{}).(string)
	return u
}

type callScopeKey struct{}

// WithCallScope returns a context whose recorded calls keep their call ids
// apart from those of other scopes: a call id names one entry, and a
// replay answers with that entry's receipt, within one scope only, so one
// caller can neither block, probe nor replay another's calls by their
// ids. The HTTP API gives each token its scope, its id; 0, the scope of a
// context without one, holds the calls of the Go library and of Import.
func WithCallScope(ctx context.Context, scope int64) context.Context {
	return context.WithValue(ctx, callScopeKey{}, scope)
}

// CallScopeFrom returns the scope set by WithCallScope, or 0.
func CallScopeFrom(ctx context.Context) int64 {
	s, _ := ctx.Value(callScopeKey{}).(int64)
	return s
}
