package postgres_test

import (
	"context"
	"errors"
	"testing"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/internal/pgtest"
	"github.com/tooltrail/tooltrail/postgres"
)

// TestAppendFailsClosed makes appends fail in the ways a store sees: each
// writes nothing, and leaves the one connection of the pool fit for the
// next append.
func TestAppendFailsClosed(t *testing.T) {
	url := pgtest.URL(t)
	store, err := postgres.Open(context.Background(), postgres.Config{URL: url, Schema: pgtest.FreshSchema(t, url), MaxConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	errSeal := errors.New("seal failed")
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		ctx  context.Context
		seal tooltrail.SealFunc
		want error // what the error wraps; nil: any error but ErrUnavailable
	}{
		{"SealErrorReturnedAsIs", context.Background(), func(ctx context.Context, tx tooltrail.AppendTx) (*tooltrail.Batch, error) {
			return nil, errSeal
		}, errSeal},
		{"ErrBatchNotExtendingHead", context.Background(), func(ctx context.Context, tx tooltrail.AppendTx) (*tooltrail.Batch, error) {
			h := tx.Head()
			return &tooltrail.Batch{Entries: []tooltrail.Entry{{ID: h.Size + 1, ToolName: "t", Leaf: []byte("{}")}}, Head: h}, nil
		}, nil},
		{"ErrUnavailableOnDuplicateID", context.Background(), func(ctx context.Context, tx tooltrail.AppendTx) (*tooltrail.Batch, error) {
			h := tx.Head()
			e := tooltrail.Entry{ID: h.Size + 1, ToolName: "t", Leaf: []byte("{}")}
			h.Size += 2
			return &tooltrail.Batch{Entries: []tooltrail.Entry{e, e}, Head: h}, nil
		}, tooltrail.ErrUnavailable},
		{"ErrUnavailableOnCanceledContext", canceled, func(ctx context.Context, tx tooltrail.AppendTx) (*tooltrail.Batch, error) {
			t.Error("seal ran under a canceled context")
			return nil, nil
		}, tooltrail.ErrUnavailable},
	}
	log := newLog(t, store)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, err := store.Head(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			err = store.Append(tt.ctx, tt.seal)
			switch {
			case err == nil:
				t.Fatal("Append succeeded, want an error")
			case tt.want != nil && !errors.Is(err, tt.want):
				t.Fatalf("Append: %v, want %v", err, tt.want)
			case tt.want == nil && errors.Is(err, tooltrail.ErrUnavailable):
				t.Fatalf("Append: %v, want an error of the batch, not ErrUnavailable", err)
			}
			after, err := store.Head(context.Background())
			if err != nil || after != before {
				t.Fatalf("head moved from %+v to %+v (%v)", before, after, err)
			}
			if _, err := log.Record(context.Background(), tooltrail.Call{ToolName: "next"}); err != nil {
				t.Fatalf("Record after the failed append: %v", err)
			}
		})
	}
	t.Run("NamesOfFailedAppendsNotCached", func(t *testing.T) {
		// The failed appends inserted the name "t" and rolled it back: an id
		// cached from them would name nothing.
		if _, err := log.Record(context.Background(), tooltrail.Call{ToolName: "t"}); err != nil {
			t.Fatal(err)
		}
		tools, err := log.Tools(context.Background(), "")
		if err != nil {
			t.Fatal(err)
		}
		if len(tools) != 2 || tools[1] != (tooltrail.ToolCount{Name: "t", Count: 1}) {
			t.Errorf("Tools() = %v, want next and t once", tools)
		}
	})
}
