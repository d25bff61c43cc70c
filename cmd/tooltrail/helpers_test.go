package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/auth"
	"github.com/tooltrail/tooltrail/client"
	"github.com/tooltrail/tooltrail/postgres"
	"github.com/tooltrail/tooltrail/sqlite"
)

// result is what one in-process run of Main gave.
type result struct {
	code   int
	stdout string
	stderr string
}

// noEnv is an empty environment.
func noEnv(string) string { return "" }

// envOf returns a getenv over vars.
func envOf(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// run runs Main with args, the environment getenv and stdin, and returns
// what it printed.
func run(t *testing.T, getenv func(string) string, stdin string, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := Main(t.Context(), args, strings.NewReader(stdin), &stdout, &stderr, getenv)
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// run runs a client command against s, with the admin token serve made.
func (s *testServer) run(t *testing.T, args ...string) result {
	t.Helper()
	return run(t, noEnv, "", append(args, "--server", s.url, "--token", s.token(t))...)
}

// token returns the admin token serve wrote to its data directory.
func (s *testServer) token(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(s.dir, adminTokenFileName))
	if err != nil {
		t.Fatalf("the server's admin token: %v", err)
	}
	return strings.TrimSpace(string(b))
}

// client returns a client of s with its admin token.
func (s *testServer) client(t *testing.T) *client.Client {
	t.Helper()
	c := client.New(s.url)
	c.Token = s.token(t)
	return c
}

// mustRun runs a client command against s and fails the test unless it
// exits 0.
func (s *testServer) mustRun(t *testing.T, args ...string) result {
	t.Helper()
	r := s.run(t, args...)
	if r.code != 0 {
		t.Fatalf("tooltrail %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r
}

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// testServer is a tooltrail serve running in-process.
type testServer struct {
	url    string
	dir    string
	stdout *syncBuffer
	stderr *syncBuffer
	cancel context.CancelFunc
	done   chan int
	code   *int
}

// startServer runs "tooltrail serve" on 127.0.0.1:0 with its data in dir,
// plus extra flags, and returns once it listens. The test's cleanup stops
// it if the test did not.
func startServer(t *testing.T, dir string, extra ...string) *testServer {
	t.Helper()
	if !slices.Contains(extra, "--store") {
		seedAdminToken(t, dir)
	}
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	s := &testServer{dir: dir, stdout: &syncBuffer{}, stderr: &syncBuffer{}, cancel: cancel, done: make(chan int, 1)}
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data", dir}, extra...)
	go func() {
		code := Main(ctx, args, strings.NewReader(""), pw, s.stderr, noEnv)
		pw.Close()
		s.done <- code
	}()
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		sent := false
		for sc.Scan() {
			line := sc.Text()
			s.stdout.Write([]byte(line + "\n"))
			if u, ok := strings.CutPrefix(line, "tooltrail serving on "); ok && !sent {
				urls <- u
				sent = true
			}
		}
		if !sent {
			close(urls)
		}
	}()
	select {
	case u, ok := <-urls:
		if !ok {
			cancel()
			t.Fatalf("serve exited before it listened: exit %d\nstderr: %s", <-s.done, s.stderr)
		}
		s.url = u
	case <-time.After(20 * time.Second):
		cancel()
		t.Fatalf("serve did not listen within 20s\nstderr: %s", s.stderr)
	}
	t.Cleanup(func() { s.stop(t) })
	return s
}

// seedAdminToken puts an admin token into the SQLite store of dir, and its
// secret into dir/admin.token, as serve would on a first start but without
// the entry that records it, so that the tests' entries start at id 1. A
// store that has tokens already is left alone.
func seedAdminToken(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(t.Context(), sqlite.Config{Path: filepath.Join(dir, "tooltrail.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	seedToken(t, st, dir)
}

// seedToken puts an admin token into st, unless it has tokens, and its
// secret into dir/admin.token.
func seedToken(t *testing.T, st auth.Store, dir string) {
	t.Helper()
	if list, err := st.Tokens(t.Context()); err != nil || len(list) > 0 {
		return
	}
	secret, h, err := auth.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateToken(t.Context(), auth.Token{Name: "test-admin", Role: auth.Admin, Hash: h, Created: time.Now().UTC()}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, adminTokenFileName), []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
}

// stop cancels the server's context and returns its exit status.
func (s *testServer) stop(t *testing.T) int {
	t.Helper()
	if s.code != nil {
		return *s.code
	}
	s.cancel()
	select {
	case code := <-s.done:
		s.code = &code
		return code
	case <-time.After(45 * time.Second):
		t.Fatalf("serve did not stop within 45s\nstderr: %s", s.stderr)
		return -1
	}
}

// openStore opens the SQLite store of a stopped server's data directory.
func openStore(t *testing.T, dir string) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(t.Context(), sqlite.Config{Path: filepath.Join(dir, "tooltrail.db")})
	if err != nil {
		t.Fatalf("reopen store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// closedAddr returns a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// decodeEntries reads the JSON lines of query --json.
func decodeEntries(t *testing.T, out string) []tooltrail.Entry {
	t.Helper()
	var entries []tooltrail.Entry
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		var e tooltrail.Entry
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("query --json printed a line that is not an entry: %q: %v", line, err)
		}
		entries = append(entries, e)
	}
	return entries
}

// decodeReceipt reads the output of record --json.
func decodeReceipt(t *testing.T, out string) receiptJSON {
	t.Helper()
	var r receiptJSON
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("record --json printed %q: %v", out, err)
	}
	return r
}

// seedPostgresToken puts an admin token into the schema of a PostgreSQL
// store (made if missing), and its secret into dir/admin.token, without an
// entry that records it.
func seedPostgresToken(t *testing.T, base, schema, dir string) {
	t.Helper()
	st, err := postgres.Open(t.Context(), postgres.Config{URL: base, Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	seedToken(t, st, dir)
}
