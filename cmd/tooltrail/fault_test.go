package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/internal/pgtest"
	"github.com/tooltrail/tooltrail/postgres"
)

// TestDatabaseGoesAway puts a proxy between the server and PostgreSQL and
// cuts it while callers record: calls in flight fail with 503 within a
// bounded time instead of hanging, nothing acknowledged is lost, and the
// server records again by itself once the database is back.
func TestDatabaseGoesAway(t *testing.T) {
	base := pgtest.URL(t)
	storeURL, schema := freshStore(t, base)
	u, err := url.Parse(storeURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := newFaultProxy(t, u.Host)
	u.Host = proxy.addr()
	q := u.Query()
	q.Set("connect_timeout", "2")
	u.RawQuery = q.Encode()
	dir := t.TempDir()
	seedPostgresToken(t, base, schema, dir)
	srv := startServer(t, dir, "--store", u.String(), "--commit-timeout", "2s")
	c := srv.client(t)
	ctx := context.Background()

	var (
		mu    sync.Mutex
		acked = map[int64]string{}
		seq   int
	)
	record := func() (time.Duration, error) {
		mu.Lock()
		seq++
		n := seq
		mu.Unlock()
		args := fmt.Sprintf(`{"n":%d}`, n)
		begin := time.Now()
		r, err := c.Record(ctx, tooltrail.Call{ToolName: "fault", Arguments: json.RawMessage(args), CallID: fmt.Sprint("call-", n)})
		took := time.Since(begin)
		if err == nil {
			mu.Lock()
			acked[r.ID] = args
			mu.Unlock()
		}
		return took, err
	}
	for range 20 {
		if _, err := record(); err != nil {
			t.Fatal(err)
		}
	}

	// Callers keep recording; the network to the database drops.
	stop := make(chan struct{})
	var (
		wg       sync.WaitGroup
		failures int
		slowest  time.Duration
	)
	for range 8 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				took, err := record()
				if err != nil {
					mu.Lock()
					failures++
					slowest = max(slowest, took)
					mu.Unlock()
					if !errors.Is(err, tooltrail.ErrUnavailable) {
						t.Errorf("record during the cut: %v, want 503 unavailable", err)
					}
				}
			}
		})
	}
	time.Sleep(200 * time.Millisecond)
	proxy.Cut()
	time.Sleep(5 * time.Second)
	close(stop)
	wg.Wait()
	if failures == 0 {
		t.Fatal("no record failed while the database was cut off")
	}
	// A failing call waits for the commit timeout (2s), perhaps behind one
	// batch that does too, and no more.
	if slowest > 8*time.Second {
		t.Errorf("the slowest failing record took %v, want a bounded wait (about 2 commit timeouts)", slowest)
	}
	t.Logf("%d records failed during the cut, the slowest after %v", failures, slowest)

	proxy.Restore()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := record(); err == nil {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("the server did not record again within 30s of the database coming back: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}

	// Nothing acknowledged is lost, and the ids stay dense.
	store, err := postgres.Open(ctx, postgres.Config{URL: base, Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	log, err := tooltrail.New(ctx, store, tooltrail.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	head, err := log.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for id := int64(1); id <= head.Size; id++ {
		e, err := log.Entry(ctx, id)
		if err != nil {
			t.Fatalf("entry %d of %d: %v", id, head.Size, err)
		}
		if want, ok := acked[id]; ok && string(e.Arguments) != want {
			t.Errorf("entry %d holds %s, acknowledged %s", id, e.Arguments, want)
		}
	}
	for id := range acked {
		if id > head.Size {
			t.Errorf("acknowledged entry %d is beyond the head %d", id, head.Size)
		}
	}
	t.Logf("%d acknowledged, %d entries in the log", len(acked), head.Size)
}
