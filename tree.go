package tooltrail

import (
	"context"
	"fmt"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/tlog"
)

// extendTree returns the stored hashes that leaves add to a tree of the
// given size, and the new root. It reads only the roots of the tree's
// complete subtrees (its compact range) through tx, appends the leaves to
// that range, and keeps every node the range completes: the hashes tlog
// stores (RFC 6962 hashing, as tlog's). Errors: tx's, and ErrCorrupt or
// ErrUnavailable for hashes that do not form a range.
func extendTree(ctx context.Context, tx AppendTx, size int64, leaves []tlog.Hash) ([]StoredHash, tlog.Hash, error) {
	ids := compact.RangeNodes(0, uint64(size), nil)
	var hashes [][]byte
	if len(ids) > 0 {
		idx := make([]int64, len(ids))
		for i, id := range ids {
			idx[i] = storedIndex(id)
		}
		read, err := tx.ReadHashes(ctx, idx)
		if err != nil {
			return nil, tlog.Hash{}, err
		}
		if len(read) != len(idx) {
			return nil, tlog.Hash{}, fmt.Errorf("%w: store returned %d hashes for %d indexes", ErrUnavailable, len(read), len(idx))
		}
		hashes = make([][]byte, len(read))
		for i := range read {
			hashes[i] = read[i][:]
		}
	}
	f := &compact.RangeFactory{Hash: rfc6962.DefaultHasher.HashChildren}
	r, err := f.NewRange(0, uint64(size), hashes)
	if err != nil {
		return nil, tlog.Hash{}, fmt.Errorf("%w: the tree of %d entries: %w", ErrCorrupt, size, err)
	}
	added := make([]StoredHash, 0, 2*len(leaves))
	keep := func(id compact.NodeID, h []byte) {
		added = append(added, StoredHash{Index: storedIndex(id), Hash: tlog.Hash(h)})
	}
	for i := range leaves {
		if err := r.Append(leaves[i][:], keep); err != nil {
			return nil, tlog.Hash{}, fmt.Errorf("extend tree at record %d: %w", size+int64(i), err)
		}
	}
	root, err := r.GetRootHash(nil)
	if err != nil {
		return nil, tlog.Hash{}, fmt.Errorf("tree hash at size %d: %w", r.End(), err)
	}
	return added, tlog.Hash(root), nil
}

// storedIndex is the tlog storage index of a node of the tree.
func storedIndex(id compact.NodeID) int64 {
	return tlog.StoredHashIndex(int(id.Level), int64(id.Index))
}
