package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tooltrail/tooltrail"
)

// TestWALStaysBounded records over 100 MB of WAL frames (leaves of 4 KiB
// written into recent, then moved into entries) from 32 goroutines without
// a pause, and checks what an operator watching the data directory would:
// the WAL file never holds more than a fraction of that, because the
// checkpointer copies it into the database file and starts it over while
// the writers go on; and the database file holds the entries before the
// store is closed.
func TestWALStaysBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("writes about 100 MB")
	}
	const (
		records  = 10_000
		callers  = 32
		argBytes = 4 << 10
		maxWAL   = 64 << 20 // without checkpoints beside the writers: over 100 MB
	)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "log.db")
	store, log := openLog(t, path, tooltrail.Config{})
	var (
		largest atomic.Int64
		stop    = make(chan struct{})
		watched sync.WaitGroup
	)
	watched.Go(func() {
		for {
			if fi, err := os.Stat(path + "-wal"); err == nil && fi.Size() > largest.Load() {
				largest.Store(fi.Size())
			}
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	})
	var next atomic.Int64
	var wg sync.WaitGroup
	arg := strings.Repeat("x", argBytes)
	for range callers {
		wg.Go(func() {
			for next.Add(1) <= records {
				if _, err := log.Record(ctx, tooltrail.Call{ToolName: "write_file", Arguments: map[string]string{"content": arg}}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := store.IndexPending(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // a few of the checkpointer's rounds
	close(stop)
	watched.Wait()
	if t.Failed() {
		t.FailNow()
	}
	t.Logf("largest WAL %d MB", largest.Load()>>20)
	if got := largest.Load(); got > maxWAL {
		t.Errorf("the WAL file grew to %d MB while recording, want at most %d MB", got>>20, maxWAL>>20)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if min := int64(records * argBytes); fi.Size() < min {
		t.Errorf("the database file holds %d MB before Close, want at least the %d MB of arguments recorded", fi.Size()>>20, min>>20)
	}
}
