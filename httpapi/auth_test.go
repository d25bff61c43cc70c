package httpapi_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/auth"
	"github.com/tooltrail/tooltrail/httpapi"
)

// authEnv is env with access control on, and a secret for each kind of
// token.
type authEnv struct {
	*env
	srv     *httptest.Server
	secrets map[string]string // by token name
}

func newAuthEnv(t *testing.T, cfg httpapi.Config) *authEnv {
	t.Helper()
	e := newEnv(t)
	a := &authEnv{env: e, secrets: map[string]string{}}
	for _, tk := range []struct {
		name string
		role auth.Role
		user string
	}{
		{"admin", auth.Admin, ""}, {"writer", auth.Writer, ""}, {"reader", auth.Reader, ""},
		{"alice-writer", auth.Writer, "alice"}, {"alice-reader", auth.Reader, "alice"}, {"revoked", auth.Admin, ""},
		{"auditor", auth.Auditor, ""},
	} {
		secret, h, err := auth.NewSecret()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.store.CreateToken(t.Context(), auth.Token{Name: tk.name, Role: tk.role, User: tk.user, Hash: h, Created: t0}); err != nil {
			t.Fatal(err)
		}
		a.secrets[tk.name] = secret
	}
	if _, err := e.store.RevokeToken(t.Context(), "revoked", t0); err != nil {
		t.Fatal(err)
	}
	cfg.Tokens, cfg.Notary, cfg.Logger = e.store, e.notary, slog.New(slog.DiscardHandler)
	a.srv = httptest.NewServer(httpapi.New(e.log, cfg))
	t.Cleanup(a.srv.Close)
	return a
}

// call sends a request as the token named as ("" for none, "bogus" for an
// unknown one) and returns the status and body.
func (a *authEnv) call(t *testing.T, as, method, path, body string) (int, string, http.Header) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, a.srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	switch as {
	case "":
	case "bogus":
		req.Header.Set("Authorization", "Bearer tt_bogus")
	default:
		req.Header.Set("Authorization", "Bearer "+a.secrets[as])
	}
	resp, err := a.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

// TestRoles checks every endpoint against every kind of token.
func TestRoles(t *testing.T) {
	// The table presents bad tokens far more often than the default
	// failure limit lets one address.
	a := newAuthEnv(t, httpapi.Config{Failures: auth.NewFailureLimiter(0, 1, nil)})
	a.record(t, `{"tool_name":"t","user_id":"alice"}`)
	a.sign(t)
	const (
		ok   = 0 // 2xx
		u401 = 401
		f403 = 403
	)
	endpoints := []struct {
		method, path, body string
		want               map[string]int // by token; missing: as "reader"
	}{
		{"POST", "/v1/entries", `{"tool_name":"x","user_id":"alice"}`, map[string]int{"admin": ok, "writer": ok, "alice-writer": ok, "reader": f403, "alice-reader": f403, "auditor": f403}},
		{"POST", "/v1/traces", `{"resourceSpans":[]}`, map[string]int{"admin": ok, "writer": ok, "alice-writer": ok, "reader": f403, "alice-reader": f403, "auditor": f403}},
		{"GET", "/v1/entries", "", map[string]int{"admin": ok, "auditor": ok, "reader": ok, "alice-reader": ok, "writer": f403, "alice-writer": f403}},
		{"GET", "/v1/entries/count", "", map[string]int{"admin": ok, "auditor": ok, "reader": ok, "alice-reader": ok, "writer": f403, "alice-writer": f403}},
		{"GET", "/v1/entries/1", "", map[string]int{"admin": ok, "auditor": ok, "reader": ok, "alice-reader": ok, "writer": f403, "alice-writer": f403}},
		{"GET", "/v1/entries/1/proof", "", map[string]int{"admin": ok, "auditor": ok, "reader": ok, "alice-reader": ok, "writer": f403, "alice-writer": f403}},
		{"GET", "/v1/tools", "", map[string]int{"admin": ok, "auditor": ok, "reader": ok, "alice-reader": ok, "writer": f403, "alice-writer": f403}},
		{"GET", "/tile/entries/000.p/1", "", map[string]int{"admin": ok, "auditor": ok, "reader": f403, "alice-reader": f403, "writer": f403, "alice-writer": f403}},
		{"POST", "/v1/purge", `{"older_than_days":36500}`, map[string]int{"admin": ok, "auditor": f403, "reader": f403, "alice-reader": f403, "writer": f403, "alice-writer": f403}},
	}
	for _, ep := range endpoints {
		for _, as := range []string{"", "bogus", "revoked", "admin", "auditor", "writer", "reader", "alice-writer", "alice-reader"} {
			want, listed := ep.want[as]
			if !listed {
				want = u401 // no token, an unknown one, a revoked one
			}
			t.Run(ep.method+" "+ep.path+" as "+as, func(t *testing.T) {
				status, body, h := a.call(t, as, ep.method, ep.path, ep.body)
				switch {
				case want == ok && (status < 200 || status > 299):
					t.Errorf("status %d %s, want 2xx", status, body)
				case want != ok && status != want:
					t.Errorf("status %d %s, want %d", status, body, want)
				case want == u401 && !strings.HasPrefix(h.Get("WWW-Authenticate"), "Bearer"):
					t.Errorf("401 without WWW-Authenticate: Bearer")
				case want == f403 && !strings.Contains(body, `"permission_denied"`):
					t.Errorf("403 body %s", body)
				}
			})
		}
	}
	for _, path := range []string{"/v1/log", "/v1/checkpoint", "/checkpoint", "/v1/consistency?from=1", "/tile/0/000.p/1", "/healthz", "/readyz", "/metrics"} {
		if status, body, _ := a.call(t, "", "GET", path, ""); status != http.StatusOK {
			t.Errorf("public %s without a token: %d %s", path, status, body)
		}
	}
}

