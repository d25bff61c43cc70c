package postgres

import (
	"context"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/tooltrail/tooltrail"
)

// Kinds of names in the names table.
const (
	kindTool    = 1
	kindSession = 2
	kindTask    = 3
	kindUser    = 4
)

// Statements of the dictionary. sqlResolveNames inserts the names that are
// new and returns the id of every one: the inserted from RETURNING, the
// others from the table as the statement found it. sqlLookUpNames is the
// fallback for a name another transaction inserted meanwhile.
const (
	sqlResolveNames = `WITH input AS (SELECT * FROM unnest($1::smallint[], $2::text[]) AS t(kind, value)),
ins AS (INSERT INTO names (kind, value) SELECT kind, value FROM input ON CONFLICT (kind, value) DO NOTHING RETURNING id, kind, value)
SELECT id, kind, value FROM ins
UNION ALL
SELECT n.id, n.kind, n.value FROM names n JOIN input i ON n.kind = i.kind AND n.value = i.value`
	sqlLookUpNames = `SELECT n.id, n.kind, n.value FROM names n
JOIN unnest($1::smallint[], $2::text[]) AS i(kind, value) ON n.kind = i.kind AND n.value = i.value`
)

type nameKey struct {
	kind  int16
	value string
}

// maxCachedNames bounds the dictionary cache; past it, the cache starts
// over (the names table is the truth).
const maxCachedNames = 100_000

// nameCache maps committed names to their ids, so that appends skip the
// dictionary for values they have seen. Names are never deleted or
// renamed (the table's triggers refuse it), so an id once committed stays
// right for every process.
type nameCache struct {
	mu  sync.Mutex
	ids map[nameKey]int64
}

func newNameCache() *nameCache { return &nameCache{ids: make(map[nameKey]int64)} }

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

// names holds the ids of the names one append uses: what the cache knew
// and what the transaction resolved. Only resolved reaches the cache, and
// only after the commit.
type names struct {
	ids      map[nameKey]int64
	resolved map[nameKey]int64
}

// id returns the id of value of kind; "" is NULL (not valid).
func (n *names) id(kind int16, value string) (id int64, ok bool) {
	if value == "" {
		return 0, false
	}
	return n.ids[nameKey{kind, value}], true
}

// resolveNames returns the ids of every tool, session, task and user of
// entries, from the cache or, in one statement, from the dictionary in tx,
// inserting the new ones.
func (s *Store) resolveNames(ctx context.Context, tx querier, entries []tooltrail.Entry) (*names, error) {
	n := &names{ids: make(map[nameKey]int64), resolved: make(map[nameKey]int64)}
	var (
		kinds  []int16
		values []string
	)
	s.names.mu.Lock()
	for i := range entries {
		e := &entries[i]
		for _, k := range [...]nameKey{{kindTool, e.ToolName}, {kindSession, e.SessionID}, {kindTask, e.TaskID}, {kindUser, e.UserID}} {
			if k.value == "" {
				continue
			}
			if _, ok := n.ids[k]; ok {
				continue
			}
			id, ok := s.names.ids[k]
			n.ids[k] = id
			if !ok {
				kinds, values = append(kinds, k.kind), append(values, k.value)
			}
		}
	}
	s.names.mu.Unlock()
	if len(kinds) == 0 {
		return n, nil
	}
	if err := n.scan(ctx, tx, sqlResolveNames, kinds, values); err != nil {
		return nil, err
	}
	if len(n.resolved) < len(kinds) {
		if err := n.scan(ctx, tx, sqlLookUpNames, kinds, values); err != nil {
			return nil, err
		}
	}
	if len(n.resolved) < len(kinds) {
		return nil, fmt.Errorf("postgres: %w: %d of %d names did not resolve", tooltrail.ErrUnavailable, len(kinds)-len(n.resolved), len(kinds))
	}
	return n, nil
}

// scan runs a statement that returns (id, kind, value) rows and records them.
func (n *names) scan(ctx context.Context, tx querier, query string, kinds []int16, values []string) error {
	rows, err := tx.Query(ctx, query, kinds, values)
	if err != nil {
		return unavailable("resolve names", err)
	}
	var (
		id int64
		k  nameKey
	)
	_, err = pgx.ForEachRow(rows, []any{&id, &k.kind, &k.value}, func() error {
		n.ids[k] = id
		n.resolved[k] = id
		return nil
	})
	if err != nil {
		return unavailable("resolve names", err)
	}
	return nil
}
