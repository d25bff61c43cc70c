package httpapi

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/auth"
)

// authenticate finds the token of r and checks that its role may call an
// endpoint open to roles. It returns r with the token in its context.
// Errors: ErrUnauthenticated for no token, a malformed header, an unknown
// or revoked token; ErrPermissionDenied for a role that may not;
// ErrRateLimited beyond the token's rate, or when r's address has failed
// to authenticate too often (with the wait in retryAfter); the store's
// errors.
func (s *Server) authenticate(r *http.Request, roles []auth.Role) (_ *http.Request, retryAfter int, _ error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return r, 0, fmt.Errorf("%w: this endpoint needs a token: send Authorization: Bearer <token>", tooltrail.ErrUnauthenticated)
	}
	scheme, secret, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || secret == "" || strings.ContainsAny(secret, " \t") {
		return r, 0, fmt.Errorf("%w: the Authorization header must be Bearer <token>", tooltrail.ErrUnauthenticated)
	}
	// An address that keeps presenting bad tokens is refused before the
	// look-up, so that guessing costs the store nothing.
	if ok, wait := s.failures.Allow(r.RemoteAddr); !ok {
		secs := max(1, int(math.Ceil(wait.Seconds())))
		return r, secs, fmt.Errorf("%w: too many invalid tokens from your address; retry in %d s", tooltrail.ErrRateLimited, secs)
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.lookup)
	defer cancel()
	tok, err := auth.Authenticate(ctx, s.tokens, secret)
	if err != nil {
		if errors.Is(err, tooltrail.ErrUnauthenticated) {
			s.failures.Failed(r.RemoteAddr)
		}
		return r, 0, err
	}
	if !slices.Contains(roles, tok.Role) {
		return r, 0, fmt.Errorf("%w: a %s token may not do this; it needs %s", tooltrail.ErrPermissionDenied, tok.Role, rolesText(roles))
	}
	if ok, wait := s.limiter.Allow(tok.ID); !ok {
		secs := int(math.Ceil(wait.Seconds()))
		return r, max(secs, 1), fmt.Errorf("%w: the token %q sent more than its rate allows; retry in %d s", tooltrail.ErrRateLimited, tok.Name, max(secs, 1))
	}
	// Each token has its own call ids: no other caller can block, probe
	// or replay its calls by them.
	ctx = tooltrail.WithCallScope(auth.NewContext(r.Context(), tok), tok.ID)
	return r.WithContext(ctx), 0, nil
}

func rolesText(roles []auth.Role) string {
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	return strings.Join(names, " or ")
}

// guard wraps h so that it runs only for a token of one of roles, when
// the server has access control.
func (s *Server) guard(roles []auth.Role, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.tokens == nil || roles == nil {
			h.ServeHTTP(w, r)
			return
		}
		r, retry, err := s.authenticate(r, roles)
		if err != nil {
			switch {
			case errors.Is(err, tooltrail.ErrUnauthenticated):
				w.Header().Set("WWW-Authenticate", `Bearer realm="tooltrail"`)
			case errors.Is(err, tooltrail.ErrRateLimited):
				w.Header().Set("Retry-After", strconv.Itoa(retry))
			}
			s.fail(w, r, err)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// forUser checks that a request bound to a user (a writer or reader token
// with a user) asks only for that user, and returns the user it acts as:
// the token's when bound, else asked. Errors: ErrPermissionDenied for
// another user.
func forUser(r *http.Request, asked string) (string, error) {
	bound := auth.BoundUser(r.Context())
	switch {
	case bound == "":
		return asked, nil
	case asked != "" && asked != bound:
		return "", fmt.Errorf("%w: this token acts only as user %q, not %q", tooltrail.ErrPermissionDenied, bound, asked)
	}
	return bound, nil
}
