package webui

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/auth"
)

// sessionCookie holds the token secret of a signed-in browser.
const sessionCookie = "tooltrail_session"

// maxSecretBytes bounds what is taken for a secret: a real one has 46.
const maxSecretBytes = 512

// errNoSession means the request carries no session cookie.
var errNoSession = errors.New("no session")

// session is who a request is signed in as, with the CSRF token its forms
// carry.
type session struct {
	token auth.Token
	csrf  string
}

type sessionKey struct{}

// sessionFrom returns the session of a request that went through require.
func sessionFrom(ctx context.Context) (session, bool) {
	s, ok := ctx.Value(sessionKey{}).(session)
	return s, ok
}

// sessionCookieOf returns the session cookie carrying secret; an empty
// secret gives the cookie that deletes it.
func (ui *UI) sessionCookieOf(secret string) *http.Cookie {
	c := &http.Cookie{
		Name:     sessionCookie,
		Value:    secret,
		Path:     "/",
		HttpOnly: true,
		SameSite: http.SameSiteStrictMode,
		Secure:   ui.cfg.Secure,
	}
	if secret == "" {
		c.MaxAge = -1
	}
	return c
}

// lookup returns the token of secret, presented by r. Errors:
// tooltrail.ErrUnauthenticated for a secret no active token has;
// tooltrail.ErrRateLimited when r's address has presented too many of
// those (a *retryError); the store's errors.
func (ui *UI) lookup(r *http.Request, secret string) (auth.Token, error) {
	if ok, wait := ui.cfg.Failures.Allow(r.RemoteAddr); !ok {
		secs := max(1, int(math.Ceil(wait.Seconds())))
		return auth.Token{}, &retryError{secs: secs, err: fmt.Errorf("%w: too many invalid tokens from your address; try again in %d s", tooltrail.ErrRateLimited, secs)}
	}
	invalid := fmt.Errorf("%w: that token is not valid: it is unknown or revoked", tooltrail.ErrUnauthenticated)
	if !cookieSafe(secret) {
		ui.cfg.Failures.Failed(r.RemoteAddr)
		return auth.Token{}, invalid
	}
	ctx, cancel := context.WithTimeout(r.Context(), lookupTimeout)
	defer cancel()
	tok, err := auth.Authenticate(ctx, ui.cfg.Tokens, secret)
	if errors.Is(err, tooltrail.ErrUnauthenticated) {
		ui.cfg.Failures.Failed(r.RemoteAddr)
	}
	return tok, err
}

// retryError is a refusal that says when to try again.
type retryError struct {
	secs int
	err  error
}

func (e *retryError) Error() string { return e.err.Error() }
func (e *retryError) Unwrap() error { return e.err }

// session returns the token and secret of the session of r. Errors:
// errNoSession; those of lookup.
func (ui *UI) session(r *http.Request) (auth.Token, string, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return auth.Token{}, "", errNoSession
	}
	tok, err := ui.lookup(r, c.Value)
	return tok, c.Value, err
}

// canSignIn says whether a token of role may use the UI: readers,
// auditors and admins; a writer only records.
func canSignIn(role auth.Role) bool {
	return role == auth.Reader || role == auth.Auditor || role == auth.Admin
}

// require wraps h so that it runs only in a session of one of roles. A
// request without a valid session is sent to the sign-in page; one of
// another role gets 403. A POST must also pass checkPost (its origin and
// CSRF token) first.
func (ui *UI) require(roles []auth.Role, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			if err := ui.checkOrigin(r); err != nil {
				ui.renderError(w, r, http.StatusForbidden, err.Error())
				return
			}
		}
		tok, secret, err := ui.session(r)
		switch {
		case errors.Is(err, errNoSession), errors.Is(err, tooltrail.ErrUnauthenticated):
			if err != errNoSession {
				http.SetCookie(w, ui.sessionCookieOf("")) // revoked: forget it
			}
			ui.toSignin(w, r)
			return
		case err != nil:
			ui.fail(w, r, err)
			return
		}
		s := session{token: tok, csrf: csrfToken(secret)}
		ctx := context.WithValue(auth.NewContext(r.Context(), tok), sessionKey{}, s)
		r = r.WithContext(ctx)
		if !canSignIn(tok.Role) {
			http.SetCookie(w, ui.sessionCookieOf(""))
			ui.renderError(w, r, http.StatusForbidden, "A "+string(tok.Role)+" token cannot use the web interface; sign in with a reader or admin token.")
			return
		}
		if !slices.Contains(roles, tok.Role) {
			ui.renderError(w, r, http.StatusForbidden, "This needs an admin token; you are signed in with a "+string(tok.Role)+" token.")
			return
		}
		if ok, wait := ui.cfg.Limiter.Allow(tok.ID); !ok {
			secs := max(1, int(math.Ceil(wait.Seconds())))
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			ui.renderError(w, r, http.StatusTooManyRequests, fmt.Sprintf("Too many requests with this token; try again in %d s.", secs))
			return
		}
		if r.Method == http.MethodPost {
			if err := parsePostForm(w, r); err != nil {
				ui.renderError(w, r, http.StatusBadRequest, "The form could not be read: "+err.Error())
				return
			}
			if !validCSRF(secret, r.PostFormValue(csrfField)) {
				ui.renderError(w, r, http.StatusForbidden, errCSRF.Error())
				return
			}
		}
		h(w, r)
	})
}

// toSignin redirects r to the sign-in page, which sends it back to where
// it was going after a GET.
func (ui *UI) toSignin(w http.ResponseWriter, r *http.Request) {
	target := "/signin"
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		if next := r.URL.RequestURI(); next != "/" {
			target += "?" + url.Values{"next": {next}}.Encode()
		}
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// cookieSafe says whether s can be a cookie's value as is: 1 to
// maxSecretBytes of RFC 6265 cookie-octets.
func cookieSafe(s string) bool {
	if s == "" || len(s) > maxSecretBytes {
		return false
	}
	for _, c := range []byte(s) {
		if c <= 0x20 || c >= 0x7f || c == '"' || c == ',' || c == ';' || c == '\\' {
			return false
		}
	}
	return true
}
