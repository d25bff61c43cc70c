package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/sqlite"
	"golang.org/x/mod/sumdb/note"
)

// TestReadsAcrossTheIndexerBoundary records 30 entries, has the first 20
// moved into the indexes and leaves the last 10 waiting, and checks that
// every page, count and tool list is what the whole log gives, wherever it
// falls on the two tables.
func TestReadsAcrossTheIndexerBoundary(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	store, log := openLog(t, filepath.Join(t.TempDir(), "log.db"), tooltrail.Config{Now: func() time.Time { return now }})
	record := func(i int) {
		now = now.Add(time.Second)
		_, err := log.Record(ctx, tooltrail.Call{
			ToolName: []string{"read_file", "write_file", "search"}[i%3], Arguments: []byte(fmt.Sprintf(`{"i":%d}`, i)),
			SessionID: fmt.Sprintf("s%d", i%2), UserID: fmt.Sprintf("u%d", i%4), Confirmed: i%5 == 0,
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for i := 1; i <= 20; i++ {
		record(i)
	}
	if err := store.IndexPending(ctx); err != nil {
		t.Fatal(err)
	}
	for i := 21; i <= 30; i++ {
		record(i)
	}
	// The entry i has id i; want gives the ids a filter matches, newest first.
	match := func(keep func(i int) bool) []int64 {
		var ids []int64
		for i := 30; i >= 1; i-- {
			if keep(i) {
				ids = append(ids, int64(i))
			}
		}
		return ids
	}
	start := time.Date(2026, 12, 1, 12, 0, 15, 0, time.UTC) // entry 15
	end := time.Date(2026, 12, 1, 12, 0, 25, 0, time.UTC)   // entry 25
	for _, tc := range []struct {
		name string
		f    tooltrail.Filter
		want []int64
	}{
		{"none", tooltrail.Filter{}, match(func(int) bool { return true })},
		{"tool", tooltrail.Filter{ToolName: "search"}, match(func(i int) bool { return i%3 == 2 })},
		{"tool substring", tooltrail.Filter{ToolName: "_file"}, match(func(i int) bool { return i%3 != 2 })},
		{"session", tooltrail.Filter{SessionID: "s1"}, match(func(i int) bool { return i%2 == 1 })},
		{"user", tooltrail.Filter{UserID: "u2"}, match(func(i int) bool { return i%4 == 2 })},
		{"confirmed", tooltrail.Filter{ConfirmedOnly: true}, match(func(i int) bool { return i%5 == 0 })},
		{"start", tooltrail.Filter{Start: start}, match(func(i int) bool { return i >= 15 })},
		{"end", tooltrail.Filter{End: end}, match(func(i int) bool { return i <= 25 })},
		{"start and end", tooltrail.Filter{Start: start, End: end}, match(func(i int) bool { return i >= 15 && i <= 25 })},
		{"start, tool", tooltrail.Filter{Start: start, ToolName: "read_file"}, match(func(i int) bool { return i >= 15 && i%3 == 0 })},
		{"recent only", tooltrail.Filter{Start: time.Date(2026, 12, 1, 12, 0, 22, 0, time.UTC)}, match(func(i int) bool { return i >= 22 })},
		{"indexed only", tooltrail.Filter{End: time.Date(2026, 12, 1, 12, 0, 12, 0, time.UTC)}, match(func(i int) bool { return i <= 12 })},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := log.Count(ctx, tc.f)
			if err != nil || n != int64(len(tc.want)) {
				t.Errorf("count: %d, %v; want %d", n, err, len(tc.want))
			}
			for limit := 1; limit <= 12; limit += 5 {
				for offset := 0; offset <= len(tc.want)+1; offset++ {
					f := tc.f
					f.Limit, f.Offset = limit, offset
					page, err := log.Query(ctx, f)
					if err != nil {
						t.Fatalf("limit %d offset %d: %v", limit, offset, err)
					}
					var got []int64
					for _, e := range page.Entries {
						got = append(got, e.ID)
					}
					want := tc.want[min(offset, len(tc.want)):min(offset+limit, len(tc.want))]
					if !slices.Equal(got, want) {
						t.Errorf("limit %d offset %d: got %v, want %v", limit, offset, got, want)
					}
				}
			}
			// Cursor pages of 4 walk the whole result.
			var walked []int64
			f := tc.f
			f.Limit = 4
			for {
				page, err := log.Query(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				for _, e := range page.Entries {
					walked = append(walked, e.ID)
				}
				if page.NextCursor == "" {
					break
				}
				f.Cursor = page.NextCursor
			}
			if !slices.Equal(walked, tc.want) {
				t.Errorf("cursor walk: %v, want %v", walked, tc.want)
			}
		})
	}
	tools, err := log.Tools(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	want := []tooltrail.ToolCount{{Name: "read_file", Count: 10}, {Name: "search", Count: 10}, {Name: "write_file", Count: 10}}
	if !slices.Equal(tools, want) {
		t.Errorf("tools: %v, want %v", tools, want)
	}
	for _, id := range []int64{1, 20, 21, 30} {
		if _, err := store.Leaf(ctx, id); err != nil {
			t.Errorf("leaf %d: %v", id, err)
		}
	}
}

// TestTwoStoresOnOneFile appends through two stores on the same file in
// turn, as serve and a token command do: each finds a head the other made,
// so its cached frontier misses and it reads the tree from the file, and
// each one's indexer moves the other's entries too. The tree must verify.
func TestTwoStoresOnOneFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "log.db")
	var logs []*tooltrail.Log
	var stores []*sqlite.Store
	for range 2 {
		s, l := openLog(t, path, tooltrail.Config{})
		logs, stores = append(logs, l), append(stores, s)
	}
	for i := range 40 {
		if _, err := logs[i%3%2].Record(ctx, tooltrail.Call{ToolName: "t", Arguments: []byte(fmt.Sprintf(`{"i":%d}`, i))}); err != nil {
			t.Fatal(err)
		}
		if i%7 == 0 {
			if err := stores[i%2].IndexPending(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i, s := range stores {
		if rep := verify(t, s); !rep.OK() || rep.Size != 40 || rep.Checked != 40 {
			t.Fatalf("store %d: verify = %+v", i, rep)
		}
		if n, err := logs[i].Count(ctx, tooltrail.Filter{ToolName: "t"}); err != nil || n != 40 {
			t.Errorf("store %d: count = %d, %v", i, n, err)
		}
	}
}

// TestVerifyFindsARowBesideItsIndexedCopy writes, behind the store's back
// and past its guards, a row into recent with the id of an indexed entry:
// queries would show the entry twice, so Verify must name it.
func TestVerifyFindsARowBesideItsIndexedCopy(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "log.db")
	store, log := openLog(t, path, tooltrail.Config{})
	for i := range 12 {
		if _, err := log.Record(ctx, tooltrail.Call{ToolName: "t", Arguments: []byte(fmt.Sprintf(`{"i":%d}`, i))}); err != nil {
			t.Fatal(err)
		}
	}
	if err := store.IndexPending(ctx); err != nil {
		t.Fatal(err)
	}
	db := openFile(t, path)
	copyRow := "INSERT INTO recent (id, ts, tool, session, task, user, confirmed, call_id, leaf) SELECT id, ts, tool, session, task, user, confirmed, call_id, CAST(replace(CAST(leaf AS TEXT), '\"i\":4', '\"i\":9') AS BLOB) FROM entries WHERE id = 5"
	if _, err := db.ExecContext(ctx, copyRow); err == nil || !strings.Contains(err.Error(), "newer than every indexed one") {
		t.Fatalf("the guard let the copy in: %v", err)
	}
	for _, q := range []string{"DROP TRIGGER recent_above_entries", copyRow} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if rep := verify(t, store); rep.OK() || rep.Problems[0].ID != 5 || !strings.Contains(rep.Problems[0].What, "stored more than once") {
		t.Fatalf("verify = %+v, want entry 5 named as stored twice", rep.Problems)
	}
}

// TestIndexerFailureLosesNothing puts a row into recent that cannot move
// (its call_id is an indexed entry's): the move fails and says so, and
// every entry recorded stays readable, before and after.
func TestIndexerFailureLosesNothing(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "log.db")
	store, err := sqlite.Open(ctx, sqlite.Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	log, err := tooltrail.New(ctx, store, tooltrail.Config{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if _, err := log.Record(ctx, tooltrail.Call{ToolName: "t", CallID: fmt.Sprintf("c%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := store.IndexPending(ctx); err != nil {
		t.Fatal(err)
	}
	db := openFile(t, path)
	if _, err := db.ExecContext(ctx, "INSERT INTO recent (id, ts, tool, session, task, user, confirmed, call_id, leaf) SELECT id + 100, ts, tool, session, task, user, confirmed, call_id, leaf FROM entries WHERE id = 2"); err != nil {
		t.Fatal(err)
	}
	if err := store.IndexPending(ctx); err == nil || !errors.Is(err, tooltrail.ErrUnavailable) {
		t.Fatalf("IndexPending = %v, want the failed move", err)
	}
	// Appends go on; what waits is read from recent.
	if _, err := log.Record(ctx, tooltrail.Call{ToolName: "after"}); err != nil {
		t.Fatal(err)
	}
	if n, err := log.Count(ctx, tooltrail.Filter{}); err != nil || n != 7 {
		t.Errorf("count = %d, %v; want the 5 entries, the stray row and the new one", n, err)
	}
	if e, err := log.Entry(ctx, 6); err != nil || e.ToolName != "after" {
		t.Errorf("entry 6 = %+v, %v", e, err)
	}
	log.Close()
	if err := store.Close(); err == nil {
		t.Error("Close said nothing of the move that failed")
	}
}

// openLog opens a store on the file at path and a Log on it, both closed
// when the test ends (the Log first).
func openLog(t *testing.T, path string, cfg tooltrail.Config) (*sqlite.Store, *tooltrail.Log) {
	t.Helper()
	store, err := sqlite.Open(context.Background(), sqlite.Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	log, err := tooltrail.New(context.Background(), store, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close() })
	return store, log
}

// openFile opens a plain connection to the database file at path, as a
// tool other than tooltrail would.
func openFile(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+url.PathEscape(path)+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// verify runs Verify on a store no notary signed, with a key of its own.
func verify(t *testing.T, store tooltrail.Store) *tooltrail.VerifyReport {
	t.Helper()
	_, vkey, err := tooltrail.GenerateKey("test.tooltrail")
	if err != nil {
		t.Fatal(err)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := tooltrail.Verify(context.Background(), store, tooltrail.VerifyOptions{Verifier: v})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}
