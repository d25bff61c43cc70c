package webui_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/auth"
	"github.com/tooltrail/tooltrail/redact"
	"github.com/tooltrail/tooltrail/sqlite"
	"github.com/tooltrail/tooltrail/webui"
	"golang.org/x/mod/sumdb/note"
)

// t0 is the time of the test clock when a test starts.
var t0 = time.Date(2026, 1, 2, 3, 4, 5, 123456000, time.UTC)

// clock is a test clock that moves only when told to.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is a real UI: a SQLite store in a temporary directory, a Log with a
// test clock and the default redaction rules, a Notary with a fixed key,
// tokens of every kind, and the UI over HTTP.
type env struct {
	store   *sqlite.Store
	path    string // of the database file
	log     *tooltrail.Log
	notary  *tooltrail.Notary
	clock   *clock
	ui      *webui.UI
	srv     *httptest.Server
	secrets map[string]string // by token name
}

// testTokens are the tokens every env has; "revoked" is revoked.
var testTokens = []struct {
	name string
	role auth.Role
	user string
}{
	{"admin", auth.Admin, ""}, {"reader", auth.Reader, ""}, {"writer", auth.Writer, ""},
	{"alice-reader", auth.Reader, "alice"}, {"revoked", auth.Reader, ""},
}

func newEnv(t testing.TB, configure func(*webui.Config)) *env {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "log.db")
	store, err := sqlite.Open(ctx, sqlite.Config{Path: path})
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	t.Cleanup(func() { store.Close() })
	e := &env{store: store, path: path, clock: &clock{t: t0}, secrets: map[string]string{}}
	logger := slog.New(slog.DiscardHandler)
	red, err := redact.New(bytes.Repeat([]byte{3}, 32), redact.DefaultRules())
	if err != nil {
		t.Fatal(err)
	}
	e.log, err = tooltrail.New(ctx, store, tooltrail.Config{Now: e.clock.Now, Logger: logger, Redactor: red, Rand: rand.NewChaCha8([32]byte{})})
	if err != nil {
		t.Fatalf("tooltrail.New: %v", err)
	}
	t.Cleanup(func() { e.log.Close() })
	signer, verifier, err := note.GenerateKey(bytes.NewReader(bytes.Repeat([]byte{7}, 64)), "ui.test/log")
	if err != nil {
		t.Fatal(err)
	}
	e.notary, err = tooltrail.NewNotary(ctx, store, tooltrail.NotaryConfig{SignerKey: signer, VerifierKey: verifier, Logger: logger})
	if err != nil {
		t.Fatalf("tooltrail.NewNotary: %v", err)
	}
	for _, tk := range testTokens {
		secret, h, err := auth.NewSecret()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := store.CreateToken(ctx, auth.Token{Name: tk.name, Role: tk.role, User: tk.user, Hash: h, Created: t0}); err != nil {
			t.Fatal(err)
		}
		e.secrets[tk.name] = secret
	}
	if _, err := store.RevokeToken(ctx, "revoked", t0); err != nil {
		t.Fatal(err)
	}
	cfg := webui.Config{Log: e.log, Store: store, Tokens: store, Notary: e.notary, Logger: logger, Now: e.clock.Now, Redactor: red}
	if configure != nil {
		configure(&cfg)
	}
	e.ui, err = webui.New(cfg)
	if err != nil {
		t.Fatalf("webui.New: %v", err)
	}
	e.srv = httptest.NewServer(e.ui)
	t.Cleanup(e.srv.Close)
	return e
}

// record records a call; the test clock then moves on by step.
func (e *env) record(t testing.TB, c tooltrail.Call, step time.Duration) tooltrail.Receipt {
	t.Helper()
	rc, err := e.log.Record(context.Background(), c)
	if err != nil {
		t.Fatalf("Record %+v: %v", c, err)
	}
	e.clock.Advance(step)
	return rc
}

// sign makes the notary sign the current head, as its Run loop would.
func (e *env) sign(t testing.TB) tooltrail.SignedCheckpoint {
	t.Helper()
	ctx := context.Background()
	head, err := e.store.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.notary.Sign(ctx, head)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// answer is one HTTP answer, with its body read.
type answer struct {
	status int
	header http.Header
	body   string
	resp   *http.Response
}

// do sends a request as the token named as ("" for no session); form,
// when not nil, is the body of a POST. Redirects are not followed. hdr
// adds headers.
func (e *env) do(t testing.TB, as, method, path string, form url.Values, hdr map[string]string) answer {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, e.srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if as != "" {
		secret, ok := e.secrets[as]
		if !ok {
			secret = as // a bogus secret
		}
		req.AddCookie(&http.Cookie{Name: "tooltrail_session", Value: secret})
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: string(b), resp: resp}
}

func (e *env) get(t testing.TB, as, path string) answer {
	t.Helper()
	return e.do(t, as, http.MethodGet, path, nil, nil)
}

// post sends a form as the token named as, with the CSRF token of its
// session added unless form has one.
func (e *env) post(t testing.TB, as, path string, form url.Values) answer {
	t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if !form.Has("csrf") {
		form.Set("csrf", e.csrf(t, as))
	}
	return e.do(t, as, http.MethodPost, path, form, nil)
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf returns the CSRF token of the session of as, as its pages carry it.
func (e *env) csrf(t testing.TB, as string) string {
	t.Helper()
	a := e.get(t, as, "/log")
	m := csrfInput.FindStringSubmatch(a.body)
	if a.status != http.StatusOK || m == nil {
		t.Fatalf("GET /log as %s: status %d, no CSRF token in %s", as, a.status, a.body)
	}
	return m[1]
}

// want checks the status of a and that its body holds every one of
// wants.
func want(t testing.TB, a answer, status int, wants ...string) {
	t.Helper()
	if a.status != status {
		t.Errorf("status %d, want %d; body:\n%s", a.status, status, a.body)
	}
	for _, w := range wants {
		if !strings.Contains(a.body, w) {
			t.Errorf("body does not hold %q:\n%s", w, a.body)
		}
	}
}

var rowID = regexp.MustCompile(`<tr id="entry-(\d+)">`)

// rows returns the ids of the rows of a log view, in order.
func rows(body string) []string {
	var ids []string
	for _, m := range rowID.FindAllStringSubmatch(body, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

var countText = regexp.MustCompile(`<strong data-count="(\d+)">`)

// count returns the count a log view shows, or "" for none.
func count(body string) string {
	m := countText.FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return m[1]
}
