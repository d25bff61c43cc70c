package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/httpapi"
	"github.com/tooltrail/tooltrail/sqlite"
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

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a logger.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// env is a real server: a SQLite store in a temporary directory, a Log on
// it with a test clock, and the API over HTTP.
type env struct {
	store   *sqlite.Store
	log     *tooltrail.Log
	metrics *httpapi.Metrics
	handler *httpapi.Server
	srv     *httptest.Server
	clock   *clock
	logs    *syncBuffer
	notary  *tooltrail.Notary
}

// testOrigin is the origin of the test log, and testKeySeed the seed of
// its key: a fixed key, so that signed answers can be golden files.
const (
	testOrigin  = "api.test/log"
	testKeySeed = 7
)

// testKey returns the note keys of the test log.
func testKey(t testing.TB) (signer, verifier string) {
	t.Helper()
	s, v, err := note.GenerateKey(bytes.NewReader(bytes.Repeat([]byte{testKeySeed}, 64)), testOrigin)
	if err != nil {
		t.Fatal(err)
	}
	return s, v
}

// sign makes the notary sign the current head, as its Run loop would
// soon after each commit, and returns the signed checkpoint.
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

func newEnv(t testing.TB) *env {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, sqlite.Config{Path: filepath.Join(t.TempDir(), "log.db")})
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	t.Cleanup(func() { store.Close() }) // a test may have closed it already
	e := &env{store: store, clock: &clock{t: t0}, logs: &syncBuffer{}, metrics: httpapi.NewMetrics()}
	logger := slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e.log, err = tooltrail.New(ctx, store, tooltrail.Config{Now: e.clock.Now, Observer: e.metrics, Logger: logger, Rand: rand.NewChaCha8([32]byte{})})
	if err != nil {
		t.Fatalf("tooltrail.New: %v", err)
	}
	t.Cleanup(func() { e.log.Close() })
	signer, verifier := testKey(t)
	e.notary, err = tooltrail.NewNotary(ctx, store, tooltrail.NotaryConfig{SignerKey: signer, VerifierKey: verifier, Logger: logger})
	if err != nil {
		t.Fatalf("tooltrail.NewNotary: %v", err)
	}
	e.handler = httpapi.New(e.log, httpapi.Config{Metrics: e.metrics, Logger: logger, Notary: e.notary})
	e.srv = httptest.NewServer(e.handler)
	t.Cleanup(e.srv.Close)
	return e
}

// answer is one HTTP answer.
type answer struct {
	status int
	header http.Header
	body   []byte
	close  bool // the server closes the connection after it
}

// do sends one request to the server. body "" sends none; contentType ""
// sends no Content-Type.
func (e *env) do(t testing.TB, method, path, contentType, body string) answer {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		t.Fatalf("NewRequest: %v", err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: b, close: resp.Close}
}

func (e *env) get(t testing.TB, path string) answer {
	t.Helper()
	return e.do(t, http.MethodGet, path, "", "")
}

func (e *env) post(t testing.TB, path, body string) answer {
	t.Helper()
	return e.do(t, http.MethodPost, path, "application/json", body)
}

// record posts a call and returns its receipt; the answer must be 201.
func (e *env) record(t testing.TB, body string) tooltrail.Receipt {
	t.Helper()
	a := e.post(t, "/v1/entries", body)
	if a.status != http.StatusCreated {
		t.Fatalf("POST /v1/entries %s: status %d, want 201; body %s", body, a.status, a.body)
	}
	var rc tooltrail.Receipt
	decode(t, a.body, &rc)
	return rc
}

// entry reads one entry; the answer must be 200.
func (e *env) entry(t testing.TB, id int64) tooltrail.Entry {
	t.Helper()
	a := e.get(t, "/v1/entries/"+itoa(id))
	if a.status != http.StatusOK {
		t.Fatalf("GET /v1/entries/%d: status %d; body %s", id, a.status, a.body)
	}
	var got tooltrail.Entry
	decode(t, a.body, &got)
	return got
}

// page is the answer of GET /v1/entries, with next_cursor as sent.
type page struct {
	Entries    []tooltrail.Entry `json:"entries"`
	NextCursor *string           `json:"next_cursor"`
}

// query reads one page; the answer must be 200.
func (e *env) query(t testing.TB, query string) page {
	t.Helper()
	a := e.get(t, "/v1/entries?"+query)
	if a.status != http.StatusOK {
		t.Fatalf("GET /v1/entries?%s: status %d; body %s", query, a.status, a.body)
	}
	var p page
	decode(t, a.body, &p)
	if p.Entries == nil {
		t.Fatalf("GET /v1/entries?%s: entries is null: %s", query, a.body)
	}
	return p
}

// count reads GET /v1/entries/count; the answer must be 200.
func (e *env) count(t testing.TB, query string) int64 {
	t.Helper()
	a := e.get(t, "/v1/entries/count?"+query)
	if a.status != http.StatusOK {
		t.Fatalf("GET /v1/entries/count?%s: status %d; body %s", query, a.status, a.body)
	}
	var c struct {
		Count *int64 `json:"count"`
	}
	decode(t, a.body, &c)
	if c.Count == nil {
		t.Fatalf("count answer has no count: %s", a.body)
	}
	return *c.Count
}

func decode(t testing.TB, b []byte, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
}

// apiError is the error body of the API.
type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// wantError checks that a is an error answer with the status and code,
// whose message holds every one of want.
func wantError(t testing.TB, a answer, status int, code string, want ...string) {
	t.Helper()
	if a.status != status {
		t.Errorf("status %d, want %d; body %s", a.status, status, a.body)
	}
	if ct := a.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	var e apiError
	dec := json.NewDecoder(bytes.NewReader(a.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		t.Fatalf("error body %s: %v", a.body, err)
	}
	if e.Error.Code != code {
		t.Errorf("code %q, want %q; body %s", e.Error.Code, code, a.body)
	}
	if e.Error.Message == "" {
		t.Errorf("empty message; body %s", a.body)
	}
	for _, w := range want {
		if !strings.Contains(e.Error.Message, w) {
			t.Errorf("message %q does not say %q", e.Error.Message, w)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
