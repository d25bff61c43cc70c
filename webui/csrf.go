package webui

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
)

// csrfField is the name of the hidden input that carries the CSRF token.
const csrfField = "csrf"

// csrfLabel is what the CSRF token of a session signs. A new version of
// the label makes every token of the old one invalid.
const csrfLabel = "tooltrail web ui csrf v1"

// maxFormBytes bounds the body of a POST form: the UI's forms are tiny.
const maxFormBytes = 64 << 10

// errCSRF is the refusal of a form without the right CSRF token.
var errCSRF = errors.New("the form's security token is missing or wrong (it is tied to your session): go back, reload the page and submit again")

// csrfToken returns the CSRF token of the session whose token secret is
// secret: HMAC-SHA256 of csrfLabel keyed with the secret, base64url. Only
// a page that knows the secret (which sits in an HttpOnly cookie) can
// compute it.
func csrfToken(secret string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(csrfLabel))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// validCSRF says, in constant time, whether got is the CSRF token of the
// session of secret.
func validCSRF(secret, got string) bool {
	return got != "" && hmac.Equal([]byte(got), []byte(csrfToken(secret)))
}

// newNonce returns 256 random bits, base64url: the sign-in form's
// double-submit token. Errors: the system's random source failing.
func newNonce() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("web ui: random nonce: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// checkOrigin refuses a cross-origin POST: net/http.CrossOriginProtection
// (Sec-Fetch-Site, else Origin against Host), then a Referer, when the
// browser sent one, that is not of this host. Errors: one that says the
// request came from another site.
func (ui *UI) checkOrigin(r *http.Request) error {
	refused := errors.New("this form was sent from another site, so it was refused; submit it from tooltrail's own page")
	if err := ui.origins.Check(r); err != nil {
		return refused
	}
	if ref := r.Header.Get("Referer"); ref != "" {
		if u, err := url.Parse(ref); err != nil || u.Host != r.Host {
			return refused
		}
	}
	return nil
}

// parsePostForm reads the body of a POST form, at most maxFormBytes.
// Errors: a body that is too large or malformed.
func parsePostForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	return r.ParseForm()
}
