package frontier

import (
	"crypto/sha256"
	"encoding/binary"
	"testing"

	"github.com/tooltrail/tooltrail"
	"golang.org/x/mod/sumdb/tlog"
)

// TestFrontierIsAllAnAppendReads grows a tree leaf by leaf and checks that
// tlog reads, to add a leaf and to hash the grown tree, only hashes of the
// old tree's frontier or hashes the append added, and that the grown
// tree's frontier is made of the same: so an append that knows the
// frontier of its head needs no other tree hash.
func TestFrontierIsAllAnAppendReads(t *testing.T) {
	var hashes []tlog.Hash
	var allowed map[int64]bool
	reader := tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		for i, idx := range indexes {
			if !allowed[idx] {
				t.Fatalf("read hash %d, outside the frontier and the append", idx)
			}
			out[i] = hashes[idx]
		}
		return out, nil
	})
	frontier := func(size int64) map[int64]bool {
		m := make(map[int64]bool)
		for _, idx := range Indexes(size) {
			m[idx] = true
		}
		return m
	}
	for n := int64(0); n < 1100; n++ {
		allowed = frontier(n)
		var leaf tlog.Hash
		binary.BigEndian.PutUint64(leaf[:], uint64(n))
		leaf = sha256.Sum256(leaf[:])
		added, err := tlog.StoredHashesForRecordHash(n, leaf, reader)
		if err != nil {
			t.Fatal(err)
		}
		base := tlog.StoredHashIndex(0, n)
		if base != int64(len(hashes)) {
			t.Fatalf("record %d: stored at %d, want %d", n, base, len(hashes))
		}
		hashes = append(hashes, added...)
		for k := range added {
			allowed[base+int64(k)] = true
		}
		if _, err := tlog.TreeHash(n+1, reader); err != nil {
			t.Fatal(err)
		}
		for idx := range frontier(n + 1) {
			if !allowed[idx] {
				t.Fatalf("size %d: frontier hash %d is neither of the old frontier nor added", n+1, idx)
			}
		}
	}
}

func TestFrontierCache(t *testing.T) {
	h := func(b byte) tlog.Hash { return tlog.Hash{b} }
	head := tooltrail.Head{Size: 3, Root: h(9)}
	// Size 3: the roots of leaves 0-1 (index 2) and of leaf 2 (index 3).
	tests := []struct {
		name  string
		added []tooltrail.StoredHash
		known map[int64]tlog.Hash
		ask   tooltrail.Head
		want  map[int64]tlog.Hash // nil: a miss
	}{
		{"HitFromAddedAndKnown", []tooltrail.StoredHash{{Index: 3, Hash: h(3)}}, map[int64]tlog.Hash{2: h(2), 0: h(0)}, head,
			map[int64]tlog.Hash{2: h(2), 3: h(3)}},
		{"MissOnOtherSize", []tooltrail.StoredHash{{Index: 3, Hash: h(3)}}, map[int64]tlog.Hash{2: h(2)}, tooltrail.Head{Size: 4, Root: h(9)}, nil},
		{"MissOnOtherRoot", []tooltrail.StoredHash{{Index: 3, Hash: h(3)}}, map[int64]tlog.Hash{2: h(2)}, tooltrail.Head{Size: 3, Root: h(8)}, nil},
		{"MissWhenAHashIsUnknown", []tooltrail.StoredHash{{Index: 3, Hash: h(3)}}, nil, head, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c Cache
			c.Set(head, tt.added, tt.known)
			got := c.Get(tt.ask)
			if (got == nil) != (tt.want == nil) || len(got) != len(tt.want) {
				t.Fatalf("get = %v, want %v", got, tt.want)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("hash %d = %v, want %v", k, got[k], v)
				}
			}
		})
	}
}
