// Package dict holds what the stores share about their dictionary of
// names: the kinds of names and the bounded cache of committed ids.
package dict

import "sync"

// Kinds of names, as the stores' names tables number them.
const (
	KindTool    = 1
	KindSession = 2
	KindTask    = 3
	KindUser    = 4
)

// Key is one name: a kind and a value.
type Key struct {
	Kind  int16
	Value string
}

// MaxCached bounds a Cache; past it, the cache starts over (the names
// table is the truth).
const MaxCached = 100_000

// Cache maps committed names to their ids, so that appends skip the
// dictionary for values they have seen. Names are never deleted or renamed
// (the stores' triggers refuse it), so an id once committed stays right.
// It is safe for concurrent use.
type Cache struct {
	mu  sync.Mutex
	ids map[Key]int64
}

// NewCache returns an empty cache.
func NewCache() *Cache { return &Cache{ids: make(map[Key]int64)} }

// Get returns the id of k, if the cache has it.
func (c *Cache) Get(k Key) (int64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	id, ok := c.ids[k]
	return id, ok
}

// Add records names whose transaction committed.
func (c *Cache) Add(m map[Key]int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.ids)+len(m) > MaxCached {
		c.ids = make(map[Key]int64, len(m))
	}
	for k, v := range m {
		c.ids[k] = v
	}
}
