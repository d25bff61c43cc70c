package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/tooltrail/tooltrail"
)

// TestPurgeManyChunks purges a log of many purge chunks (which start at a
// few hundred entries), some of its entries still waiting for the indexer,
// and checks what an operator would: every entry deleted, none left to
// count or list but the purge's own, and the log still verifying.
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
	if st := store.Stats(); st.IndexWaiting > 1 {
		t.Errorf("IndexWaiting after the purge = %d, want at most the purge's own entry", st.IndexWaiting)
	}
	if rep := verify(t, store); !rep.OK() {
		t.Errorf("verify after the purge: %v", rep.Problems)
	}
}
