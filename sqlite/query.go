package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/internal/dict"
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
	// counted holds the conditions on the counts table (and countedArgs
	// their arguments) when only the tool, user and confirmed filters
	// apply, so a count is a sum of counters; nil otherwise.
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
	}{{"session", dict.KindSession, f.SessionID}, {"task", dict.KindTask, f.TaskID}, {"user", dict.KindUser, f.UserID}} {
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
	if f.Start.IsZero() && f.End.IsZero() && f.SessionID == "" && f.TaskID == "" && beforeID == 0 {
		p.counted = []string{"1"}
		if p.tools != nil {
			cond, args := p.toolCond()
			p.counted, p.countedArgs = append(p.counted, cond), append(p.countedArgs, args...)
		}
		if f.UserID != "" {
			p.counted = append(p.counted, "user = (SELECT id FROM names WHERE kind = ? AND value = ?)")
			p.countedArgs = append(p.countedArgs, dict.KindUser, f.UserID)
		}
		if f.ConfirmedOnly {
			p.counted = append(p.counted, "confirmed = 1")
		}
	}
	return p, nil
}

// matchTools returns the ids of the tools whose name holds sub, ignoring
// case as PostgreSQL's ILIKE does; % and _ are plain characters.
func matchTools(ctx context.Context, tx *sql.Tx, sub string) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, "SELECT id, value FROM names WHERE kind = ?", dict.KindTool)
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

// toolCond returns the condition that an entry's tool is one of p.tools:
// one parameter however many tools match (SQLite allows 32,766).
func (p plan) toolCond() (string, []any) {
	if len(p.tools) == 1 {
		return "tool = ?", []any{p.tools[0]}
	}
	ids, _ := json.Marshal(p.tools) // a slice of int64 always encodes
	return "tool IN (SELECT value FROM json_each(?))", []any{string(ids)}
}

// conditions returns the WHERE clause of p with extra conditions first.
func (p plan) conditions(extra ...string) string {
	all := append(extra, p.where...)
	if len(all) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(all, " AND ")
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
		if p.tools != nil {
			cond, toolArgs := p.toolCond()
			extra, args = []string{cond}, toolArgs
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
		case onlyTime(f):
			// Only an id range: a purge removes the oldest entries, so the
			// live ids are one unbroken run, and the count is the distance
			// between the first and the last in the range (one index probe
			// each, where count(*) reads the whole range).
			c := p.conditions()
			query = "SELECT coalesce((SELECT max(id) FROM entries" + c + ") - (SELECT min(id) FROM entries" + c + ") + 1, 0)"
			args = append(append([]any{}, p.args...), p.args...)
		case p.tools == nil:
			query, args = "SELECT count(*) FROM entries"+p.conditions(), p.args
		default:
			cond, toolArgs := p.toolCond()
			query, args = "SELECT count(*) FROM entries"+p.conditions(cond), append(toolArgs, p.args...)
		}
		if err := tx.QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
			return unavailable("count", err)
		}
		return nil
	})
	return n, err
}

// onlyTime says whether f filters by time and nothing else.
func onlyTime(f tooltrail.Filter) bool {
	return (!f.Start.IsZero() || !f.End.IsZero()) && f.ToolName == "" && f.SessionID == "" && f.TaskID == "" &&
		f.UserID == "" && !f.ConfirmedOnly
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

// Tools returns the tools with live entries (of user, unless "") and their
// counts, by name.
// Errors wrap tooltrail.ErrUnavailable.
func (s *Store) Tools(ctx context.Context, user string) ([]tooltrail.ToolCount, error) {
	where, args := "", []any{}
	if user != "" {
		where, args = "WHERE counts.user = (SELECT id FROM names WHERE kind = ? AND value = ?) ", []any{dict.KindUser, user}
	}
	rows, err := s.r.QueryContext(ctx, "SELECT names.value, sum(counts.n) FROM counts JOIN names ON names.id = counts.tool "+
		where+"GROUP BY counts.tool HAVING sum(counts.n) > 0 ORDER BY names.value", args...)
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
