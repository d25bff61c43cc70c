package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/client"
	"github.com/tooltrail/tooltrail/internal/pgtest"
	"github.com/tooltrail/tooltrail/postgres"
	"golang.org/x/mod/sumdb/note"
)

// TestPostgresFaults runs a server process on a PostgreSQL cluster of the
// test's own, behind a proxy, and breaks the database while callers
// record: the network blackholed for 30 s, the cluster restarted fast and
// immediate, the cluster stopped for 20 s. Every record answers within a
// bounded time, either acknowledged or 503 unavailable; /healthz answers
// within its bound; the server records again by itself once the database
// is back; and every acknowledged entry is in the log, ids dense, verify
// clean.
func TestPostgresFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("breaks a PostgreSQL cluster for about a minute and a half")
	}
	cluster := pgtest.NewCluster(t)
	proxy := newFaultProxy(t, cluster.Addr())
	for _, tc := range []struct {
		name  string
		lasts bool // long enough that a /healthz probe every 250 ms must see it
		fault func(t *testing.T)
	}{
		{"network blackholed for 30s", true, func(t *testing.T) {
			proxy.Cut()
			time.Sleep(30 * time.Second)
			proxy.Restore()
		}},
		{"restarted fast", false, func(t *testing.T) { cluster.Restart(t, "fast") }},
		{"restarted immediate", false, func(t *testing.T) { cluster.Restart(t, "immediate") }},
		{"stopped for 20s", true, func(t *testing.T) {
			cluster.Stop(t, "fast")
			time.Sleep(20 * time.Second)
			cluster.Start(t)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := cluster.URL()
			storeURL, schema := freshStore(t, base)
			u, err := url.Parse(storeURL)
			if err != nil {
				t.Fatal(err)
			}
			u.Host = proxy.addr()
			q := u.Query()
			q.Set("connect_timeout", "2")
			u.RawQuery = q.Encode()
			dir := t.TempDir()
			seedPostgresToken(t, base, schema, dir)
			srv := startProcess(t, dir, "--store", u.String(), "--commit-timeout", "2s")
			token, err := os.ReadFile(filepath.Join(dir, adminTokenFileName))
			if err != nil {
				t.Fatal(err)
			}
			c := client.New(srv.url)
			c.Token = strings.TrimSpace(string(token))
			c.HTTPClient = &http.Client{Timeout: 30 * time.Second}
			run := newFaultLoad(c)
			for range 20 {
				if _, err := run.record(); err != nil {
					t.Fatal(err)
				}
			}

			stop := run.start(t, 8)
			health := probeHealth(t, srv.url)
			time.Sleep(300 * time.Millisecond)
			tc.fault(t)
			// The database is back: the server records again by itself.
			deadline := time.Now().Add(30 * time.Second)
			for {
				if _, err := run.record(); err == nil {
					break
				} else if time.Now().After(deadline) {
					t.Fatalf("the server did not record again within 30s of the database coming back: %v", err)
				}
				time.Sleep(200 * time.Millisecond)
			}
			time.Sleep(500 * time.Millisecond)
			stop()
			unhealthy, slowestProbe := health()

			// A failing record waits for a commit timeout (2s), perhaps
			// behind a batch that does too, or for the connect timeout (2s).
			if run.slowest > 8*time.Second {
				t.Errorf("the slowest failing record took %v, want a bounded wait (about 2 commit timeouts)", run.slowest)
			}
			if run.failures == 0 {
				t.Error("no record failed while the database was away")
			}
			if slowestProbe > 4*time.Second {
				t.Errorf("the slowest /healthz took %v, want at most its 2s bound and a little", slowestProbe)
			}
			if tc.lasts && unhealthy == 0 {
				t.Error("/healthz never said unhealthy while the database was away")
			}
			t.Logf("%d records acknowledged, %d failed with 503 (the slowest after %v); %d /healthz probes said 503, the slowest took %v",
				len(run.acked), run.failures, run.slowest, unhealthy, slowestProbe)
			if code := srv.stop(t); code != 0 {
				t.Errorf("the server exited %d after SIGTERM, want 0", code)
			}
			key, err := os.ReadFile(filepath.Join(dir, keyFileName))
			if err != nil {
				t.Fatal(err)
			}
			checkLogHolds(t, base, schema, key, run.acked)
		})
	}
}

