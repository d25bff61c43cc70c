package webui_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/tooltrail/tooltrail/auth"
	"github.com/tooltrail/tooltrail/webui"
)

var nonceInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// signin submits the sign-in form with secret, as a browser would: the
// form's nonce and its cookie. It returns the answer of the POST.
func signin(t *testing.T, e *env, secret string) answer {
	t.Helper()
	form := e.get(t, "", "/signin?next=%2Fentries%2F1")
	want(t, form, http.StatusOK, `<label for="token">Token</label>`)
	m := nonceInput.FindStringSubmatch(form.body)
	if m == nil {
		t.Fatalf("no nonce in the sign-in form:\n%s", form.body)
	}
	var nonce *http.Cookie
	for _, c := range form.resp.Cookies() {
		if c.Name == "tooltrail_signin" {
			nonce = c
		}
	}
	if nonce == nil || nonce.Value != m[1] {
		t.Fatalf("sign-in cookie %v does not carry the form's nonce %q", nonce, m[1])
	}
	return e.do(t, "", http.MethodPost, "/signin",
		url.Values{"csrf": {m[1]}, "token": {secret}, "next": {"/entries/1"}},
		map[string]string{"Cookie": "tooltrail_signin=" + nonce.Value})
}

// sessionCookie returns the session cookie an answer sets, or nil.
func sessionCookie(a answer) *http.Cookie {
	for _, c := range a.resp.Cookies() {
		if c.Name == "tooltrail_session" {
			return c
		}
	}
	return nil
}

// TestSignInFailureLimit checks that after the default burst of invalid
// tokens from one address the sign-in form says when to try again, for a
// valid token too, and sets no session.
func TestSignInFailureLimit(t *testing.T) {
	e := newEnv(t, nil)
	for i := range auth.DefaultFailureBurst {
		want(t, signin(t, e, "tt_bogus"), http.StatusUnauthorized, "That token is not valid")
		if t.Failed() {
			t.Fatalf("invalid token %d of the burst", i+1)
		}
	}
	for _, secret := range []string{"tt_bogus", e.secrets["reader"]} {
		a := signin(t, e, secret)
		want(t, a, http.StatusTooManyRequests, "Too many invalid tokens came from your address; try again in 1 s.")
		if a.header.Get("Retry-After") != "1" {
			t.Errorf("Retry-After %q, want 1", a.header.Get("Retry-After"))
		}
		if c := sessionCookie(a); c != nil {
			t.Errorf("a refused sign-in set the session cookie %v", c)
		}
	}
}

func TestSignIn(t *testing.T) {
	e := newEnv(t, nil)
	for _, tc := range []struct {
		token  string // a token name, or a secret
		status int
		says   string
	}{
		{"reader", http.StatusSeeOther, ""},
		{"admin", http.StatusSeeOther, ""},
		{"alice-reader", http.StatusSeeOther, ""},
		{"writer", http.StatusForbidden, "That is a writer token: it can record calls but not read the log."},
		{"revoked", http.StatusUnauthorized, "That token is not valid: it is unknown or revoked."},
		{"tt_bogus", http.StatusUnauthorized, "That token is not valid: it is unknown or revoked."},
		{"tt_with;semicolon", http.StatusUnauthorized, "That token is not valid"},
		{"  ", http.StatusBadRequest, "Paste a reader or admin token."},
	} {
		t.Run(tc.token, func(t *testing.T) {
			secret, ok := e.secrets[tc.token]
			if !ok {
				secret = tc.token
			}
			a := signin(t, e, secret)
			want(t, a, tc.status, tc.says)
			c := sessionCookie(a)
			if tc.status != http.StatusSeeOther {
				if c != nil {
					t.Errorf("a refused sign-in set the session cookie %v", c)
				}
				return
			}
			if loc := a.header.Get("Location"); loc != "/entries/1" {
				t.Errorf("Location %q, want the next page /entries/1", loc)
			}
			if c == nil || c.Value != secret {
				t.Fatalf("session cookie %v, want one with the secret", c)
			}
			// The cookie signs the browser in.
			req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/log", nil)
			req.AddCookie(c)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("GET /log with the new cookie: status %d", resp.StatusCode)
			}
		})
	}
}

