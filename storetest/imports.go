package storetest

import (
	"context"
	"testing"

	"github.com/tooltrail/tooltrail"
)

// testImportMarks checks that the marks of imports only move up, are kept
// per source, and survive a purge of every entry.
func testImportMarks(t *testing.T, open OpenFunc) {
	ctx := context.Background()
	store := open(t)
	steps := []struct {
		source  string
		set     int64 // 0: only read
		want    int64
		comment string
	}{
		{"oai-web a", 0, 0, "a new store has no mark"},
		{"oai-web a", 5, 5, "set"},
		{"oai-web a", 3, 5, "never down"},
		{"oai-web b", 0, 0, "marks are per source"},
		{"oai-web b", 2, 2, "another source's own"},
		{"oai-web a", 9, 9, "up again"},
	}
	for _, st := range steps {
		if st.set != 0 {
			if err := store.SetImportMark(ctx, st.source, st.set); err != nil {
				t.Fatalf("%s: SetImportMark: %v", st.comment, err)
			}
		}
		if got, err := store.ImportMark(ctx, st.source); err != nil || got != st.want {
			t.Errorf("%s: ImportMark(%q) = %d, %v; want %d", st.comment, st.source, got, err, st.want)
		}
	}
	log, err := tooltrail.New(ctx, store, tooltrail.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	if _, err := log.Record(ctx, tooltrail.Call{ToolName: "t"}); err != nil {
		t.Fatal(err)
	}
	if _, err := log.Purge(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if got, err := store.ImportMark(ctx, "oai-web a"); err != nil || got != 9 {
		t.Errorf("after a purge of every entry, ImportMark = %d, %v; want 9", got, err)
	}
}
