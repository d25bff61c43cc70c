package webui

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/auth"
)

// signinCookie holds the sign-in form's double-submit token.
const signinCookie = "tooltrail_signin"

// signinCookieAge is how long a sign-in form stays good, in seconds.
const signinCookieAge = 3600

// signinView is the data of the sign-in page.
type signinView struct {
	Nonce   string // the double-submit token
	Next    string // where to go once signed in
	Message string // why the last attempt failed
}

// safeNext returns next when it is a path of this server, else "/": the
// sign-in page never sends a browser to another site. It judges the path
// as http.Redirect will send it (cleaned), and refuses any backslash,
// which browsers read as a slash ("/\\evil.example" is another host).
func safeNext(next string) string {
	if next == "" || next[0] != '/' || strings.ContainsAny(next, "\\\x00\r\n") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "/"
	}
	if strings.ContainsRune(u.Path, '\\') || strings.HasPrefix(path.Clean(u.Path), "//") || strings.HasPrefix(u.Path, "//") {
		return "/"
	}
	return next
}

// getSignin is GET /signin: the form, or straight on when the browser is
// signed in already.
func (ui *UI) getSignin(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
	if tok, _, err := ui.session(r); err == nil && canSignIn(tok.Role) {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	ui.showSignin(w, r, http.StatusOK, next, "")
}

// showSignin renders the sign-in form with a new double-submit token.
func (ui *UI) showSignin(w http.ResponseWriter, r *http.Request, status int, next, message string) {
	nonce, err := newNonce()
	if err != nil {
		ui.fail(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: signinCookie, Value: nonce, Path: "/signin", MaxAge: signinCookieAge,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: ui.cfg.Secure,
	})
	ui.show(w, r, page{status: status, name: "signin", title: "Sign in", data: signinView{Nonce: nonce, Next: next, Message: message}})
}

// postSignin is POST /signin: it checks the pasted token and, for a
// reader or admin, sets the session cookie.
func (ui *UI) postSignin(w http.ResponseWriter, r *http.Request) {
	if err := ui.checkOrigin(r); err != nil {
		ui.showSignin(w, r, http.StatusForbidden, "/", err.Error())
		return
	}
	if err := parsePostForm(w, r); err != nil {
		ui.showSignin(w, r, http.StatusBadRequest, "/", "The form could not be read: "+err.Error())
		return
	}
	next := safeNext(r.PostFormValue("next"))
	c, err := r.Cookie(signinCookie)
	if err != nil || subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostFormValue(csrfField))) != 1 {
		ui.showSignin(w, r, http.StatusForbidden, next, "The sign-in form expired or did not come from this page (your browser must accept cookies). Sign in again here.")
		return
	}
	secret := strings.TrimSpace(r.PostFormValue("token"))
	if secret == "" {
		ui.showSignin(w, r, http.StatusBadRequest, next, "Paste a reader or admin token.")
		return
	}
	tok, err := ui.lookup(r, secret)
	switch {
	case errors.Is(err, tooltrail.ErrUnauthenticated):
		ui.logger.InfoContext(r.Context(), "web ui sign-in refused: unknown or revoked token")
		ui.showSignin(w, r, http.StatusUnauthorized, next, "That token is not valid: it is unknown or revoked.")
		return
	case errors.Is(err, tooltrail.ErrRateLimited):
		ui.logger.InfoContext(r.Context(), "web ui sign-in refused: too many invalid tokens", "remote", r.RemoteAddr)
		secs := 1
		if re, ok := errors.AsType[*retryError](err); ok {
			secs = re.secs
		}
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		ui.showSignin(w, r, http.StatusTooManyRequests, next, fmt.Sprintf("Too many invalid tokens came from your address; try again in %d s.", secs))
		return
	case err != nil:
		ui.fail(w, r, err)
		return
	case !canSignIn(tok.Role):
		ui.logger.InfoContext(r.Context(), "web ui sign-in refused: role", "token", tok.Name, "role", tok.Role)
		ui.showSignin(w, r, http.StatusForbidden, next,
			"That is a "+string(tok.Role)+" token: it can record calls but not read the log. Sign in with a reader or admin token.")
		return
	}
	http.SetCookie(w, ui.sessionCookieOf(secret))
	http.SetCookie(w, &http.Cookie{Name: signinCookie, Path: "/signin", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: ui.cfg.Secure})
	ui.logger.InfoContext(r.Context(), "web ui sign-in", "token", tok.Name, "role", tok.Role, "user", tok.User)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// postSignout is POST /signout: it deletes the session cookie. The token
// itself stays valid; revoke it to end it everywhere.
func (ui *UI) postSignout(w http.ResponseWriter, r *http.Request) {
	if err := ui.checkOrigin(r); err != nil {
		ui.renderError(w, r, http.StatusForbidden, err.Error())
		return
	}
	if err := parsePostForm(w, r); err != nil {
		ui.renderError(w, r, http.StatusBadRequest, "The form could not be read: "+err.Error())
		return
	}
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" && !validCSRF(c.Value, r.PostFormValue(csrfField)) {
		ui.renderError(w, r, http.StatusForbidden, errCSRF.Error())
		return
	}
	http.SetCookie(w, ui.sessionCookieOf(""))
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}

// userView is the signed-in user as the page header shows it.
type userView struct {
	Name  string // the token's name
	Role  auth.Role
	Bound string // the user a bound reader acts as
	Admin bool
	CSRF  string // the token of the header's sign-out form
}
