package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/tooltrail/tooltrail"
)

// TestMigrationFindsEarlierPurges opens databases as the version before
// the purged table left them, after purges that deleted rows, and checks
// that the store takes the gap below the oldest row for purged and reads,
// counts and purges on from there.
func TestMigrationFindsEarlierPurges(t *testing.T) {
	for _, tc := range []struct {
		name      string
		records   int
		purgeUpTo int   // entries purged (and their rows deleted) before the downgrade
		firstLive int64 // the oldest entry left: the purge's own when all went
		live      int64
	}{
		{"nothing recorded", 0, 0, 0, 0},
		{"nothing purged", 10, 0, 1, 10},
		{"oldest three purged", 10, 3, 4, 8},
		{"all purged", 10, 10, 11, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			path := filepath.Join(t.TempDir(), "log.db")
			now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
			clock := func() time.Time { now = now.Add(time.Second); return now }
			store, log := openLog(t, path, tooltrail.Config{Now: clock})
			for range tc.records {
				if _, err := log.Record(ctx, tooltrail.Call{ToolName: "t"}); err != nil {
					t.Fatal(err)
				}
			}
			if tc.purgeUpTo > 0 {
				// Entry i was recorded at 12:00:0i (the clock ticks once a call).
				if _, err := log.PurgeBefore(ctx, time.Date(2026, 12, 1, 12, 0, tc.purgeUpTo+1, 0, time.UTC)); err != nil {
					t.Fatal(err)
				}
			}
			if err := store.ErasePending(ctx); err != nil {
				t.Fatal(err)
			}
			log.Close()
			if err := store.Close(); err != nil {
				t.Fatal(err)
			}
			db := openFile(t, path)
			// Back to the schema of version 7: without purged, import_marks and the
			// call scopes of 0010.
			for _, q := range []string{"DROP TABLE purged", "DROP TABLE import_marks",
				"DROP INDEX entries_call_id", "DROP INDEX recent_call_id",
				"ALTER TABLE entries DROP COLUMN call_scope", "ALTER TABLE recent DROP COLUMN call_scope",
				"CREATE UNIQUE INDEX entries_call_id ON entries (call_id) WHERE call_id IS NOT NULL",
				"CREATE UNIQUE INDEX recent_call_id ON recent (call_id) WHERE call_id IS NOT NULL",
				"PRAGMA user_version = 7"} {
				if _, err := db.Exec(q); err != nil {
					t.Fatal(err)
				}
			}
			db.Close()

			store, log = openLog(t, path, tooltrail.Config{Now: clock})
			if n, err := log.Count(ctx, tooltrail.Filter{}); err != nil || n != tc.live {
				t.Errorf("Count = %d, %v; want %d", n, err, tc.live)
			}
			rows, err := store.Rows(ctx, 0, 1)
			if err != nil {
				t.Fatal(err)
			}
			if tc.live > 0 && (len(rows) != 1 || rows[0].ID != tc.firstLive) {
				t.Errorf("Rows start with %v, want entry %d", rows, tc.firstLive)
			}
			if st := store.Stats(); st.EraseWaiting != 0 {
				t.Errorf("EraseWaiting = %d, want 0", st.EraseWaiting)
			}
			// A purge of everything takes what is live, and nothing twice.
			if n, err := log.Purge(ctx, nil); err != nil || n != tc.live {
				t.Errorf("Purge = %d, %v; want %d", n, err, tc.live)
			}
			if rep := verify(t, store); !rep.OK() {
				t.Errorf("verify: %v", rep.Problems)
			}
		})
	}
}
