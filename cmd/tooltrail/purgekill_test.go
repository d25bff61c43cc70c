package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
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
	"github.com/tooltrail/tooltrail/sqlite"
	"golang.org/x/mod/sumdb/note"
)

// purgeKillEntries is how many entries each purge of TestKilledDuringPurge
// deletes at least: 100,000, but 20,000 on SQLite under the race detector,
// where recording them took 97 s.
func purgeKillEntries(kind string) int {
	if kind == "sqlite" && raceDetector {
		return 20_000
	}
	return 100_000
}

// TestKilledDuringPurge SIGKILLs a server process at several points of a
// purge of at least 100,000 entries (see purgeKillEntries; one the kill
// stopped before it began is tried again with the same entries), on PostgreSQL and on SQLite, and starts it
// again: the purge either happened, recorded and finished by the store
// after the restart, or did not happen at all; the count is what the log's
// last purge entry says is left; and verify finds nothing wrong.
func TestKilledDuringPurge(t *testing.T) {
	if testing.Short() {
		t.Skip("records and purges 100,000 entries several times")
	}
	for _, kind := range []string{"postgres", "sqlite"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			var (
				open  func(t *testing.T) tooltrail.Store
				extra []string
			)
			switch kind {
			case "postgres":
				base := pgtest.URL(t)
				storeURL, schema := freshStore(t, base)
				seedPostgresToken(t, base, schema, dir)
				extra = []string{"--store", storeURL}
				open = func(t *testing.T) tooltrail.Store {
					s, err := postgres.Open(context.Background(), postgres.Config{URL: base, Schema: schema})
					if err != nil {
						t.Fatal(err)
					}
					return s
				}
			default:
				seedAdminToken(t, dir)
				open = func(t *testing.T) tooltrail.Store {
					s, err := sqlite.Open(context.Background(), sqlite.Config{Path: filepath.Join(dir, "tooltrail.db")})
					if err != nil {
						t.Fatal(err)
					}
					return s
				}
			}
			token, err := os.ReadFile(filepath.Join(dir, adminTokenFileName))
			if err != nil {
				t.Fatal(err)
			}
			var happened, notBegun int
			toPurge := 0 // entries live before the purge's cutoff
			for _, after := range []time.Duration{0, 50 * time.Millisecond, 500 * time.Millisecond} {
				if n := purgeKillEntries(kind); toPurge < n {
					begin := time.Now()
					fillLog(t, open(t), n)
					toPurge += n
					t.Logf("recorded %d entries in %v", n, time.Since(begin).Round(time.Millisecond))
				}
				srv := startProcess(t, dir, extra...)
				c := client.New(srv.url)
				c.Token = strings.TrimSpace(string(token))
				c.HTTPClient = &http.Client{Timeout: time.Minute}
				before := lastPurge(t, c)
				purged := make(chan struct{})
				go func() {
					defer close(purged)
					zero := 0
					c.Purge(context.Background(), &zero) // cut off by the kill, or not
				}()
				time.Sleep(after)
				srv.cmd.Process.Kill()
				srv.cmd.Wait()
				<-purged

				srv = startProcess(t, dir, extra...)
				c = client.New(srv.url)
				c.Token = strings.TrimSpace(string(token))
				through, newest := waitPurgeSettled(t, c)
				if through > before {
					happened++
					toPurge = 0
				} else {
					notBegun++
				}
				t.Logf("killed %v into the purge: after the restart, entries up to %d purged (before: %d), newest entry %d",
					after, through, before, newest)
				if code := srv.stop(t); code != 0 {
					t.Fatalf("the restarted server exited %d after SIGTERM", code)
				}
				key, err := os.ReadFile(filepath.Join(dir, keyFileName))
				if err != nil {
					t.Fatal(err)
				}
				verifyStore(t, open(t), key)
			}
			t.Logf("%d kills left the purge done, %d left it not begun", happened, notBegun)
		})
	}
}

// fillLog records n entries into store through a Log of its own, many at
// once, and closes both.
func fillLog(t *testing.T, store tooltrail.Store, n int) {
	t.Helper()
	defer store.Close()
	ctx := context.Background()
	log, err := tooltrail.New(ctx, store, tooltrail.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	const callers = 128
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for g := range callers {
		wg.Go(func() {
			for i := g; i < n; i += callers {
				if _, err := log.Record(ctx, tooltrail.Call{
					ToolName: fmt.Sprint("tool_", i%7), UserID: fmt.Sprint("user_", i%5),
					Arguments: map[string]int{"i": i}, Confirmed: i%3 == 0,
				}); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// lastPurge returns the purged_through of the newest purge entry, or 0.
func lastPurge(t *testing.T, c *client.Client) int64 {
	t.Helper()
	page, err := c.Query(context.Background(), tooltrail.Filter{ToolName: tooltrail.PurgeTool, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range page.Entries {
		if e.ToolName != tooltrail.PurgeTool {
			continue
		}
		var args struct {
			Through *int64 `json:"purged_through"`
		}
		if err := json.Unmarshal(e.Arguments, &args); err != nil || args.Through == nil {
			t.Fatalf("purge entry %d has arguments %s: %v", e.ID, e.Arguments, err)
		}
		return *args.Through
	}
	return 0
}

// waitPurgeSettled waits until the log's count is what its newest purge
// entry says is left (the store finishes a purge a crash cut off), and
// returns that purge's purged_through and the newest entry's id.
func waitPurgeSettled(t *testing.T, c *client.Client) (through, newest int64) {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(90 * time.Second)
	for {
		through = lastPurge(t, c)
		page, err := c.Query(ctx, tooltrail.Filter{Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Entries) == 1 {
			newest = page.Entries[0].ID
		}
		n, err := c.Count(ctx, tooltrail.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if n == newest-through {
			return through, newest
		}
		if time.Now().After(deadline) {
			t.Fatalf("90 s after the restart the log counts %d entries, where its last purge (through %d) leaves %d", n, through, newest-through)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// verifyStore verifies store, with the log's key file, and closes it.
func verifyStore(t *testing.T, store tooltrail.Store, keyFile []byte) {
	t.Helper()
	defer store.Close()
	k, err := parseKeyFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	v, err := note.NewVerifier(k.verifier)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := tooltrail.Verify(context.Background(), store, tooltrail.VerifyOptions{Verifier: v})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Errorf("verify: %v", rep.Problems)
	}
}
