package sqlite_test

import (
	"context"
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/sqlite"
)

// TestNewerSchemaStopsThisProcess migrates the file behind a running
// store's back, as a newer tooltrail's Open would, and checks that every
// read and write of the log then refuses with an error that says why,
// records nothing, and works again, with nothing lost, once the schema is
// the store's own again.
func TestNewerSchemaStopsThisProcess(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "log.db")
	store, log := openLog(t, path, tooltrail.Config{})
	for range 3 {
		if _, err := log.Record(ctx, tooltrail.Call{ToolName: "indexed"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := store.IndexPending(ctx); err != nil {
		t.Fatal(err)
	}
	sqlite.StopIndexer(store)
	if _, err := log.Record(ctx, tooltrail.Call{ToolName: "waiting"}); err != nil {
		t.Fatal(err)
	}

	db := openFile(t, path)
	defer db.Close()
	var version int
	if err := db.QueryRow("PRAGMA user_version").Scan(&version); err != nil {
		t.Fatal(err)
	}
	setVersion := func(v int) {
		t.Helper()
		if _, err := db.Exec("PRAGMA user_version = " + strconv.Itoa(v)); err != nil {
			t.Fatal(err)
		}
	}
	setVersion(version + 1)

	days := 0
	for _, tc := range []struct {
		name string
		op   func() error
	}{
		{"record", func() error { _, err := log.Record(ctx, tooltrail.Call{ToolName: "refused"}); return err }},
		{"query", func() error { _, err := log.Query(ctx, tooltrail.Filter{}); return err }},
		{"count", func() error { _, err := log.Count(ctx, tooltrail.Filter{ToolName: "indexed"}); return err }},
		{"entry", func() error { _, err := log.Entry(ctx, 1); return err }},
		{"tools", func() error { _, err := log.Tools(ctx, ""); return err }},
		{"purge", func() error { _, err := log.Purge(ctx, &days); return err }},
		{"rows for verify and export", func() error { _, err := store.Rows(ctx, 0, 10); return err }},
		{"index", func() error { return store.IndexPending(ctx) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.op()
			if !errors.Is(err, tooltrail.ErrUnavailable) || !strings.Contains(err.Error(), "newer tooltrail migrated it") {
				t.Fatalf("err = %v, want ErrUnavailable saying a newer tooltrail migrated the file", err)
			}
		})
	}

	setVersion(version)
	if n, err := log.Count(ctx, tooltrail.Filter{}); err != nil || n != 4 {
		t.Errorf("Count after the schema is back = %d, %v; want the 4 recorded before", n, err)
	}
	if _, err := log.Record(ctx, tooltrail.Call{ToolName: "after"}); err != nil {
		t.Fatalf("Record after the schema is back: %v", err)
	}
	if err := store.IndexPending(ctx); err != nil {
		t.Fatal(err)
	}
	if n, err := log.Count(ctx, tooltrail.Filter{}); err != nil || n != 5 {
		t.Errorf("Count = %d, %v; want 5", n, err)
	}
	if rep := verify(t, store); !rep.OK() {
		t.Errorf("verify: %v", rep.Problems)
	}
}
