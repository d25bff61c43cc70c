package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tooltrail/tooltrail"
)

func TestServe_refuses(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStderr string
	}{
		{name: "ErrTLSCertWithoutKey", args: []string{"--tls-cert", "cert.pem"}, wantCode: 2, wantStderr: "--tls-cert and --tls-key go together"},
		{name: "ErrNegativeRateLimit", args: []string{"--rate-limit", "-1"}, wantCode: 2, wantStderr: "--rate-limit"},
		{name: "ErrAddrWithoutPort", args: []string{"--addr", "127.0.0.1"}, wantCode: 2, wantStderr: "is not HOST:PORT"},
		{name: "ErrBadStore", args: []string{"--store", "mysql://db/x"}, wantCode: 2, wantStderr: "use sqlite:PATH or postgres://"},
		{name: "ErrPostgresUnreachable", args: []string{"--store", "postgres://u@127.0.0.1:1/tooltrail?connect_timeout=2"}, wantCode: 1, wantStderr: "open store postgres://u@127.0.0.1:1/tooltrail"},
		{name: "ErrBadRetention", args: []string{"--retention", "forever"}, wantCode: 2, wantStderr: `invalid value "forever" for flag --retention`},
		{name: "ErrBadRetentionEnv", args: nil, wantCode: 2, wantStderr: "TOOLTRAIL_RETENTION"},
		{name: "ErrEmptyData", args: []string{"--data", ""}, wantCode: 2, wantStderr: "--data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{}
			if tt.name == "ErrBadRetentionEnv" {
				env["TOOLTRAIL_RETENTION"] = "-5d"
			}
			args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data", dir}, tt.args...)
			r := run(t, envOf(env), "", args...)
			if r.code != tt.wantCode {
				t.Errorf("exit %d, want %d\nstderr: %s", r.code, tt.wantCode, r.stderr)
			}
			if !strings.Contains(r.stderr, tt.wantStderr) {
				t.Errorf("stderr = %q, want it to contain %q", r.stderr, tt.wantStderr)
			}
			if strings.Contains(r.stdout, "serving on") {
				t.Errorf("serve listened: %q", r.stdout)
			}
		})
	}
}

func TestServe_startsAndStops(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "nested")
	srv := startServer(t, dir)
	if !strings.HasPrefix(srv.url, "http://127.0.0.1:") || strings.HasSuffix(srv.url, ":0") {
		t.Errorf("serving on %q, want the real loopback port", srv.url)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatalf("data directory: %v", err)
	}
	if perm := fi.Mode().Perm(); perm != 0o700 {
		t.Errorf("data directory mode %v, want 0700", perm)
	}
	out := srv.stdout.String()
	for _, want := range []string{"data directory: " + dir, "store: sqlite:" + filepath.Join(dir, "tooltrail.db")} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout = %q, want it to contain %q", out, want)
		}
	}
	srv.mustRun(t, "record", "--tool", "before.shutdown")
	if code := srv.stop(t); code != 0 {
		t.Fatalf("serve exit %d after cancel, want 0\nstderr: %s", code, srv.stderr)
	}
	if !strings.Contains(srv.stderr.String(), `"msg":"stopped"`) {
		t.Errorf("serve did not log that it stopped:\n%s", srv.stderr)
	}
	st := openStore(t, dir)
	n, err := st.Count(t.Context(), tooltrail.Filter{ToolName: "before.shutdown"})
	if err != nil || n != 1 {
		t.Errorf("after restart, count = %d, %v; want 1", n, err)
	}
}

