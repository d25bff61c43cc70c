package tooltrail

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"

	"golang.org/x/mod/sumdb/tlog"
)

// MaxBundleLeaf is the largest leaf an entry bundle can hold: C2SP
// tlog-tiles prefixes each entry with its length as a big-endian uint16.
const MaxBundleLeaf = math.MaxUint16

// EntryBundle returns a C2SP tlog-tiles entry bundle, given its path below
// /tile/entries/ ("N" or "N.p/W", N in the x001/234 form), as long as it
// lies inside the tree of treeSize entries: the leaf bytes of its entries
// in order, each after its length as a big-endian uint16, so that each
// hashes to the leaf hash at its place in the level-0 tile of that path.
// A bundle is served whole or not at all: the leaf bytes of purged entries
// are gone, and no other bytes hash to their leaf hashes. Errors:
// ErrNotFound for a path that names no bundle, a bundle outside the tree,
// one that holds a purged entry, and one that holds a leaf longer than
// MaxBundleLeaf (its entries are still readable one by one); ErrCorrupt
// when the store holds an entry twice; the store's errors.
func (l *Log) EntryBundle(ctx context.Context, path string, treeSize int64) ([]byte, error) {
	t, err := tlog.ParseTilePath(fmt.Sprintf("tile/%d/data/%s", TileHeight, path))
	if err != nil || t.L != -1 {
		return nil, fmt.Errorf("%w: %q is not an entry bundle path N[.p/W] (C2SP tlog-tiles)", ErrNotFound, path)
	}
	t.L = 0
	if !tileInside(t, treeSize) {
		return nil, fmt.Errorf("%w: entry bundle %q lies outside the tree of %d entries", ErrNotFound, path, treeSize)
	}
	first := t.N<<TileHeight + 1 // the id of the bundle's first entry
	rows, err := l.store.Rows(ctx, first-1, t.W)
	if err != nil {
		return nil, fmt.Errorf("entry bundle %s: %w", path, err)
	}
	var out []byte
	for i := range t.W {
		id := first + int64(i)
		switch {
		case i >= len(rows) || rows[i].ID > id:
			return nil, fmt.Errorf("%w: entry bundle %s: entry %d is purged, and with it the bundle", ErrNotFound, path, id)
		case rows[i].ID < id:
			return nil, fmt.Errorf("%w: entry %d is stored more than once", ErrCorrupt, rows[i].ID)
		case len(rows[i].Leaf) > MaxBundleLeaf:
			return nil, fmt.Errorf("%w: entry bundle %s: the leaf of entry %d is %d bytes, more than a bundle holds (%d); read the entry alone", ErrNotFound, path, id, len(rows[i].Leaf), MaxBundleLeaf)
		}
		out = binary.BigEndian.AppendUint16(out, uint16(len(rows[i].Leaf)))
		out = append(out, rows[i].Leaf...)
	}
	return out, nil
}
