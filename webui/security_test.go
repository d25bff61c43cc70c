package webui_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/auth"
	"github.com/tooltrail/tooltrail/webui"
)

const wantCSP = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t, nil)
	seed(t, e)
	for _, tc := range []struct {
		as, method, path string
		status           int
	}{
		{"", "GET", "/signin", http.StatusOK},
		{"", "GET", "/", http.StatusSeeOther},
		{"reader", "GET", "/", http.StatusOK},
		{"reader", "GET", "/?start=nonsense", http.StatusBadRequest},
		{"reader", "GET", "/entries/1", http.StatusOK},
		{"reader", "GET", "/entries/99", http.StatusNotFound},
		{"reader", "GET", "/log", http.StatusOK},
		{"reader", "GET", "/verify/status", http.StatusForbidden},
		{"admin", "GET", "/verify/status", http.StatusOK},
		{"reader", "GET", "/export?format=csv", http.StatusOK},
		{"", "GET", "/static/style.css", http.StatusOK},
		{"", "GET", "/static/app.js", http.StatusOK},
		{"", "GET", "/static/", http.StatusNotFound},
		{"", "GET", "/nowhere", http.StatusNotFound},
		{"reader", "POST", "/purge", http.StatusForbidden},
	} {
		a := e.do(t, tc.as, tc.method, tc.path, url.Values{}, nil)
		if tc.method == "GET" {
			a = e.get(t, tc.as, tc.path)
		}
		if a.status != tc.status {
			t.Errorf("%s %s as %q: status %d, want %d", tc.method, tc.path, tc.as, a.status, tc.status)
		}
		for k, v := range map[string]string{
			"Content-Security-Policy": wantCSP,
			"X-Content-Type-Options":  "nosniff",
			"Referrer-Policy":         "same-origin",
			"X-Frame-Options":         "DENY",
		} {
			if got := a.header.Get(k); got != v {
				t.Errorf("%s %s: %s %q, want %q", tc.method, tc.path, k, got, v)
			}
		}
		page := !strings.HasPrefix(tc.path, "/static/") && !strings.HasPrefix(tc.path, "/export")
		if ct := a.header.Get("Content-Type"); a.status == http.StatusOK && page != strings.HasPrefix(ct, "text/html") {
			t.Errorf("%s: Content-Type %q", tc.path, ct)
		}
	}
}

// TestNoInlineCode checks the pages keep to the CSP: no inline script,
// no style attribute or element, nothing from another origin.
func TestNoInlineCode(t *testing.T) {
	e := newEnv(t, nil)
	seed(t, e)
	for _, path := range []string{"/", "/?live=1", "/entries/4", "/log", "/verify/status"} {
		body := e.get(t, "admin", path).body
		for _, bad := range []string{"<script>", "style=", "<style", "onclick", "onload", "http://", "https://cdn"} {
			if strings.Contains(body, bad) {
				t.Errorf("%s holds %q", path, bad)
			}
		}
		if !strings.Contains(body, `<script src="/static/app.js" defer></script>`) {
			t.Errorf("%s does not load the script from /static/", path)
		}
	}
}

func TestCSRF(t *testing.T) {
	e := newEnv(t, nil)
	seed(t, e)
	good := e.csrf(t, "admin")
	other := e.csrf(t, "reader")
	purge := url.Values{"scope": {"all"}}
	for _, tc := range []struct {
		name string
		form url.Values
		hdr  map[string]string
		ok   bool
	}{
		{"no token", url.Values{}, nil, false},
		{"empty token", url.Values{"csrf": {""}}, nil, false},
		{"wrong token", url.Values{"csrf": {"AAAA" + good[4:]}}, nil, false},
		{"another session's token", url.Values{"csrf": {other}}, nil, false},
		{"cross-site fetch", url.Values{"csrf": {good}}, map[string]string{"Sec-Fetch-Site": "cross-site"}, false},
		{"same-site fetch", url.Values{"csrf": {good}}, map[string]string{"Sec-Fetch-Site": "same-site"}, false},
		{"other origin", url.Values{"csrf": {good}}, map[string]string{"Origin": "http://evil.example"}, false},
		{"other referer", url.Values{"csrf": {good}}, map[string]string{"Referer": "http://evil.example/page"}, false},
		{"right token", url.Values{"csrf": {good}}, nil, true},
		{"right token, same origin", url.Values{"csrf": {good}}, map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": e.srv.URL}, true},
		// What some browsers send from the UI's own page (a privacy
		// setting, or a policy of no-referrer): Origin null, but
		// Sec-Fetch-Site.
		{"right token, own page", url.Values{"csrf": {good}}, map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": "null"}, true},
		{"right token, Origin null alone", url.Values{"csrf": {good}}, map[string]string{"Origin": "null"}, false},
	} {
		for _, path := range []string{"/purge/confirm", "/verify", "/signout"} {
			t.Run(tc.name+path, func(t *testing.T) {
				before, err := e.log.Count(t.Context(), tooltrail.Filter{})
				if err != nil {
					t.Fatal(err)
				}
				form := cloneForm(tc.form)
				for k, v := range purge {
					form[k] = v
				}
				a := e.do(t, "admin", http.MethodPost, path, form, tc.hdr)
				after, err := e.log.Count(t.Context(), tooltrail.Filter{})
				if err != nil {
					t.Fatal(err)
				}
				if !tc.ok {
					want(t, a, http.StatusForbidden)
					if after != before {
						t.Errorf("a refused purge deleted: %d entries, then %d", before, after)
					}
					if path == "/signout" && sessionCookie(a) != nil {
						t.Error("a refused sign-out deleted the cookie")
					}
					return
				}
				if a.status >= 400 {
					t.Errorf("status %d:\n%s", a.status, a.body)
				}
				if path == "/purge/confirm" {
					seed(t, e) // for the next cases
				}
			})
		}
	}
}

func TestSignInCrossOrigin(t *testing.T) {
	e := newEnv(t, nil)
	a := e.do(t, "", http.MethodPost, "/signin", url.Values{"csrf": {"n"}, "token": {e.secrets["admin"]}},
		map[string]string{"Cookie": "tooltrail_signin=n", "Sec-Fetch-Site": "cross-site"})
	want(t, a, http.StatusForbidden, "sent from another site")
	if sessionCookie(a) != nil {
		t.Error("a cross-site sign-in set the session")
	}
}

func cloneForm(f url.Values) url.Values {
	out := url.Values{}
	for k, v := range f {
		out[k] = append([]string(nil), v...)
	}
	return out
}

// TestRateLimit checks that the UI takes from the same per-token budget
// as the API: past the burst, 429 with Retry-After.
func TestRateLimit(t *testing.T) {
	e := newEnv(t, func(c *webui.Config) { c.Limiter = auth.NewLimiter(0.5, 2, nil) })
	for i := range 2 {
		if a := e.get(t, "reader", "/"); a.status != http.StatusOK {
			t.Fatalf("request %d within the burst: %d", i+1, a.status)
		}
	}
	a := e.get(t, "reader", "/")
	if a.status != http.StatusTooManyRequests || a.header.Get("Retry-After") == "" {
		t.Errorf("past the burst: %d, Retry-After %q; want 429 with it", a.status, a.header.Get("Retry-After"))
	}
}
