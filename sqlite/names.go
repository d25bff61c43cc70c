package sqlite

import (
	"context"
	"database/sql"
	"sync"
)

// Kinds of names in the names table.
const (
	kindTool    = 1
	kindSession = 2
	kindTask    = 3
	kindUser    = 4
)

// Statements of the dictionary.
const (
	sqlNameID     = "SELECT id FROM names WHERE kind = ? AND value = ?"
	sqlInsertName = "INSERT INTO names (kind, value) VALUES (?, ?) RETURNING id"
)

type nameKey struct {
	kind  int
	value string
}

// maxCachedNames bounds the dictionary cache; past it, the cache starts
// over (the names table is the truth).
const maxCachedNames = 100_000

// nameCache maps committed names to their ids, so that appends skip the
// dictionary lookup for values they have seen.
type nameCache struct {
	mu  sync.Mutex
	ids map[nameKey]int64
}

func newNameCache() *nameCache { return &nameCache{ids: make(map[nameKey]int64)} }

func (c *nameCache) get(k nameKey) (int64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	id, ok := c.ids[k]
	return id, ok
}

// add records names whose transaction committed.
func (c *nameCache) add(m map[nameKey]int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.ids)+len(m) > maxCachedNames {
		c.ids = make(map[nameKey]int64, len(m))
	}
	for k, v := range m {
		c.ids[k] = v
	}
}

// nameResolver resolves names inside one append transaction; what it
// learns reaches the cache only after the commit.
type nameResolver struct {
	tx    writeTx
	cache *nameCache
	seen  map[nameKey]int64
}

// id returns the id of value of kind, inserting it when new; "" is NULL.
func (r *nameResolver) id(ctx context.Context, kind int, value string) (any, error) {
	if value == "" {
		return nil, nil
	}
	k := nameKey{kind, value}
	if id, ok := r.seen[k]; ok {
		return id, nil
	}
	if id, ok := r.cache.get(k); ok {
		return id, nil
	}
	var id int64
	err := r.tx.QueryRowContext(ctx, sqlNameID, kind, value).Scan(&id)
	if err == sql.ErrNoRows {
		err = r.tx.QueryRowContext(ctx, sqlInsertName, kind, value).Scan(&id)
	}
	if err != nil {
		return nil, unavailable("resolve name", err)
	}
	r.seen[k] = id
	return id, nil
}
