package tooltrail

import (
	"context"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"
)

// treeExtension computes the tree hashes that appending leaves to a tree
// of a given size adds, reading older hashes through the store's
// transaction and the new ones from memory.
type treeExtension struct {
	ctx     context.Context
	tx      AppendTx
	pending map[int64]tlog.Hash
	added   []StoredHash
}

// ReadHashes implements tlog.HashReader.
func (t *treeExtension) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	var missing []int64
	for i, idx := range indexes {
		h, ok := t.pending[idx]
		if ok {
			out[i] = h
		} else {
			missing = append(missing, idx)
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	read, err := t.tx.ReadHashes(t.ctx, missing)
	if err != nil {
		return nil, err
	}
	if len(read) != len(missing) {
		return nil, fmt.Errorf("%w: store returned %d hashes for %d indexes", ErrUnavailable, len(read), len(missing))
	}
	j := 0
	for i, idx := range indexes {
		if _, ok := t.pending[idx]; !ok {
			out[i] = read[j]
			j++
		}
	}
	return out, nil
}

// extendTree returns the stored hashes that leaves add to a tree of the
// given size, and the new root.
func extendTree(ctx context.Context, tx AppendTx, size int64, leaves []tlog.Hash) ([]StoredHash, tlog.Hash, error) {
	t := &treeExtension{ctx: ctx, tx: tx, pending: make(map[int64]tlog.Hash, 2*len(leaves))}
	for i, leaf := range leaves {
		n := size + int64(i)
		hashes, err := tlog.StoredHashesForRecordHash(n, leaf, t)
		if err != nil {
			return nil, tlog.Hash{}, fmt.Errorf("extend tree at record %d: %w", n, err)
		}
		base := tlog.StoredHashIndex(0, n)
		for k, h := range hashes {
			t.pending[base+int64(k)] = h
			t.added = append(t.added, StoredHash{Index: base + int64(k), Hash: h})
		}
	}
	root, err := tlog.TreeHash(size+int64(len(leaves)), t)
	if err != nil {
		return nil, tlog.Hash{}, fmt.Errorf("tree hash at size %d: %w", size+int64(len(leaves)), err)
	}
	return t.added, root, nil
}
