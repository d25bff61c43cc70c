package sqlite_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/sqlite"
)

// TestVerifyFindsAPurgeNobodyRecorded moves purged's through past entries
// no purge took, over a plain connection: the store then reads them as
// purged, and Verify must say that they are missing without a purge, and
// the trigger must refuse to move it back.
func TestVerifyFindsAPurgeNobodyRecorded(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "log.db")
	store, log := openLog(t, path, tooltrail.Config{})
	recordIndexed(t, store, log, 10)
	db := openFile(t, path)
	if _, err := db.Exec("UPDATE purged SET through = 4"); err != nil {
		t.Fatal(err)
	}
	if page, err := log.Query(ctx, tooltrail.Filter{Limit: 100}); err != nil || len(page.Entries) != 6 {
		t.Errorf("Query = %d entries, %v; want the 6 above the moved through", len(page.Entries), err)
	}
	if rep := verify(t, store); rep.OK() {
		t.Error("verify found nothing wrong with four entries gone and no purge recorded")
	}
	if _, err := db.Exec("UPDATE purged SET through = 0"); err == nil {
		t.Error("the trigger let through move back")
	}
}

// TestVerifyFindsAPurgeUndone purges the oldest entries with the eraser
// stopped, so that their rows are still in the file, and then moves
// purged's through and intent back over a plain connection, as someone who drops the
// trigger could: the entries are readable again, and Verify must say that
// a purge recorded their removal.
func TestVerifyFindsAPurgeUndone(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "log.db")
	store, log := openLog(t, path, tooltrail.Config{})
	recordIndexed(t, store, log, 10)
	sqlite.StopEraser(store)
	if n, err := log.Purge(ctx, nil); err != nil || n != 10 {
		t.Fatalf("Purge = %d, %v; want 10", n, err)
	}
	if rep := verify(t, store); !rep.OK() {
		t.Fatalf("verify after the purge: %v", rep.Problems)
	}
	db := openFile(t, path)
	for _, q := range []string{"DROP TRIGGER purged_forward", "DROP TRIGGER purged_intent_forward", "UPDATE purged SET through = 0, intent = 0"} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if page, err := log.Query(ctx, tooltrail.Filter{Limit: 100}); err != nil || len(page.Entries) != 11 {
		t.Fatalf("Query after undoing the purge = %d entries, %v; want the 10 back and the purge's", len(page.Entries), err)
	}
	rep := verify(t, store)
	if rep.OK() {
		t.Fatal("verify found nothing wrong with a purge undone")
	}
	if p := rep.Problems[0]; p.ID != 1 || !strings.Contains(p.What, "purge") {
		t.Errorf("first problem %+v, want one at entry 1 that names the purge", p)
	}
}

// recordIndexed records n entries of tool "t" and moves them into the
// indexes, where only the eraser deletes purged rows (the indexer drops
// those still in recent).
func recordIndexed(t *testing.T, store *sqlite.Store, log *tooltrail.Log, n int) {
	t.Helper()
	for range n {
		if _, err := log.Record(context.Background(), tooltrail.Call{ToolName: "t"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := store.IndexPending(context.Background()); err != nil {
		t.Fatal(err)
	}
}