// TestBoundUser checks that tokens bound to a user act only as that user.
func TestBoundUser(t *testing.T) {
	a := newAuthEnv(t, httpapi.Config{})
	for _, u := range []string{"alice", "bob", "alice", "bob", ""} {
		body := `{"tool_name":"t_` + u + `"`
		if u != "" {
			body += `,"user_id":"` + u + `"`
		}
		a.record(t, body+"}")
	}
	// Recording: the user is the token's, and no other.
	status, body, _ := a.call(t, "alice-writer", "POST", "/v1/entries", `{"tool_name":"w"}`)
	var rc tooltrail.Receipt
	json.Unmarshal([]byte(body), &rc)
	if status != http.StatusCreated || a.entry(t, rc.ID).UserID != "alice" {
		t.Errorf("record without user_id by alice's writer: %d %s, want it recorded as alice", status, body)
	}
	if status, body, _ := a.call(t, "alice-writer", "POST", "/v1/entries", `{"tool_name":"w","user_id":"bob"}`); status != http.StatusForbidden || !strings.Contains(body, `only as user \"alice\"`) {
		t.Errorf("record as bob by alice's writer: %d %s, want 403", status, body)
	}
	// Reading: alice's entries only, whatever the filter says.
	var page struct {
		Entries []tooltrail.Entry `json:"entries"`
	}
	_, body, _ = a.call(t, "alice-reader", "GET", "/v1/entries", "")
	json.Unmarshal([]byte(body), &page)
	if len(page.Entries) != 3 {
		t.Errorf("alice's reader sees %d entries, want her 3: %s", len(page.Entries), body)
	}
	for _, e := range page.Entries {
		if e.UserID != "alice" {
			t.Errorf("alice's reader sees entry %d of %q", e.ID, e.UserID)
		}
	}
	for _, tc := range []struct {
		path   string
		status int
		want   string
	}{
		{"/v1/entries?user_id=bob", 403, "permission_denied"},
		{"/v1/entries?user_id=alice", 200, `"user_id":"alice"`},
		{"/v1/entries/count", 200, `{"count":3}`},
		{"/v1/entries/count?tool_name=t_", 200, `{"count":2}`},
		{"/v1/entries/2", 404, "no entry 2"},
		{"/v1/entries/5", 404, "no entry 5"},
		{"/v1/entries/1", 200, `"user_id":"alice"`},
		{"/v1/entries/2/proof?tree_size=6", 404, "no entry 2"},
		{"/v1/entries/1/proof?tree_size=6", 200, `"leaf_index":0`},
		{"/v1/tools", 200, `{"tools":[{"name":"t_alice","count":2},{"name":"w","count":1}]}`},
	} {
		status, body, _ := a.call(t, "alice-reader", "GET", tc.path, "")
		if status != tc.status || !strings.Contains(body, tc.want) {
			t.Errorf("GET %s as alice's reader: %d %s; want %d with %q", tc.path, status, body, tc.status, tc.want)
		}
	}
	// An unbound reader sees everyone's.
	if _, body, _ := a.call(t, "reader", "GET", "/v1/entries/count", ""); body != "{\"count\":6}\n" {
		t.Errorf("unbound reader count: %s", body)
	}
}

// TestRevocationIsImmediate revokes a token between two requests.
func TestRevocationIsImmediate(t *testing.T) {
	a := newAuthEnv(t, httpapi.Config{})
	if status, _, _ := a.call(t, "reader", "GET", "/v1/entries", ""); status != http.StatusOK {
		t.Fatalf("before revocation: %d", status)
	}
	if _, err := a.store.RevokeToken(t.Context(), "reader", time.Now()); err != nil {
		t.Fatal(err)
	}
	if status, body, _ := a.call(t, "reader", "GET", "/v1/entries", ""); status != http.StatusUnauthorized {
		t.Errorf("the request after revocation: %d %s, want 401", status, body)
	}
}