// faultLoad records numbered calls and keeps what was acknowledged.
type faultLoad struct {
	c *client.Client

	mu       sync.Mutex
	seq      int
	acked    map[int64]tooltrail.Receipt
	failures int
	slowest  time.Duration // of the failing records
	wrong    []error       // failures that were not 503 unavailable
}

func newFaultLoad(c *client.Client) *faultLoad {
	return &faultLoad{c: c, acked: map[int64]tooltrail.Receipt{}}
}

// record records one call and returns how long it took.
func (l *faultLoad) record() (time.Duration, error) {
	l.mu.Lock()
	l.seq++
	n := l.seq
	l.mu.Unlock()
	begin := time.Now()
	r, err := l.c.Record(context.Background(), tooltrail.Call{
		ToolName: "fault", Arguments: map[string]int{"n": n}, CallID: fmt.Sprint("call-", n),
	})
	took := time.Since(begin)
	l.mu.Lock()
	defer l.mu.Unlock()
	if err == nil {
		l.acked[r.ID] = r
	}
	return took, err
}

// start runs callers that record until the returned stop is called; stop
// reports any failure that was not 503 unavailable.
func (l *faultLoad) start(t *testing.T, callers int) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	for range callers {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				took, err := l.record()
				if err == nil {
					continue
				}
				l.mu.Lock()
				l.failures++
				l.slowest = max(l.slowest, took)
				if !errors.Is(err, tooltrail.ErrUnavailable) {
					l.wrong = append(l.wrong, err)
				}
				l.mu.Unlock()
				time.Sleep(50 * time.Millisecond)
			}
		})
	}
	return func() {
		close(done)
		wg.Wait()
		for i, err := range l.wrong {
			if i == 5 {
				t.Errorf("and %d more", len(l.wrong)-5)
				break
			}
			t.Errorf("a record failed with %v, want 503 unavailable", err)
		}
	}
}

// probeHealth asks /healthz every 250 ms until the returned function is
// called, which says how many answers were 503 and how long the slowest
// took.
func probeHealth(t *testing.T, base string) func() (unhealthy int, slowest time.Duration) {
	done := make(chan struct{})
	var (
		wg sync.WaitGroup
		mu sync.Mutex
		n  int
		sl time.Duration
	)
	hc := &http.Client{Timeout: 30 * time.Second}
	wg.Go(func() {
		for {
			select {
			case <-done:
				return
			case <-time.After(250 * time.Millisecond):
			}
			begin := time.Now()
			resp, err := hc.Get(base + "/healthz")
			took := time.Since(begin)
			mu.Lock()
			sl = max(sl, took)
			if err != nil {
				t.Errorf("/healthz: %v", err)
			} else {
				resp.Body.Close()
				switch resp.StatusCode {
				case http.StatusOK:
				case http.StatusServiceUnavailable:
					n++
				default:
					t.Errorf("/healthz answered %d, want 200 or 503", resp.StatusCode)
				}
			}
			mu.Unlock()
		}
	})
	return func() (int, time.Duration) {
		close(done)
		wg.Wait()
		return n, sl
	}
}

// checkLogHolds opens the store in schema of base and checks that its ids
// are dense, that every acknowledged receipt names the entry it has, and
// that verify with the log's key file finds nothing wrong.
func checkLogHolds(t *testing.T, base, schema string, keyFile []byte, acked map[int64]tooltrail.Receipt) {
	t.Helper()
	ctx := context.Background()
	store, err := postgres.Open(ctx, postgres.Config{URL: base, Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	head, err := store.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := store.Rows(ctx, 0, int(head.Size)+1)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(rows)) != head.Size {
		t.Fatalf("%d rows for a head of %d entries", len(rows), head.Size)
	}
	byID := make(map[int64]tooltrail.Entry, len(rows))
	for i, e := range rows {
		if e.ID != int64(i+1) {
			t.Fatalf("row %d has id %d: ids are not dense", i, e.ID)
		}
		byID[e.ID] = e
	}
	for id, r := range acked {
		e, ok := byID[id]
		if !ok || tooltrail.LeafHash(e.Leaf) != r.LeafHash {
			t.Errorf("acknowledged entry %d is missing or changed", id)
		}
	}
	k, err := parseKeyFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	v, err := note.NewVerifier(k.verifier)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := tooltrail.Verify(ctx, store, tooltrail.VerifyOptions{Verifier: v})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || rep.Checked != head.Size {
		t.Errorf("verify: %d checked of %d, problems %v", rep.Checked, head.Size, rep.Problems)
	}
}
