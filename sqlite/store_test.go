package sqlite_test

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/sqlite"
	"github.com/tooltrail/tooltrail/storetest"
)

func openTemp(t *testing.T) tooltrail.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), sqlite.Config{Path: filepath.Join(t.TempDir(), "log.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// indexingStore moves entries into the indexes after every every-th
// append, so that the suite also reads logs whose entries are all indexed,
// or split between the indexed table and the one not indexed yet at many
// places, whatever the background indexer's timing.
type indexingStore struct {
	*sqlite.Store
	every   int64
	appends atomic.Int64
}

func (s *indexingStore) Append(ctx context.Context, seal tooltrail.SealFunc) error {
	if err := s.Store.Append(ctx, seal); err != nil {
		return err
	}
	return s.index(ctx)
}

func (s *indexingStore) index(ctx context.Context) error {
	if s.appends.Add(1)%s.every == 0 {
		return s.IndexPending(ctx)
	}
	return nil
}

// TestConformance runs the store suite with the background indexer as it
// runs (most entries of a short test stay unindexed), with every entry
// indexed at once, and with every other batch indexed.
func TestConformance(t *testing.T) {
	t.Run("indexer=background", func(t *testing.T) { storetest.Run(t, openTemp) })
	for _, every := range []int64{1, 2} {
		name := map[int64]string{1: "indexer=each-append", 2: "indexer=every-other-append"}[every]
		t.Run(name, func(t *testing.T) {
			storetest.Run(t, func(t *testing.T) tooltrail.Store {
				return &indexingStore{Store: openTemp(t).(*sqlite.Store), every: every}
			})
		})
	}
}
