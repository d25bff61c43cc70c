package tooltrail

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"
)

// storeHashes reads a store's tree hashes for tlog. It holds a context
// because tlog.HashReader's method takes none; it lives only for one call.
type storeHashes struct {
	ctx   context.Context
	store Store
}

// ReadHashes implements tlog.HashReader.
func (r storeHashes) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	return r.store.ReadHashes(r.ctx, indexes)
}

// cause returns err as the store reported it when tlog wrapped it, so that
// ErrUnavailable and ErrCorrupt stay visible.
func (r storeHashes) cause(err error) error {
	if errors.Is(err, ErrUnavailable) || errors.Is(err, ErrCorrupt) {
		return err
	}
	return fmt.Errorf("%w: %v", ErrCorrupt, err)
}

// InclusionProof proves that the entry with ID is leaf LeafIndex (ID-1)
// of the tree of TreeSize entries: the RFC 6962 audit path from LeafHash
// to the root.
type InclusionProof struct {
	ID        int64
	LeafIndex int64
	TreeSize  int64
	LeafHash  tlog.Hash
	Proof     tlog.RecordProof
}

// Verify checks the proof against the root of the tree of TreeSize
// entries. Errors: ErrCorrupt for a proof that does not lead to root, or
// of a leaf other than the entry's.
func (p InclusionProof) Verify(root tlog.Hash) error {
	if p.LeafIndex != p.ID-1 {
		return fmt.Errorf("%w: entry %d is leaf %d, not %d", ErrCorrupt, p.ID, p.ID-1, p.LeafIndex)
	}
	if err := tlog.CheckRecord(p.Proof, p.TreeSize, root, p.LeafIndex, p.LeafHash); err != nil {
		return fmt.Errorf("%w: entry %d is not in the tree of %d entries with that root: %v", ErrCorrupt, p.ID, p.TreeSize, err)
	}
	return nil
}

// ConsistencyProof proves that the tree of To entries extends the tree of
// From entries (RFC 6962).
type ConsistencyProof struct {
	From, To int64
	Proof    tlog.TreeProof
}

// Verify checks the proof against the roots of both trees (the root of the
// empty tree is EmptyRoot). Errors: ErrCorrupt for a proof that does not
// verify.
func (p ConsistencyProof) Verify(fromRoot, toRoot tlog.Hash) error {
	bad := func(why string) error {
		return fmt.Errorf("%w: the tree of %d entries does not extend that of %d: %s", ErrCorrupt, p.To, p.From, why)
	}
	switch {
	case p.From == 0:
		if len(p.Proof) != 0 || fromRoot != EmptyRoot() {
			return bad("a proof from the empty tree is empty, and its root EmptyRoot")
		}
		return nil
	case p.From == p.To:
		if len(p.Proof) != 0 || fromRoot != toRoot {
			return bad("trees of one size extend each other only with one root")
		}
		return nil
	}
	if err := tlog.CheckTree(p.Proof, p.To, toRoot, p.From, fromRoot); err != nil {
		return bad(err.Error())
	}
	return nil
}

// InclusionProof returns the proof that entry id is in the tree of
// treeSize entries, also for a purged entry (its leaf hash stays). Errors:
// a *FieldError for an id or tree_size out of range; ErrNotFound for an id
// beyond the log; the store's errors.
func (l *Log) InclusionProof(ctx context.Context, id, treeSize int64) (InclusionProof, error) {
	head, err := l.store.Head(ctx)
	if err != nil {
		return InclusionProof{}, err
	}
	if id < 1 {
		return InclusionProof{}, invalid("id", "must be at least 1, got %d", id)
	}
	if id > head.Size {
		return InclusionProof{}, fmt.Errorf("%w: entry %d: the log holds %d entries", ErrNotFound, id, head.Size)
	}
	if treeSize < id || treeSize > head.Size {
		return InclusionProof{}, invalid("tree_size", "must be from %d (the entry) to %d (the tree), got %d", id, head.Size, treeSize)
	}
	r := storeHashes{ctx: ctx, store: l.store}
	leaf, err := l.store.ReadHashes(ctx, []int64{tlog.StoredHashIndex(0, id-1)})
	if err != nil {
		return InclusionProof{}, err
	}
	proof, err := tlog.ProveRecord(treeSize, id-1, r)
	if err != nil {
		return InclusionProof{}, fmt.Errorf("prove entry %d in tree %d: %w", id, treeSize, r.cause(err))
	}
	return InclusionProof{ID: id, LeafIndex: id - 1, TreeSize: treeSize, LeafHash: leaf[0], Proof: proof}, nil
}

// ConsistencyProof returns the proof that the tree of to entries extends
// the tree of from entries; it is empty when from is 0 or equals to.
// Errors: a *FieldError for sizes out of range; the store's errors.
func (l *Log) ConsistencyProof(ctx context.Context, from, to int64) (ConsistencyProof, error) {
	head, err := l.store.Head(ctx)
	if err != nil {
		return ConsistencyProof{}, err
	}
	if to < 0 || to > head.Size {
		return ConsistencyProof{}, invalid("to", "must be from 0 to %d (the tree), got %d", head.Size, to)
	}
	if from < 0 || from > to {
		return ConsistencyProof{}, invalid("from", "must be from 0 to %d (to), got %d", to, from)
	}
	p := ConsistencyProof{From: from, To: to}
	if from == 0 || from == to {
		return p, nil
	}
	r := storeHashes{ctx: ctx, store: l.store}
	if p.Proof, err = tlog.ProveTree(to, from, r); err != nil {
		return ConsistencyProof{}, fmt.Errorf("prove tree %d extends %d: %w", to, from, r.cause(err))
	}
	return p, nil
}

// TileHeight is the height of the hash tiles the log serves: 8, as C2SP
// tlog-tiles has it (256 hashes a tile).
const TileHeight = 8

// Tile returns the hashes of a C2SP tlog-tiles hash tile, given its path
// below /tile/ ("L/N" or "L/N.p/W", N in the x001/234 form), as long as
// the tile lies inside the tree of treeSize entries. Errors: ErrNotFound
// for a path that names no hash tile, and for a tile outside the tree (a
// tile client takes both as "not there"); the store's errors.
func (l *Log) Tile(ctx context.Context, path string, treeSize int64) ([]byte, error) {
	t, err := tlog.ParseTilePath(fmt.Sprintf("tile/%d/%s", TileHeight, path))
	if err != nil || t.L < 0 {
		return nil, fmt.Errorf("%w: %q is not a hash tile path L/N[.p/W] (C2SP tlog-tiles)", ErrNotFound, path)
	}
	if t.L > 7 || !tileInside(t, treeSize) {
		return nil, fmt.Errorf("%w: tile %q lies outside the tree of %d entries", ErrNotFound, path, treeSize)
	}
	r := storeHashes{ctx: ctx, store: l.store}
	data, err := tlog.ReadTileData(t, r)
	if err != nil {
		return nil, fmt.Errorf("read tile %s: %w", path, r.cause(err))
	}
	return data, nil
}

// tileInside says whether every hash of tile t covers entries of the tree
// of size entries only.
func tileInside(t tlog.Tile, size int64) bool {
	if t.N < 0 || t.N > 1<<40 {
		return false
	}
	end := t.N*(1<<TileHeight) + int64(t.W) // hashes at level L*8, exclusive
	shift := uint(t.L * TileHeight)
	return end <= size>>shift && end<<shift <= size
}
