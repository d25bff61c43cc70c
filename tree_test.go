package tooltrail

import (
	"context"
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// memTree is an AppendTx over tree hashes in memory.
type memTree struct {
	size   int64
	hashes map[int64]tlog.Hash
}

func (m *memTree) Head() Head { return Head{Size: m.size} }

func (m *memTree) ReadHashes(_ context.Context, indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, idx := range indexes {
		h, ok := m.hashes[idx]
		if !ok {
			return nil, fmt.Errorf("%w: tree hash %d is missing", ErrCorrupt, idx)
		}
		out[i] = h
	}
	return out, nil
}

func (m *memTree) LeavesByCallID(context.Context, []CallKey) (map[CallKey][]byte, error) {
	return nil, nil
}
func (m *memTree) PurgedThrough(context.Context) (int64, error)         { return 0, nil }
func (m *memTree) LastBefore(context.Context, time.Time) (int64, error) { return 0, nil }

// HashReader reads m's hashes, for tlog.
func (m *memTree) hashReader() tlog.HashReaderFunc {
	return func(indexes []int64) ([]tlog.Hash, error) { return m.ReadHashes(context.Background(), indexes) }
}

// extend appends n leaves through extendTree and stores what it adds.
func (m *memTree) extend(t testing.TB, n int) tlog.Hash {
	leaves := make([]tlog.Hash, n)
	for i := range leaves {
		leaves[i] = tlog.RecordHash(fmt.Appendf(nil, "leaf %d", m.size+int64(i)))
	}
	added, root, err := extendTree(context.Background(), m, m.size, leaves)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range added {
		m.hashes[h.Index] = h.Hash
	}
	m.size += int64(n)
	return root
}

// TestExtendTree grows trees in batches of several sizes and checks each
// root and every stored hash against tlog's own, record by record.
func TestExtendTree(t *testing.T) {
	for _, batches := range [][]int{{1}, {1, 1, 1}, {2, 3, 5, 7, 11}, {256, 1, 255, 512}, {1000, 999, 1}} {
		t.Run(fmt.Sprint(batches), func(t *testing.T) {
			m := &memTree{hashes: map[int64]tlog.Hash{}}
			want := &memTree{hashes: map[int64]tlog.Hash{}}
			for _, n := range batches {
				root := m.extend(t, n)
				for range n {
					rec := want.size
					hs, err := tlog.StoredHashes(rec, fmt.Appendf(nil, "leaf %d", rec), want.hashReader())
					if err != nil {
						t.Fatal(err)
					}
					for k, h := range hs {
						want.hashes[tlog.StoredHashIndex(0, rec)+int64(k)] = h
					}
					want.size++
				}
				wantRoot, err := tlog.TreeHash(want.size, want.hashReader())
				if err != nil {
					t.Fatal(err)
				}
				if root != wantRoot {
					t.Fatalf("root at %d = %v, want %v", m.size, root, wantRoot)
				}
			}
			if len(m.hashes) != len(want.hashes) {
				t.Errorf("%d stored hashes, want %d", len(m.hashes), len(want.hashes))
			}
			for idx, h := range want.hashes {
				if m.hashes[idx] != h {
					t.Errorf("stored hash %d = %x, want %x", idx, m.hashes[idx], h)
				}
			}
		})
	}
}

// BenchmarkExtendTree measures the tree work of one batch appended to a
// tree of a million leaves.
func BenchmarkExtendTree(b *testing.B) {
	for _, n := range []int{1, 16, 1000} {
		b.Run(fmt.Sprint("batch=", n), func(b *testing.B) {
			m := &memTree{hashes: map[int64]tlog.Hash{}}
			for m.size < 1<<20 {
				m.extend(b, 4096)
			}
			leaves := make([]tlog.Hash, n)
			for i := range leaves {
				leaves[i] = sha256.Sum256(fmt.Append(nil, i))
			}
			b.ResetTimer()
			for b.Loop() {
				if _, _, err := extendTree(context.Background(), m, m.size, leaves); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
