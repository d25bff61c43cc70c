package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/tooltrail/tooltrail"
)

// maxToolArms is the most matching tools a query reads one index range
// each for; with more, it filters one scan by the set.
const maxToolArms = 64

// plan is a filter turned into SQL conditions on entries.
type plan struct {
	where []string // conditions, ANDed
	args  []any
	tools []int64 // matching tool ids; nil when tool_name does not filter
	empty bool    // nothing can match
	// counted holds the conditions on the counts table when only the tool,
	// user and confirmed filters apply, so a count is a sum of counters;
	// nil otherwise.
	counted     []string
	countedArgs []any
}

// makePlan resolves what a filter needs from the dictionary and the time
// index, inside the read transaction tx.
func makePlan(ctx context.Context, tx *sql.Tx, f tooltrail.Filter, beforeID int64) (plan, error) {
	var p plan
	if f.ToolName != "" {
		ids, err := matchTools(ctx, tx, f.ToolName)
		if err != nil {
			return p, err
		}
		if len(ids) == 0 {
			return plan{empty: true}, nil
		}
		p.tools = ids
	}
	countable := f.Start.IsZero() && f.End.IsZero() && f.SessionID == "" && f.TaskID == "" && beforeID == 0
	if !f.Start.IsZero() {
		var lo int64
		err := tx.QueryRowContext(ctx, "SELECT id FROM entries WHERE ts >= ? ORDER BY ts, id LIMIT 1", f.Start.UnixMicro()).Scan(&lo)
		if err == sql.ErrNoRows {
			return plan{empty: true}, nil
		}
		if err != nil {
			return p, unavailable("resolve start", err)
		}
		p.where, p.args = append(p.where, "id >= ?"), append(p.args, lo)
	}
	if !f.End.IsZero() {
		var hi int64
		err := tx.QueryRowContext(ctx, "SELECT id FROM entries WHERE ts <= ? ORDER BY ts DESC, id DESC LIMIT 1", f.End.UnixMicro()).Scan(&hi)
		if err == sql.ErrNoRows {
			return plan{empty: true}, nil
		}
		if err != nil {
			return p, unavailable("resolve end", err)
		}
		p.where, p.args = append(p.where, "id <= ?"), append(p.args, hi)
	}
	for _, c := range []struct {
		col   string
		kind  int
		value string
	}{{"session", kindSession, f.SessionID}, {"task", kindTask, f.TaskID}, {"user", kindUser, f.UserID}} {
		if c.value != "" {
			p.where = append(p.where, c.col+" = (SELECT id FROM names WHERE kind = ? AND value = ?)")
			p.args = append(p.args, c.kind, c.value)
		}
	}
	if f.ConfirmedOnly {
		p.where = append(p.where, "confirmed = 1")
	}
	if beforeID > 0 {
		p.where, p.args = append(p.where, "id < ?"), append(p.args, beforeID)
	}
	if countable {
		p.counted, p.countedArgs = append([]string{"1"}, p.where...), p.args
		if p.tools != nil {
			p.counted = append(p.counted, "tool IN ("+placeholders(len(p.tools))+")")
			p.countedArgs = append(append([]any{}, p.args...), int64Args(p.tools)...)
		}
	}
	return p, nil
}

// matchTools returns the ids of the tools whose name holds sub, ignoring
// case as PostgreSQL's ILIKE does; % and _ are plain characters.
func matchTools(ctx context.Context, tx *sql.Tx, sub string) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, "SELECT id, value FROM names WHERE kind = ?", kindTool)
	if err != nil {
		return nil, unavailable("match tools", err)
	}
	defer rows.Close()
	sub = strings.ToLower(sub)
	var ids []int64
	for rows.Next() {
		var (
			id   int64
			name string
		)
		if err := rows.Scan(&id, &name); err != nil {
			return nil, unavailable("match tools", err)
		}
		if strings.Contains(strings.ToLower(name), sub) {
			ids = append(ids, id)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, unavailable("match tools", err)
	}
	return ids, nil
}

// conditions returns the WHERE clause of p with extra conditions first.
func (p plan) conditions(extra ...string) string {
	all := append(extra, p.where...)
	if len(all) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(all, " AND ")
}

func int64Args(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// readTx runs fn in a read transaction, so that every statement of one
// query sees the same snapshot.
func (s *Store) readTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return unavailable("begin read", err)
	}
	defer tx.Rollback()
	return fn(tx)
}