// TestRateLimit checks 429 with Retry-After past a token's burst, per
// token.
func TestRateLimit(t *testing.T) {
	a := newAuthEnv(t, httpapi.Config{RateLimit: 0.5, RateBurst: 2})
	for i := range 2 {
		if status, body, _ := a.call(t, "reader", "GET", "/v1/entries/count", ""); status != http.StatusOK {
			t.Fatalf("request %d within the burst: %d %s", i+1, status, body)
		}
	}
	status, body, h := a.call(t, "reader", "GET", "/v1/entries/count", "")
	if status != http.StatusTooManyRequests || !strings.Contains(body, `"rate_limited"`) {
		t.Fatalf("past the burst: %d %s, want 429", status, body)
	}
	if s, err := strconv.Atoi(h.Get("Retry-After")); err != nil || s < 1 || s > 2 {
		t.Errorf("Retry-After %q, want 1 or 2 seconds", h.Get("Retry-After"))
	}
	if status, _, _ := a.call(t, "admin", "GET", "/v1/entries/count", ""); status != http.StatusOK {
		t.Errorf("another token is limited too: %d", status)
	}
}

// TestFailedAuthenticationLimit checks that an address presenting bad
// tokens gets 401 up to the default burst and then 429 with Retry-After,
// for every token until the bucket refills, the valid ones too.
func TestFailedAuthenticationLimit(t *testing.T) {
	a := newAuthEnv(t, httpapi.Config{})
	for i := range auth.DefaultFailureBurst {
		if status, body, _ := a.call(t, "bogus", "GET", "/v1/entries/count", ""); status != http.StatusUnauthorized {
			t.Fatalf("bad token %d of the burst: %d %s, want 401", i+1, status, body)
		}
	}
	for _, as := range []string{"bogus", "revoked", "reader"} {
		status, body, h := a.call(t, as, "GET", "/v1/entries/count", "")
		if status != http.StatusTooManyRequests || !strings.Contains(body, "too many invalid tokens from your address") {
			t.Errorf("as %s past the burst: %d %s, want 429 naming the address's invalid tokens", as, status, body)
		}
		if s, err := strconv.Atoi(h.Get("Retry-After")); err != nil || s < 1 || s > 2 {
			t.Errorf("as %s: Retry-After %q, want 1 or 2 seconds", as, h.Get("Retry-After"))
		}
	}
	time.Sleep(time.Duration(float64(time.Second)/auth.DefaultFailureRate) + 100*time.Millisecond)
	if status, body, _ := a.call(t, "reader", "GET", "/v1/entries/count", ""); status != http.StatusOK {
		t.Errorf("a valid token after the refill: %d %s, want 200", status, body)
	}
}

// TestCallIDsPerToken replays the attack on call ids across users: a
// call id another token used neither blocks a record (409), nor answers
// with the other token's receipt, nor names its entry.
func TestCallIDsPerToken(t *testing.T) {
	a := newAuthEnv(t, httpapi.Config{})
	const transfer = `{"tool_name":"transfer_funds","user_id":"bob","arguments":{"cents":100},"call_id":"call_0001"}`
	tests := []struct {
		name   string
		as     string
		body   string
		status int
		id     string // `"id":N` the answer must hold, or ""
	}{
		{"alice's writer uses the id first", "alice-writer", `{"tool_name":"read_file","call_id":"call_0001"}`, http.StatusCreated, `"id":1,`},
		{"bob's call with the same id is recorded", "writer", transfer, http.StatusCreated, `"id":2,`},
		{"its retry replays its own receipt", "writer", transfer, http.StatusOK, `"id":2,`},
		{"another token's exact replay is a new entry, not bob's receipt", "admin", transfer, http.StatusCreated, `"id":3,`},
		{"other content under the token's own id conflicts", "writer", strings.Replace(transfer, "100", "999", 1), http.StatusConflict, ""},
	}
	for _, tt := range tests {
		status, body, _ := a.call(t, tt.as, "POST", "/v1/entries", tt.body)
		if status != tt.status || !strings.Contains(body, tt.id) {
			t.Errorf("%s: %d %s, want %d with %s", tt.name, status, body, tt.status, tt.id)
		}
	}
	if status, body, _ := a.call(t, "admin", "GET", "/v1/entries/count", ""); status != http.StatusOK || !strings.Contains(body, `"count":3`) {
		t.Errorf("count: %d %s, want 3 entries", status, body)
	}
}

// TestPurgeNamesTheToken checks that the purge's entry names the admin
// token that asked for it.
func TestPurgeNamesTheToken(t *testing.T) {
	a := newAuthEnv(t, httpapi.Config{})
	a.record(t, `{"tool_name":"t"}`)
	if status, body, _ := a.call(t, "admin", "POST", "/v1/purge", `{"older_than_days":null}`); status != http.StatusOK {
		t.Fatalf("purge: %d %s", status, body)
	}
	if e := a.entry(t, 2); e.ToolName != tooltrail.PurgeTool || e.UserID != "admin" {
		t.Errorf("purge entry %+v, want user admin", e)
	}
}
