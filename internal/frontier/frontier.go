// Package frontier keeps the tree hashes an append needs: the roots of the
// complete subtrees of the tree it extends (its frontier). A store that
// made the head it finds knows them from its last append and reads no
// tree hash from its database.
package frontier

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/tooltrail/tooltrail"
	"github.com/transparency-dev/merkle/compact"
	"golang.org/x/mod/sumdb/tlog"
)

// Indexes returns the storage indexes of the roots of the complete
// subtrees of a tree of the given size (its compact range), largest first: the only stored
// hashes that appending to the tree, and hashing the grown tree, read
// besides the hashes the append adds itself.
func Indexes(size int64) []int64 {
	ids := compact.RangeNodes(0, uint64(size), nil)
	out := make([]int64, len(ids))
	for i, id := range ids {
		out[i] = tlog.StoredHashIndex(int(id.Level), int64(id.Index))
	}
	return out
}

// Cache keeps the frontier hashes of the head a store committed last, so
// that the next append reads no tree hash from the database. It is right
// only while the head the append finds is that head: another process that
// appended meanwhile makes it miss, and the append reads the frontier. The
// zero value is an empty cache; it is safe for concurrent use.
type Cache struct {
	mu     sync.Mutex
	head   tooltrail.Head
	hashes map[int64]tlog.Hash // nil: nothing cached
}

// Get returns the cached frontier of head, or nil when it holds another
// head's. The map is not changed afterwards: Set replaces it.
func (c *Cache) Get(head tooltrail.Head) map[int64]tlog.Hash {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.hashes == nil || c.head.Size != head.Size || c.head.Root != head.Root {
		return nil
	}
	return c.hashes
}

// Latest returns the head whose frontier was Set last and its hashes, or
// ok false when none is cached. It is the log's head unless another
// process (or a concurrent append of this one) appended since; the caller
// must check that before writing on it, and must not change the map.
func (c *Cache) Latest() (head tooltrail.Head, hashes map[int64]tlog.Hash, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.head, c.hashes, c.hashes != nil
}

// Set records the frontier of a committed head, taking its hashes from
// added and known; when one is in neither, it caches nothing.
func (c *Cache) Set(head tooltrail.Head, added []tooltrail.StoredHash, known map[int64]tlog.Hash) {
	idx := Indexes(head.Size)
	want := make(map[int64]bool, len(idx))
	for _, i := range idx {
		want[i] = true
	}
	frontier := make(map[int64]tlog.Hash, len(idx))
	for _, h := range added {
		if want[h.Index] {
			frontier[h.Index] = h.Hash
		}
	}
	for _, i := range idx {
		if _, ok := frontier[i]; ok {
			continue
		}
		h, ok := known[i]
		if !ok {
			frontier = nil
			break
		}
		frontier[i] = h
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.head, c.hashes = head, frontier
}

// Reader answers an append's reads of tree hashes: from the hashes it knows
// (a cached frontier, and what it read before) and otherwise through Read,
// reading the whole frontier of the tree of Size leaves with the first miss
// so that later reads find it.
type Reader struct {
	Size  int64               // of the tree the append extends
	Known map[int64]tlog.Hash // nil, or hashes known; Reader adds to it
	// Read reads the stored hashes at indexes into dst; a missing one is
	// simply not added.
	Read   func(ctx context.Context, indexes []int64, dst map[int64]tlog.Hash) error
	loaded bool // the frontier was read
}

// ReadHashes returns the stored hashes at indexes, in order. Errors:
// tooltrail.ErrCorrupt for a missing hash; Read's errors.
func (r *Reader) ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	if r.Known == nil {
		r.Known = make(map[int64]tlog.Hash)
	}
	var missing []int64
	for _, idx := range indexes {
		if _, ok := r.Known[idx]; !ok {
			missing = append(missing, idx)
		}
	}
	if len(missing) > 0 {
		if !r.loaded {
			r.loaded = true
			for _, idx := range Indexes(r.Size) {
				if _, ok := r.Known[idx]; !ok && !slices.Contains(missing, idx) {
					missing = append(missing, idx)
				}
			}
		}
		if err := r.Read(ctx, missing, r.Known); err != nil {
			return nil, err
		}
	}
	out := make([]tlog.Hash, len(indexes))
	for i, idx := range indexes {
		h, ok := r.Known[idx]
		if !ok {
			return nil, fmt.Errorf("%w: tree hash %d is missing", tooltrail.ErrCorrupt, idx)
		}
		out[i] = h
	}
	return out, nil
}
