package storetest

import (
	"context"
	"testing"

	"github.com/tooltrail/tooltrail"
	"golang.org/x/mod/sumdb/tlog"
)

// RootOf computes the RFC 6962 root over leaf hashes, in id order, with
// tlog and nothing a store holds: what a test compares a store's head with.
// It fails t if tlog refuses.
func RootOf(t testing.TB, leaves []tlog.Hash) tlog.Hash {
	t.Helper()
	_, root := treeOf(t, leaves)
	return root
}

// treeOf returns every stored hash of the tree over leaves, by storage
// index, and its root.
func treeOf(t testing.TB, leaves []tlog.Hash) ([]tlog.Hash, tlog.Hash) {
	t.Helper()
	var hashes []tlog.Hash
	reader := tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		for i, idx := range indexes {
			out[i] = hashes[idx]
		}
		return out, nil
	})
	for n, leaf := range leaves {
		stored, err := tlog.StoredHashesForRecordHash(int64(n), leaf, reader)
		if err != nil {
			t.Fatal(err)
		}
		hashes = append(hashes, stored...)
	}
	root, err := tlog.TreeHash(int64(len(leaves)), reader)
	if err != nil {
		t.Fatal(err)
	}
	return hashes, root
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// testTree checks after every append that the head's root is the root of
// the leaves the entries hold.
func testTree(t *testing.T, open OpenFunc) {
	log := newLog(t, open, nil)
	var leaves []tlog.Hash
	for n := range 37 {
		r := record(t, log, tooltrail.Call{ToolName: "tree", Arguments: n})
		e, err := log.Entry(context.Background(), r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if tooltrail.LeafHash(e.Leaf) != r.LeafHash {
			t.Fatalf("entry %d: leaf hash differs from receipt", r.ID)
		}
		leaves = append(leaves, r.LeafHash)
		h, err := log.Head(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if h.Size != int64(n+1) {
			t.Fatalf("head size %d, want %d", h.Size, n+1)
		}
		if root := RootOf(t, leaves); root != h.Root {
			t.Fatalf("size %d: head root %v, computed %v", h.Size, h.Root, root)
		}
	}
}
