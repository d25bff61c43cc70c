package tooltrail_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/sqlite"
)

func openBatchLog(t *testing.T) *tooltrail.Log {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, sqlite.Config{Path: filepath.Join(t.TempDir(), "log.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	log, err := tooltrail.New(ctx, store, tooltrail.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close() })
	return log
}

// TestRecordBatch checks that a batch records its valid calls in order,
// answers each invalid one with its own error, and replays repeats.
func TestRecordBatch(t *testing.T) {
	ctx := context.Background()
	log := openBatchLog(t)
	calls := []tooltrail.Call{
		{ToolName: "read_file", Arguments: map[string]any{"path": "a"}, CallID: "c1"},
		{ToolName: ""},
		{ToolName: "tooltrail.purge"},
		{ToolName: "write_file", CallID: "c2", UserID: "alice"},
		{ToolName: "read_file", Arguments: map[string]any{"path": "a"}, CallID: "c1"}, // a repeat inside the batch
		{ToolName: "read_file", Arguments: map[string]any{"path": "b"}, CallID: "c1"}, // the same id, other content
	}
	receipts, errs := log.RecordBatch(tooltrail.WithUser(ctx, "bob"), calls)
	if len(receipts) != len(calls) || len(errs) != len(calls) {
		t.Fatalf("got %d receipts and %d errors for %d calls", len(receipts), len(errs), len(calls))
	}
	tests := []struct {
		name     string
		i        int
		wantID   int64
		wantErr  error
		replayed bool
	}{
		{name: "Recorded", i: 0, wantID: 1},
		{name: "ErrToolNameRequired", i: 1, wantErr: tooltrail.ErrInvalidArgument},
		{name: "ErrReservedToolName", i: 2, wantErr: tooltrail.ErrInvalidArgument},
		{name: "RecordedInOrder", i: 3, wantID: 2},
		{name: "ReplayedInBatch", i: 4, wantID: 1, replayed: true},
		{name: "ErrConflict", i: 5, wantErr: tooltrail.ErrConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err, rc := errs[tt.i], receipts[tt.i]
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if rc.ID != tt.wantID || rc.Replayed != tt.replayed {
				t.Errorf("receipt id %d replayed %v, want %d and %v", rc.ID, rc.Replayed, tt.wantID, tt.replayed)
			}
		})
	}
	t.Run("UserOfContext", func(t *testing.T) {
		e, err := log.Entry(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		if e.UserID != "bob" {
			t.Errorf("user %q, want the context's bob", e.UserID)
		}
		e, err = log.Entry(ctx, 2)
		if err != nil {
			t.Fatal(err)
		}
		if e.UserID != "alice" {
			t.Errorf("user %q, want the call's alice", e.UserID)
		}
	})
	t.Run("ReplayedLater", func(t *testing.T) {
		rs, errs := log.RecordBatch(tooltrail.WithUser(ctx, "bob"), calls[:1])
		if errs[0] != nil || !rs[0].Replayed || rs[0].ID != 1 {
			t.Errorf("repeat of c1: %+v, %v; want entry 1 replayed", rs[0], errs[0])
		}
	})
	t.Run("ErrClosed", func(t *testing.T) {
		log.Close()
		_, errs := log.RecordBatch(ctx, []tooltrail.Call{{ToolName: "late"}, {ToolName: "later"}})
		for i, err := range errs {
			if !errors.Is(err, tooltrail.ErrClosed) {
				t.Errorf("errs[%d] = %v, want ErrClosed", i, err)
			}
		}
	})
}

// TestRecordBatch_empty checks that an empty batch records nothing.
func TestRecordBatch_empty(t *testing.T) {
	log := openBatchLog(t)
	rs, errs := log.RecordBatch(context.Background(), nil)
	if len(rs) != 0 || len(errs) != 0 {
		t.Errorf("got %v, %v for no calls", rs, errs)
	}
	if _, err := log.Entry(context.Background(), 1); !errors.Is(err, tooltrail.ErrNotFound) || !strings.Contains(err.Error(), "1") {
		t.Errorf("entry 1 after an empty batch: %v", err)
	}
}