func TestServe_shutdownKeepsAcknowledgedRecords(t *testing.T) {
	dir := t.TempDir()
	srv := startServer(t, dir)

	const callers = 16
	var (
		mu    sync.Mutex
		acked []int64
		wg    sync.WaitGroup
		first = make(chan struct{})
		once  sync.Once
	)
	for i := range callers {
		wg.Go(func() {
			for j := 0; ; j++ {
				r := run(t, noEnv, "", "record", "--server", srv.url, "--token", srv.token(t), "--json", "--tool", "load", "--args", fmt.Sprintf(`{"caller":%d,"n":%d}`, i, j))
				if r.code != 0 {
					return // the server went away: nothing acknowledged
				}
				rec := decodeReceipt(t, r.stdout)
				mu.Lock()
				acked = append(acked, rec.ID)
				mu.Unlock()
				once.Do(func() { close(first) })
			}
		})
	}
	select {
	case <-first:
	case <-time.After(20 * time.Second):
		t.Fatal("no record was acknowledged")
	}
	time.Sleep(50 * time.Millisecond) // let calls be in flight when the server stops
	if code := srv.stop(t); code != 0 {
		t.Fatalf("serve exit %d, want 0\nstderr: %s", code, srv.stderr)
	}
	wg.Wait()

	st := openStore(t, dir)
	for _, id := range acked {
		if _, err := st.Leaf(t.Context(), id); err != nil {
			t.Errorf("entry %d was acknowledged before shutdown but is not in the store: %v", id, err)
		}
	}
	n, err := st.Count(t.Context(), tooltrail.Filter{ToolName: "load"})
	if err != nil {
		t.Fatal(err)
	}
	if n < int64(len(acked)) {
		t.Errorf("store holds %d entries, %d were acknowledged", n, len(acked))
	}
	t.Logf("%d records acknowledged, %d stored", len(acked), n)
}

func TestServe_retentionPurgesAtStart(t *testing.T) {
	dir := t.TempDir()
	first := startServer(t, dir)
	first.mustRun(t, "record", "--tool", "old.call")
	if code := first.stop(t); code != 0 {
		t.Fatalf("serve exit %d", code)
	}
	time.Sleep(5 * time.Millisecond) // the entry is now older than the retention below

	srv := startServer(t, dir, "--retention", "1ms")
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(srv.stderr.String(), `"msg":"retention purge"`) {
		if time.Now().After(deadline) {
			t.Fatalf("serve did not log a retention purge within 10s:\n%s", srv.stderr)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if r := srv.mustRun(t, "count", "--tool", "old.call"); r.stdout != "0\n" {
		t.Errorf("count of the old entry after the retention purge = %q, want 0", r.stdout)
	}
	r := srv.mustRun(t, "query", "--tool", tooltrail.PurgeTool, "--json")
	if entries := decodeEntries(t, r.stdout); len(entries) == 0 {
		t.Errorf("the retention purge was not recorded as a %s entry", tooltrail.PurgeTool)
	}
	if !strings.Contains(srv.stderr.String(), `"deleted":1`) {
		t.Errorf("serve did not log that the purge deleted 1 entry:\n%s", srv.stderr)
	}
}

// TestServe_webUI checks that serve serves the web UI at / and the API
// beside it.
func TestServe_webUI(t *testing.T) {
	srv := startServer(t, t.TempDir())
	for _, tc := range []struct {
		path   string
		status int
		want   string
	}{
		{"/signin", http.StatusOK, "<form"},
		{"/healthz", http.StatusOK, `"status":"ok"`},
		{"/readyz", http.StatusOK, `"status":"ready"`},
		{"/v1/log", http.StatusOK, `"verifier_key"`},
		{"/checkpoint", http.StatusOK, "\n0\n"},
		{"/tile", http.StatusNotFound, `"not_found"`},
		{"/tile/9/000", http.StatusNotFound, `"not_found"`},
		{"/tile/entries/000", http.StatusUnauthorized, "unauthenticated"},
		{"/v1/entries", http.StatusUnauthorized, "unauthenticated"},
	} {
		resp, err := http.Get(srv.url + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || !strings.Contains(string(b), tc.want) {
			t.Errorf("GET %s: %d, want %d with %q", tc.path, resp.StatusCode, tc.status, tc.want)
		}
	}
	resp, err := http.Get(srv.url + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Request.URL.Path != "/signin" {
		t.Errorf("GET / without a session ends at %s, want /signin", resp.Request.URL.Path)
	}
}