// Query returns the leaves of the entries that match q, newest first.
// Errors wrap tooltrail.ErrUnavailable.
func (s *Store) Query(ctx context.Context, q tooltrail.Query) ([][]byte, error) {
	var leaves [][]byte
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		p, err := makePlan(ctx, tx, q.Filter, q.BeforeID)
		if err != nil || p.empty {
			return err
		}
		query, args := p.selectIDs(q.Limit, q.Offset)
		rows, err := tx.QueryContext(ctx, "SELECT leaf FROM entries WHERE id IN ("+query+") ORDER BY id DESC", args...)
		if err != nil {
			return unavailable("query", err)
		}
		defer rows.Close()
		for rows.Next() {
			var leaf []byte
			if err := rows.Scan(&leaf); err != nil {
				return unavailable("query", err)
			}
			leaves = append(leaves, leaf)
		}
		if err := rows.Err(); err != nil {
			return unavailable("query", err)
		}
		return nil
	})
	return leaves, err
}

// selectIDs returns a SELECT of the ids of one page. With a few matching
// tools it reads one index range per tool, each newest first and cut at
// the page's end, and merges them; otherwise one range.
func (p plan) selectIDs(limit, offset int) (string, []any) {
	if len(p.tools) < 2 || len(p.tools) > maxToolArms {
		var extra []string
		var args []any
		switch {
		case len(p.tools) == 1:
			extra, args = []string{"tool = ?"}, []any{p.tools[0]}
		case len(p.tools) > 1:
			extra, args = []string{"tool IN (" + placeholders(len(p.tools)) + ")"}, int64Args(p.tools)
		}
		args = append(append(args, p.args...), limit, offset)
		return "SELECT id FROM entries" + p.conditions(extra...) + " ORDER BY id DESC LIMIT ? OFFSET ?", args
	}
	arms := make([]string, len(p.tools))
	var args []any
	for i, tool := range p.tools {
		arms[i] = "SELECT * FROM (SELECT id FROM entries" + p.conditions("tool = ?") + " ORDER BY id DESC LIMIT ?)"
		args = append(append(append(args, tool), p.args...), limit+offset)
	}
	return "SELECT id FROM (" + strings.Join(arms, " UNION ALL ") + ") ORDER BY id DESC LIMIT ? OFFSET ?", append(args, limit, offset)
}

// Count returns how many entries match f. Errors wrap
// tooltrail.ErrUnavailable.
func (s *Store) Count(ctx context.Context, f tooltrail.Filter) (int64, error) {
	var n int64
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		p, err := makePlan(ctx, tx, f, 0)
		if err != nil || p.empty {
			return err
		}
		var query string
		var args []any
		switch {
		case p.counted != nil:
			query, args = "SELECT coalesce(sum(n), 0) FROM counts WHERE "+strings.Join(p.counted, " AND "), p.countedArgs
		case p.tools == nil:
			query, args = "SELECT count(*) FROM entries"+p.conditions(), p.args
		default:
			query = "SELECT count(*) FROM entries" + p.conditions("tool IN ("+placeholders(len(p.tools))+")")
			args = append(int64Args(p.tools), p.args...)
		}
		if err := tx.QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
			return unavailable("count", err)
		}
		return nil
	})
	return n, err
}

// Leaf returns the leaf of entry id. Errors: tooltrail.ErrNotFound when it
// is not stored (never, or purged); tooltrail.ErrUnavailable.
func (s *Store) Leaf(ctx context.Context, id int64) ([]byte, error) {
	var leaf []byte
	err := s.r.QueryRowContext(ctx, "SELECT leaf FROM entries WHERE id = ?", id).Scan(&leaf)
	if err == sql.ErrNoRows {
		return nil, fmt.Errorf("%w: no entry %d", tooltrail.ErrNotFound, id)
	}
	if err != nil {
		return nil, unavailable("read entry", err)
	}
	return leaf, nil
}

// Tools returns the tools with live entries and their counts, by name.
// Errors wrap tooltrail.ErrUnavailable.
func (s *Store) Tools(ctx context.Context) ([]tooltrail.ToolCount, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT names.value, sum(counts.n) FROM counts JOIN names ON names.id = counts.tool "+
		"GROUP BY counts.tool HAVING sum(counts.n) > 0 ORDER BY names.value")
	if err != nil {
		return nil, unavailable("tools", err)
	}
	defer rows.Close()
	tools := []tooltrail.ToolCount{}
	for rows.Next() {
		var t tooltrail.ToolCount
		if err := rows.Scan(&t.Name, &t.Count); err != nil {
			return nil, unavailable("tools", err)
		}
		tools = append(tools, t)
	}
	if err := rows.Err(); err != nil {
		return nil, unavailable("tools", err)
	}
	return tools, nil
}
