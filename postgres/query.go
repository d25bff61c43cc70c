package postgres

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/tooltrail/tooltrail"
)

// Query returns the leaves of the entries that match q, newest first: the
// ids of the page from the indexes, then their leaves by primary key.
// Errors wrap tooltrail.ErrUnavailable.
func (s *Store) Query(ctx context.Context, q tooltrail.Query) ([][]byte, error) {
	p, err := s.makePlan(ctx, q.Filter, q.BeforeID)
	if err != nil || p.empty {
		return nil, err
	}
	var a args
	ids := p.selectIDs(&a, q.Limit, q.Offset)
	rows, err := s.pool.Query(ctx, "SELECT id, leaf FROM entries WHERE id = ANY(ARRAY("+ids+"))", a...)
	if err != nil {
		return nil, unavailable("query", err)
	}
	type row struct {
		id   int64
		leaf []byte
	}
	var (
		page []row
		r    row
	)
	if _, err := pgx.ForEachRow(rows, []any{&r.id, &r.leaf}, func() error {
		page = append(page, r)
		return nil
	}); err != nil {
		return nil, unavailable("query", err)
	}
	// Sorted here rather than by the database, which would sort the
	// leaves along (up to a MiB each) rather than the ids.
	slices.SortFunc(page, func(x, y row) int { return cmp.Compare(y.id, x.id) })
	leaves := make([][]byte, len(page))
	for i := range page {
		leaves[i] = page[i].leaf
	}
	return leaves, nil
}

// Count returns how many entries match f: a sum of counters when only the
// tool, user and confirmed filters apply, else an index count. Errors wrap
// tooltrail.ErrUnavailable.
func (s *Store) Count(ctx context.Context, f tooltrail.Filter) (int64, error) {
	p, err := s.makePlan(ctx, f, 0)
	if err != nil || p.empty {
		return 0, err
	}
	var a args
	var n int64
	if err := s.pool.QueryRow(ctx, p.countSQL(&a), a...).Scan(&n); err != nil {
		return 0, unavailable("count", err)
	}
	return n, nil
}

// Leaf returns the leaf of entry id. Errors: tooltrail.ErrNotFound when it
// is not stored (never, or purged); tooltrail.ErrUnavailable.
func (s *Store) Leaf(ctx context.Context, id int64) ([]byte, error) {
	var leaf []byte
	err := s.pool.QueryRow(ctx, "SELECT leaf FROM entries WHERE id = $1", id).Scan(&leaf)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("%w: no entry %d", tooltrail.ErrNotFound, id)
	}
	if err != nil {
		return nil, unavailable("read entry", err)
	}
	return leaf, nil
}

// sqlToolCounts sums the counters per tool, ordered by the bytes of the
// name (COLLATE "C") as SQLite orders them, whatever the database's locale.
const sqlToolCounts = `SELECT n.value, sum(c.n)::bigint FROM counts c JOIN names n ON n.id = c.tool
WHERE $1 = '' OR c."user" = (SELECT id FROM names WHERE kind = 4 AND value = $1)
GROUP BY n.id, n.value HAVING sum(c.n) > 0 ORDER BY n.value COLLATE "C"`

// Tools returns the tools with live entries (of user, unless "") and their
// counts, by name. Errors wrap tooltrail.ErrUnavailable.
func (s *Store) Tools(ctx context.Context, user string) ([]tooltrail.ToolCount, error) {
	rows, err := s.pool.Query(ctx, sqlToolCounts, user)
	if err != nil {
		return nil, unavailable("tools", err)
	}
	tools := []tooltrail.ToolCount{}
	var t tooltrail.ToolCount
	if _, err := pgx.ForEachRow(rows, []any{&t.Name, &t.Count}, func() error {
		tools = append(tools, t)
		return nil
	}); err != nil {
		return nil, unavailable("tools", err)
	}
	return tools, nil
}
