package postgres

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/internal/pgtest"
)

// TestGuardRefusesAStaleHead hands the one-round-trip append a head the
// log has moved past, with a batch whose id is taken: the guard on the
// head row must refuse it (a division by zero, not the taken id's unique
// violation, which would mean the writes ran), and nothing may change.
func TestGuardRefusesAStaleHead(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	s, err := Open(ctx, Config{URL: url, Schema: pgtest.FreshSchema(t, url)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	log, err := tooltrail.New(ctx, s, tooltrail.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	var heads []tooltrail.Head
	for range 2 {
		if _, err := log.Record(ctx, tooltrail.Call{ToolName: "read"}); err != nil {
			t.Fatal(err)
		}
		h, err := s.Head(ctx)
		if err != nil {
			t.Fatal(err)
		}
		heads = append(heads, h)
	}
	stale := heads[0]
	e := tooltrail.Entry{ID: stale.Size + 1, Timestamp: time.Now().UTC(), ToolName: "read", Arguments: []byte("{}")}
	e.Leaf = tooltrail.EncodeLeaf(e)
	seal := func(ctx context.Context, tx tooltrail.AppendTx) (*tooltrail.Batch, error) {
		return &tooltrail.Batch{Entries: []tooltrail.Entry{e}, Head: tooltrail.Head{Size: stale.Size + 1, Root: tooltrail.LeafHash(e.Leaf), LastTime: e.Timestamp}}, nil
	}
	err = s.appendUnlocked(ctx, seal, stale, nil)
	var pgErr *pgconn.PgError
	if !errors.Is(err, errRaced) || !errors.As(err, &pgErr) || pgErr.Code != codeDivisionByZero {
		t.Fatalf("appendUnlocked on a stale head = %v, want errRaced from the guard (SQLSTATE %s)", err, codeDivisionByZero)
	}
	if h, err := s.Head(ctx); err != nil || h != heads[1] {
		t.Fatalf("head after the refused append = %+v, %v; want %+v", h, err, heads[1])
	}
	if n, err := s.Count(ctx, tooltrail.Filter{}); err != nil || n != 2 {
		t.Fatalf("Count = %d, %v; want 2", n, err)
	}
}