func TestSignInWithoutNonce(t *testing.T) {
	e := newEnv(t, nil)
	for name, hdr := range map[string]map[string]string{
		"no cookie":    nil,
		"other cookie": {"Cookie": "tooltrail_signin=something-else"},
	} {
		t.Run(name, func(t *testing.T) {
			a := e.do(t, "", http.MethodPost, "/signin", url.Values{"csrf": {"nonce"}, "token": {e.secrets["admin"]}}, hdr)
			want(t, a, http.StatusForbidden, "The sign-in form expired or did not come from this page")
			if sessionCookie(a) != nil {
				t.Error("signed in without the form's nonce")
			}
		})
	}
}

func TestUnauthenticatedRedirects(t *testing.T) {
	// Eighteen bad sessions from one address are beyond the default
	// failure limit.
	e := newEnv(t, func(c *webui.Config) { c.Failures = auth.NewFailureLimiter(0, 1, nil) })
	for _, path := range []string{"/", "/entries/1", "/log", "/export?format=csv", "/stream", "/verify/status"} {
		for _, as := range []string{"", "tt_bogus", "revoked"} {
			a := e.get(t, as, path)
			if a.status != http.StatusSeeOther || !strings.HasPrefix(a.header.Get("Location"), "/signin") {
				t.Errorf("GET %s as %q: status %d Location %q, want 303 to /signin", path, as, a.status, a.header.Get("Location"))
			}
		}
	}
	if loc := e.get(t, "", "/entries/1").header.Get("Location"); loc != "/signin?next=%2Fentries%2F1" {
		t.Errorf("Location %q, want it to come back to /entries/1", loc)
	}
}

func TestRevocationEndsSession(t *testing.T) {
	e := newEnv(t, nil)
	want(t, e.get(t, "reader", "/"), http.StatusOK)
	if _, err := e.store.RevokeToken(t.Context(), "reader", t0); err != nil {
		t.Fatal(err)
	}
	a := e.get(t, "reader", "/")
	if a.status != http.StatusSeeOther {
		t.Fatalf("after revocation: status %d, want 303 to sign in", a.status)
	}
	if c := sessionCookie(a); c == nil || c.MaxAge >= 0 {
		t.Errorf("the revoked session's cookie is not deleted: %v", c)
	}
}

func TestSafeNext(t *testing.T) {
	e := newEnv(t, nil)
	for next, wantLoc := range map[string]string{
		"/entries/1":            "/entries/1",
		"/?tool_name=x":         "/?tool_name=x",
		"//evil.example/":       "/",
		"/\\evil.example":       "/",
		"https://evil.example/": "/",
		"javascript:alert(1)":   "/",
		"":                      "/",
		"/./\\evil.example/x":   "/",
		"/a/../\\evil.example":  "/",
		"/a/..%5Cevil.example":  "/",
		"/.//evil.example":      "/evil.example", // cleaned to a local path
		"/\tevil":               "/",
	} {
		a := e.get(t, "reader", "/signin?"+url.Values{"next": {next}}.Encode())
		if a.status != http.StatusSeeOther || a.header.Get("Location") != wantLoc {
			t.Errorf("signed in, GET /signin?next=%q: status %d Location %q, want 303 to %q", next, a.status, a.header.Get("Location"), wantLoc)
		}
	}
}

func TestCookieAttributes(t *testing.T) {
	for _, secure := range []bool{false, true} {
		e := newEnv(t, func(c *webui.Config) { c.Secure = secure })
		a := signin(t, e, e.secrets["reader"])
		c := sessionCookie(a)
		if c == nil {
			t.Fatalf("secure=%v: no session cookie", secure)
		}
		if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Secure != secure || c.Path != "/" {
			t.Errorf("secure=%v: cookie %+v, want HttpOnly, SameSite=Strict, Secure=%v, Path=/", secure, c, secure)
		}
		raw := strings.Join(a.header.Values("Set-Cookie"), "\n")
		for _, attr := range []string{"HttpOnly", "SameSite=Strict"} {
			if !strings.Contains(raw, attr) {
				t.Errorf("secure=%v: Set-Cookie %q lacks %s", secure, raw, attr)
			}
		}
		if strings.Contains(raw, "Secure") != secure {
			t.Errorf("secure=%v: Set-Cookie %q", secure, raw)
		}
		out := e.post(t, "reader", "/signout", nil)
		if out.status != http.StatusSeeOther {
			t.Fatalf("sign out: status %d", out.status)
		}
		if c := sessionCookie(out); c == nil || c.MaxAge >= 0 || !c.HttpOnly || c.Secure != secure {
			t.Errorf("secure=%v: sign-out cookie %+v, want one that deletes the session", secure, c)
		}
	}
}
