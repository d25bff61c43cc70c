package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/sqlite"
)

// TestPurgedRowsWaitingForTheEraser purges entries some of which are
// indexed and some still waiting in recent while the eraser (and the
// indexer, until the test moves what waits) is stopped,
// and checks that nothing reads them though their rows are still in the
// file, that their call ids are free again, that the indexer does not
// count them back, and that the next Open erases them.
func TestPurgedRowsWaitingForTheEraser(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "log.db")
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	store, log := openLog(t, path, tooltrail.Config{Now: clock})
	call := func(i int) tooltrail.Call {
		return tooltrail.Call{
			ToolName: []string{"read_file", "write_file", "search"}[i%3], Arguments: []byte(fmt.Sprintf(`{"i":%d}`, i)),
			SessionID: fmt.Sprintf("s%d", i%2), UserID: fmt.Sprintf("u%d", i%4), Confirmed: i%5 == 0, CallID: fmt.Sprintf("c%d", i),
		}
	}
	record := func(log *tooltrail.Log, i int) tooltrail.Receipt {
		t.Helper()
		now = now.Add(time.Second)
		r, err := log.Record(ctx, call(i))
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	for i := 1; i <= 20; i++ {
		record(log, i)
	}
	sqlite.StopIndexer(store)
	for i := 21; i <= 30; i++ {
		record(log, i)
	}
	if st := store.Stats(); st.IndexWaiting != 10 {
		t.Fatalf("IndexWaiting = %d, want entries 21 to 30", st.IndexWaiting)
	}
	sqlite.StopEraser(store)
	// Entries 1 to 24: twenty indexed, four waiting in recent.
	deleted, err := log.PurgeBefore(ctx, time.Date(2026, 12, 1, 12, 0, 25, 0, time.UTC))
	if err != nil || deleted != 24 {
		t.Fatalf("PurgeBefore = %d, %v; want 24", deleted, err)
	}
	db := openFile(t, path)
	if left := rowsUpTo(t, db, 24); left != 24 {
		t.Fatalf("%d rows of purged entries in the file, want all 24 (the eraser is stopped)", left)
	}
	if st := store.Stats(); st.EraseWaiting != 24 {
		t.Errorf("EraseWaiting = %d, want 24", st.EraseWaiting)
	}
	// Call ids of purged entries are free: recording them again makes new
	// entries (32 and 33; 31 is the purge's), indexed and waiting.
	if r := record(log, 3); r.ID != 32 {
		t.Errorf("call id of purged entry 3 recorded again: id %d, want a new entry 32", r.ID)
	}
	if r := record(log, 23); r.ID != 33 {
		t.Errorf("call id of purged entry 23 recorded again: id %d, want a new entry 33", r.ID)
	}
	// ids holds what the log holds now, oldest first, with the call each
	// came from (0 for the purge's own).
	live := map[int64]int{31: 0, 32: 3, 33: 23}
	for i := 25; i <= 30; i++ {
		live[int64(i)] = i
	}
	check := func(stage string, log *tooltrail.Log, store *sqlite.Store) {
		t.Helper()
		for _, tc := range []struct {
			name string
			f    tooltrail.Filter
			keep func(i int) bool
		}{
			{"none", tooltrail.Filter{}, func(int) bool { return true }},
			{"tool", tooltrail.Filter{ToolName: "search"}, func(i int) bool { return i > 0 && i%3 == 2 }},
			{"user", tooltrail.Filter{UserID: "u3"}, func(i int) bool { return i > 0 && i%4 == 3 }},
			{"confirmed", tooltrail.Filter{ConfirmedOnly: true}, func(i int) bool { return i > 0 && i%5 == 0 }},
			{"tool and user", tooltrail.Filter{ToolName: "read_file", UserID: "u3"}, func(i int) bool { return i > 0 && i%3 == 0 && i%4 == 3 }},
			{"session", tooltrail.Filter{SessionID: "s1"}, func(i int) bool { return i > 0 && i%2 == 1 }},
			{"end", tooltrail.Filter{End: time.Date(2026, 12, 1, 12, 0, 27, 0, time.UTC)}, func(i int) bool { return i > 0 && i <= 27 }},
		} {
			var want []int64
			for id := int64(40); id >= 1; id-- {
				if i, ok := live[id]; ok && tc.keep(i) && (tc.f.End.IsZero() || id <= 27) {
					want = append(want, id)
				}
			}
			n, err := log.Count(ctx, tc.f)
			if err != nil || n != int64(len(want)) {
				t.Errorf("%s: count(%s) = %d, %v; want %d", stage, tc.name, n, err, len(want))
			}
			f := tc.f
			f.Limit = 100
			page, err := log.Query(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, e := range page.Entries {
				got = append(got, e.ID)
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s: query(%s) = %v, want %v", stage, tc.name, got, want)
			}
		}
		tools, err := log.Tools(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		wantTools := []tooltrail.ToolCount{{Name: "read_file", Count: 3}, {Name: "search", Count: 3}, {Name: tooltrail.PurgeTool, Count: 1}, {Name: "write_file", Count: 2}}
		if !slices.Equal(tools, wantTools) {
			t.Errorf("%s: tools %v, want %v", stage, tools, wantTools)
		}
		for id := int64(1); id <= 24; id++ {
			if _, err := store.Leaf(ctx, id); err == nil {
				t.Errorf("%s: Leaf(%d) of a purged entry found it", stage, id)
			}
		}
		rows, err := store.Rows(ctx, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != len(live) || rows[0].ID != 25 {
			t.Errorf("%s: Rows gave %d rows from %d, want %d from 25", stage, len(rows), rows[0].ID, len(live))
		}
		if rep := verify(t, store); !rep.OK() || rep.PurgedThrough != 24 {
			t.Errorf("%s: verify: %v, purged through %d; want no problem, 24", stage, rep.Problems, rep.PurgedThrough)
		}
	}
	check("before the erasure", log, store)
	// The indexer drops the purged entries that waited in recent, moves
	// the rest, and counts only those.
	if err := store.IndexPending(ctx); err != nil {
		t.Fatal(err)
	}
	check("after the move", log, store)
	if err := log.Close(); err != nil {
		t.Fatal(err)
	}
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
	if left := rowsUpTo(t, db, 24); left == 0 {
		t.Fatal("the purged rows are gone before any eraser ran")
	}
	store, log = openLog(t, path, tooltrail.Config{Now: clock})
	for deadline := time.Now().Add(10 * time.Second); store.Stats().EraseWaiting > 0 || rowsUpTo(t, db, 24) > 0; {
		if time.Now().After(deadline) {
			t.Fatalf("after Open: %d rows of purged entries left (EraseWaiting %d), want none", rowsUpTo(t, db, 24), store.Stats().EraseWaiting)
		}
		time.Sleep(10 * time.Millisecond)
	}
	check("after the erasure", log, store)
}

// rowsUpTo returns how many rows entries and recent hold with ids up to id.
func rowsUpTo(t *testing.T, db *sql.DB, id int64) int {
	t.Helper()
	var n int
	if err := db.QueryRow("SELECT (SELECT count(*) FROM entries WHERE id <= ?1) + (SELECT count(*) FROM recent WHERE id <= ?1)", id).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestCountsAgreeWithRowsAfterPurgesWhileRecording purges the newest
// entries over and over while 8 writers record, so that purges cut among
// entries the indexer is moving meanwhile, and checks that every count the
// counts table answers agrees with the entries left, and that the log
// verifies.
func TestCountsAgreeWithRowsAfterPurgesWhileRecording(t *testing.T) {
	ctx := context.Background()
	store, log := openLog(t, filepath.Join(t.TempDir(), "log.db"), tooltrail.Config{})
	const records = 4000
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i := next.Add(1); i <= records; i = next.Add(1) {
				c := tooltrail.Call{ToolName: fmt.Sprintf("tool_%d", i%5), Confirmed: i%2 == 0}
				if i%4 != 0 {
					c.UserID = fmt.Sprintf("user_%d", i%3)
				}
				if _, err := log.Record(ctx, c); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	purges := 0
	for next.Load() < records {
		if _, err := log.PurgeBefore(ctx, time.Now().Add(-time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		purges++
		time.Sleep(2 * time.Millisecond)
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	if err := store.IndexPending(ctx); err != nil {
		t.Fatal(err)
	}
	if err := store.ErasePending(ctx); err != nil {
		t.Fatal(err)
	}
	// What each filter matches among the entries left.
	want := map[string]int64{}
	key := func(f tooltrail.Filter) string { return fmt.Sprintf("%q %q %t", f.ToolName, f.UserID, f.ConfirmedOnly) }
	var filters []tooltrail.Filter
	for _, tool := range []string{"", "tool_0", "tool_3", tooltrail.PurgeTool} {
		for _, user := range []string{"", "user_1", "user_2"} {
			for _, confirmed := range []bool{false, true} {
				filters = append(filters, tooltrail.Filter{ToolName: tool, UserID: user, ConfirmedOnly: confirmed})
			}
		}
	}
	for after := int64(0); ; {
		rows, err := store.Rows(ctx, after, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) == 0 {
			break
		}
		for _, e := range rows {
			for _, f := range filters {
				if (f.ToolName == "" || f.ToolName == e.ToolName) && (f.UserID == "" || f.UserID == e.UserID) && (!f.ConfirmedOnly || e.Confirmed) {
					want[key(f)]++
				}
			}
		}
		after = rows[len(rows)-1].ID
	}
	for _, f := range filters {
		if n, err := log.Count(ctx, f); err != nil || n != want[key(f)] {
			t.Errorf("Count(%s) = %d, %v; the entries left hold %d", key(f), n, err, want[key(f)])
		}
	}
	if rep := verify(t, store); !rep.OK() {
		t.Errorf("verify after %d purges: %v", purges, rep.Problems)
	}
	t.Logf("%d purges; %d entries left", purges, want[key(tooltrail.Filter{})])
}

// TestEraserFindsAnotherProcessPurge purges through a second store on the
// same file, as a second process would, whose eraser does not run and
// which closes: the first store's eraser must find the purged rows by
// itself, and its Stats then say none is left.
func TestEraserFindsAnotherProcessPurge(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "log.db")
	store, log := openLog(t, path, tooltrail.Config{})
	recordIndexed(t, store, log, 20)
	other, err := sqlite.Open(ctx, sqlite.Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	sqlite.StopEraser(other)
	if n, err := other.Purge(ctx, 20); err != nil || n != 20 {
		t.Fatalf("Purge through the other store = %d, %v; want 20", n, err)
	}
	if err := other.Close(); err != nil {
		t.Fatal(err)
	}
	db := openFile(t, path)
	if left := rowsUpTo(t, db, 20); left == 0 {
		t.Fatal("the purged rows are gone before the first store's eraser looked")
	}
	for deadline := time.Now().Add(30 * time.Second); rowsUpTo(t, db, 20) > 0; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("30 s after another process purged, %d purged rows are left (EraseWaiting %d)", rowsUpTo(t, db, 20), store.Stats().EraseWaiting)
		}
	}
	if st := store.Stats(); st.EraseWaiting != 0 {
		t.Errorf("EraseWaiting = %d after the erasure, want 0", st.EraseWaiting)
	}
}
