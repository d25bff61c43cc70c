package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tooltrail/tooltrail"
)

// TestPurgeManyChunks purges a log of many of the eraser's chunks (which
// start at a few hundred rows), some of its entries still waiting for the
// indexer, and checks what an operator would: every entry deleted, none
// left to count or list but the purge's own, the eraser done, and the log
// still verifying.
func TestPurgeManyChunks(t *testing.T) {
	ctx := context.Background()
	const records = 3600
	store, log := openLog(t, filepath.Join(t.TempDir(), "log.db"), tooltrail.Config{})
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for i := next.Add(1); i <= records; i = next.Add(1) {
				call := tooltrail.Call{ToolName: fmt.Sprintf("tool_%d", i%7), UserID: fmt.Sprintf("user_%d", i%3), Confirmed: i%2 == 0}
				if _, err := log.Record(ctx, call); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	deleted, err := log.Purge(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if deleted != records {
		t.Fatalf("Purge deleted %d entries, want %d", deleted, records)
	}
	if n, err := log.Count(ctx, tooltrail.Filter{}); err != nil || n != 1 {
		t.Errorf("Count after the purge = %d, %v; want 1 (the purge's own entry)", n, err)
	}
	for _, f := range []tooltrail.Filter{{ToolName: "tool_3"}, {UserID: "user_1"}, {ConfirmedOnly: true}} {
		if n, err := log.Count(ctx, f); err != nil || n != 0 {
			t.Errorf("Count(%+v) after the purge = %d, %v; want 0", f, n, err)
		}
	}
	tools, err := store.Tools(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(tools) != 1 || tools[0].Name != tooltrail.PurgeTool || tools[0].Count != 1 {
		t.Errorf("Tools after the purge = %+v, want only the purge's entry", tools)
	}
	// The eraser deletes the purged rows, those still in recent too, in
	// many chunks.
	for deadline := time.Now().Add(20 * time.Second); store.Stats().EraseWaiting > 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("EraseWaiting = %d 20 s after the purge, want 0", store.Stats().EraseWaiting)
		}
	}
	if st := store.Stats(); st.IndexWaiting > 1 {
		t.Errorf("IndexWaiting after the erasure = %d, want at most the purge's own entry", st.IndexWaiting)
	}
	if rep := verify(t, store); !rep.OK() {
		t.Errorf("verify after the purge: %v", rep.Problems)
	}
}
