package postgres

import (
	"math/bits"
	"sync"

	"github.com/tooltrail/tooltrail"
	"golang.org/x/mod/sumdb/tlog"
)

// frontierIndexes returns the storage indexes of the roots of the complete
// subtrees of a tree of the given size, largest first: the only stored
// hashes that appending to the tree, and hashing the grown tree, read
// besides the hashes the append adds itself.
func frontierIndexes(size int64) []int64 {
	out := make([]int64, 0, bits.OnesCount64(uint64(size)))
	var start int64
	for level := 63; level >= 0; level-- {
		if size&(1<<level) == 0 {
			continue
		}
		out = append(out, tlog.StoredHashIndex(level, start>>level))
		start += 1 << level
	}
	return out
}

// frontierCache keeps the frontier hashes of the head this store committed
// last, so that the next append reads no tree hash from the database.
// It is right only while the locked head is that head: another process
// that appended meanwhile makes it miss, and the append reads the frontier.
type frontierCache struct {
	mu     sync.Mutex
	size   int64
	root   tlog.Hash
	hashes map[int64]tlog.Hash // nil: nothing cached
}

// get returns the cached frontier of head, or nil when it holds another
// head's. The map is not changed afterwards: set replaces it.
func (c *frontierCache) get(head tooltrail.Head) map[int64]tlog.Hash {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.hashes == nil || c.size != head.Size || c.root != head.Root {
		return nil
	}
	return c.hashes
}

// set records the frontier of a committed head, taking its hashes from
// added and known; when one is in neither, it caches nothing.
func (c *frontierCache) set(head tooltrail.Head, added []tooltrail.StoredHash, known map[int64]tlog.Hash) {
	idx := frontierIndexes(head.Size)
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
	c.size, c.root, c.hashes = head.Size, head.Root, frontier
}
