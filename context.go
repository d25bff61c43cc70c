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
