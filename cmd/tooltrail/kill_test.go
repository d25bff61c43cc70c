package main

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/client"
	"github.com/tooltrail/tooltrail/postgres"
)

// TestOneOfTwoServersKilled SIGKILLs one of two servers on one database
// while both are under load: the other keeps recording, every record
// either server acknowledged is in the database, ids are dense and
// unique, and verify finds nothing wrong.
func TestOneOfTwoServersKilled(t *testing.T) {
	ts := startTwoServers(t)
	const callersPerServer = 8
	var (
		mu       sync.Mutex
		acked    = map[int64]tooltrail.Receipt{}
		after    atomic.Int64 // records the survivor acknowledged after the kill
		killed   = make(chan struct{})
		stop     = make(chan struct{})
		wg       sync.WaitGroup
		survived = ts.servers[1]
	)
	for si, s := range ts.servers {
		c := client.New(s.url)
		c.Token = ts.token
		c.HTTPClient = &http.Client{Timeout: 10 * time.Second}
		for g := range callersPerServer {
			wg.Go(func() {
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					r, err := c.Record(context.Background(), tooltrail.Call{
						ToolName: "kill", Arguments: map[string]int{"server": si, "caller": g, "i": i},
						CallID: fmt.Sprintf("s%d-c%d-i%d", si, g, i),
					})
					if err != nil {
						if si == 0 {
							return // the killed server's callers stop at their first error
						}
						t.Errorf("the surviving server failed a record: %v", err)
						return
					}
					mu.Lock()
					if old, dup := acked[r.ID]; dup && old.LeafHash != r.LeafHash {
						t.Errorf("id %d acknowledged for two entries", r.ID)
					}
					acked[r.ID] = r
					mu.Unlock()
					select {
					case <-killed:
						if si == 1 {
							after.Add(1)
						}
					default:
					}
				}
			})
		}
	}
	time.Sleep(time.Second)
	if err := ts.servers[0].cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	ts.servers[0].cmd.Wait()
	close(killed)
	for deadline := time.Now().Add(20 * time.Second); after.Load() < 200 && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	if n := after.Load(); n < 200 {
		t.Fatalf("the surviving server acknowledged %d records in the 20 s after the kill, want at least 200", n)
	}
	if code := survived.stop(t); code != 0 {
		t.Errorf("the surviving server exited %d after SIGTERM, want 0", code)
	}

	ctx := context.Background()
	store, err := postgres.Open(ctx, postgres.Config{URL: ts.base, Schema: ts.schema})
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
	// Dense: entries 1..size, each once; every acknowledgement among them.
	if int64(len(rows)) != head.Size {
		t.Fatalf("%d rows for a head of %d entries", len(rows), head.Size)
	}
	byID := map[int64]tooltrail.Entry{}
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
	rep, err := tooltrail.Verify(ctx, store, tooltrail.VerifyOptions{Verifier: ts.verifier(t)})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || rep.Checked != head.Size {
		t.Errorf("verify: %d checked of %d, problems %v", rep.Checked, head.Size, rep.Problems)
	}
}
