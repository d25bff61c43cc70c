package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/internal/dict"
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

// names holds the ids of the names one append uses: what the cache knew
// and what the transaction resolved. Only resolved reaches the cache, and
// only after the commit.
type names struct {
	ids      map[dict.Key]int64
	resolved map[dict.Key]int64
	missing  []dict.Key // not in the cache, not yet resolved
}

// id returns the id of value of kind; "" is NULL (not valid).
func (n *names) id(kind int16, value string) (id int64, ok bool) {
	if value == "" {
		return 0, false
	}
	return n.ids[dict.Key{Kind: kind, Value: value}], true
}

// resolveNames returns the ids of every tool, session, task and user of
// entries, from the cache or, in one statement, from the dictionary in tx,
// inserting the new ones.
func (s *Store) resolveNames(ctx context.Context, tx querier, entries []tooltrail.Entry) (*names, error) {
	n := s.cachedNames(entries)
	if err := n.resolve(ctx, tx); err != nil {
		return nil, err
	}
	return n, nil
}

// cachedNames returns the ids the cache holds of the values of entries;
// the values it does not hold wait in n.missing for resolve.
func (s *Store) cachedNames(entries []tooltrail.Entry) *names {
	n := &names{ids: make(map[dict.Key]int64), resolved: make(map[dict.Key]int64)}
	for i := range entries {
		for _, k := range entryKeys(&entries[i]) {
			if k.Value == "" {
				continue
			}
			if _, ok := n.ids[k]; ok {
				continue
			}
			id, ok := s.names.Get(k)
			n.ids[k] = id
			if !ok {
				n.missing = append(n.missing, k)
			}
		}
	}
	return n
}

// resolve puts the missing names into the dictionary in tx, in one
// statement (two when another transaction inserted one meanwhile), and
// records their ids. Errors wrap tooltrail.ErrUnavailable.
func (n *names) resolve(ctx context.Context, tx querier) error {
	if len(n.missing) == 0 {
		return nil
	}
	kinds := make([]int16, len(n.missing))
	values := make([]string, len(n.missing))
	for i, k := range n.missing {
		kinds[i], values[i] = k.Kind, k.Value
	}
	if err := n.scan(ctx, tx, sqlResolveNames, kinds, values); err != nil {
		return err
	}
	if len(n.resolved) < len(kinds) {
		if err := n.scan(ctx, tx, sqlLookUpNames, kinds, values); err != nil {
			return err
		}
	}
	if len(n.resolved) < len(kinds) {
		return fmt.Errorf("postgres: %w: %d of %d names did not resolve", tooltrail.ErrUnavailable, len(kinds)-len(n.resolved), len(kinds))
	}
	n.missing = nil
	return nil
}

// scan runs a statement that returns (id, kind, value) rows and records them.
func (n *names) scan(ctx context.Context, tx querier, query string, kinds []int16, values []string) error {
	rows, err := tx.Query(ctx, query, kinds, values)
	if err != nil {
		return unavailable("resolve names", err)
	}
	var (
		id int64
		k  dict.Key
	)
	_, err = pgx.ForEachRow(rows, []any{&id, &k.Kind, &k.Value}, func() error {
		n.ids[k] = id
		n.resolved[k] = id
		return nil
	})
	if err != nil {
		return unavailable("resolve names", err)
	}
	return nil
}

// entryKeys returns the dictionary keys of an entry's values, "" ones too.
func entryKeys(e *tooltrail.Entry) [4]dict.Key {
	return [...]dict.Key{{Kind: dict.KindTool, Value: e.ToolName}, {Kind: dict.KindSession, Value: e.SessionID},
		{Kind: dict.KindTask, Value: e.TaskID}, {Kind: dict.KindUser, Value: e.UserID}}
}
