package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
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
	// through is the id up to which every entry is purged (their rows may
	// wait for the eraser); where bounds the ids above it.
	through int64
}

// makePlan resolves what a filter needs from the dictionary and the time
// index, inside the read transaction tx.
func makePlan(ctx context.Context, tx *sql.Tx, f tooltrail.Filter, beforeID int64) (plan, error) {
	var p plan
	through, err := readThrough(ctx, tx)
	if err != nil {
		return p, err
	}
	p.through = through
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
	// The ids a page or count may hold: above the purged ones, from the
	// first entry at or after Start, up to the last at or before End and
	// below the cursor. They go to SQLite as one bound on each side:
	// given two lower bounds it read min(id) and max(id) of a range by
	// scanning it (a count of the last minute at 10M entries read 800,000
	// rows, 3.2 s, against 40 µs with one). Entries the indexer has not
	// moved yet (recent) are newer than every entry of entries, so the
	// first id at or after Start is in entries if any is, and the last at
	// or before End in recent if any is.
	lo, hi := through+1, int64(math.MaxInt64)
	startID := int64(0)
	if !f.Start.IsZero() {
		id, err := resolveID(ctx, tx, `SELECT coalesce(
(SELECT id FROM entries WHERE ts >= ?1 ORDER BY ts, id LIMIT 1),
(SELECT id FROM recent WHERE ts >= ?1 ORDER BY id LIMIT 1))`, f.Start.UnixMicro())
		if err != nil || id == 0 {
			return plan{empty: id == 0}, err
		}
		startID, lo = id, max(lo, id)
	}
	if !f.End.IsZero() {
		id, err := resolveID(ctx, tx, `SELECT coalesce(
(SELECT id FROM recent WHERE ts <= ?1 ORDER BY id DESC LIMIT 1),
(SELECT id FROM entries WHERE ts <= ?1 ORDER BY ts DESC, id DESC LIMIT 1))`, f.End.UnixMicro())
		if err != nil || id == 0 {
			return plan{empty: id == 0}, err
		}
		hi = min(hi, id)
	}
	if beforeID > 0 {
		hi = min(hi, beforeID-1)
	}
	if lo > hi {
		return plan{empty: true}, nil
	}
	// When the lower bound is only the purged one and another filter
	// applies, it is written so that SQLite does not plan by it ("+id"
	// is no index term): given the rowid range, with a tool filter of
	// more than maxToolArms tools SQLite walked the table newest first
	// and read every row to the first matches, 1,000 times slower at
	// 300,000 entries than by the tool index.
	bound := "id >= ?"
	if lo > startID && (f.ToolName != "" || f.SessionID != "" || f.TaskID != "" || f.UserID != "" || f.ConfirmedOnly) {
		bound = "+id >= ?"
	}
	if lo > 1 {
		p.where, p.args = append(p.where, bound), append(p.args, lo)
	}
	if hi < math.MaxInt64 {
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

// resolveID runs a query of one id at a time bound, and returns 0 when no
// entry is there.
func resolveID(ctx context.Context, tx *sql.Tx, query string, micros int64) (int64, error) {
	var id sql.NullInt64
	if err := tx.QueryRowContext(ctx, query, micros).Scan(&id); err != nil {
		return 0, unavailable("resolve time", err)
	}
	return id.Int64, nil
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
// query sees the same snapshot, once the schema is checked (checkSchema).
func (s *Store) readTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return unavailable("begin read", err)
	}
	defer tx.Rollback()
	if err := s.checkSchema(ctx, tx); err != nil {
		return err
	}
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
		// The page starts among the entries not yet indexed, which are the
		// newest, and goes on into the indexed ones. Without an offset one
		// statement reads both, a page from each, and keeps the newest;
		// when none waits, one reads entries alone, which spares sorting
		// the page (a fifth of the time of a first page).
		var waiting bool
		if err := tx.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM recent)").Scan(&waiting); err != nil {
			return unavailable("query", err)
		}
		if !waiting {
			query, args := p.selectIDs(q.Limit, q.Offset)
			leaves, err = readLeaves(ctx, tx, pageSQL("entries", query), args)
			return err
		}
		cond, args := p.recentConditions()
		if q.Offset == 0 {
			ids, idArgs := p.selectIDs(q.Limit, 0)
			leaves, err = readLeaves(ctx, tx, "SELECT leaf FROM (SELECT * FROM (SELECT id, leaf FROM recent WHERE id IN (SELECT id FROM recent"+cond+
				" ORDER BY id DESC LIMIT ?)) UNION ALL SELECT * FROM (SELECT id, leaf FROM entries WHERE id IN ("+ids+"))) ORDER BY id DESC LIMIT ?",
				append(append(append(args, q.Limit), idArgs...), q.Limit))
			return err
		}
		leaves, err = readLeaves(ctx, tx, pageSQL("recent", "SELECT id FROM recent"+cond+" ORDER BY id DESC LIMIT ? OFFSET ?"),
			append(args, q.Limit, q.Offset))
		if err != nil || len(leaves) >= q.Limit {
			return err
		}
		offset := 0
		if len(leaves) == 0 {
			var matched int
			if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM recent"+cond, args...).Scan(&matched); err != nil {
				return unavailable("query", err)
			}
			offset = max(0, q.Offset-matched)
		}
		query, args := p.selectIDs(q.Limit-len(leaves), offset)
		more, err := readLeaves(ctx, tx, pageSQL("entries", query), args)
		leaves = append(leaves, more...)
		return err
	})
	return leaves, err
}

// pageSQL returns the query of the leaves of table's entries whose ids the
// query ids selects, newest first.
func pageSQL(table, ids string) string {
	return "SELECT leaf FROM " + table + " WHERE id IN (" + ids + ") ORDER BY id DESC"
}

// readLeaves runs a query of leaves and returns them.
func readLeaves(ctx context.Context, tx *sql.Tx, query string, args []any) ([][]byte, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, unavailable("query", err)
	}
	defer rows.Close()
	var leaves [][]byte
	for rows.Next() {
		var leaf []byte
		if err := rows.Scan(&leaf); err != nil {
			return nil, unavailable("query", err)
		}
		leaves = append(leaves, leaf)
	}
	if err := rows.Err(); err != nil {
		return nil, unavailable("query", err)
	}
	return leaves, nil
}

// recentConditions returns the WHERE clause of p on the recent table, which
// has no index: one scan, newest first, with the tools as a set.
func (p plan) recentConditions() (string, []any) {
	var extra []string
	var args []any
	if p.tools != nil {
		cond, toolArgs := p.toolCond()
		extra, args = []string{cond}, toolArgs
	}
	return p.conditions(extra...), append(args, p.args...)
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
		// Counts hold the indexed entries; those not yet indexed (recent)
		// are counted by a scan of their few.
		var query string
		var args []any
		recent, recentArgs := p.recentConditions()
		switch {
		case p.counted != nil:
			// A purge took its entries off counts; recent may still hold
			// some rows of them.
			c := strings.Join(p.counted, " AND ")
			query = "SELECT (SELECT coalesce(sum(n), 0) FROM counts WHERE " + c + ") + (SELECT count(*) FROM recent WHERE id > ? AND " + c + ")"
			args = append(append(append([]any{}, p.countedArgs...), p.through), p.countedArgs...)
		case onlyTime(f):
			// Only an id range: a purge removes the oldest entries, so the
			// live ids are one unbroken run, and the count is the distance
			// between the first and the last in the range (one index probe
			// each, where count(*) reads the whole range).
			c := p.conditions()
			query = "SELECT coalesce(max(id) - min(id) + 1, 0) FROM (SELECT min(id) AS id FROM entries" + c +
				" UNION ALL SELECT max(id) FROM entries" + c + " UNION ALL SELECT min(id) FROM recent" + c +
				" UNION ALL SELECT max(id) FROM recent" + c + ")"
			for range 4 {
				args = append(args, p.args...)
			}
		case p.tools == nil:
			query = "SELECT (SELECT count(*) FROM entries" + p.conditions() + ") + (SELECT count(*) FROM recent" + recent + ")"
			args = append(append([]any{}, p.args...), recentArgs...)
		default:
			cond, toolArgs := p.toolCond()
			query = "SELECT (SELECT count(*) FROM entries" + p.conditions(cond) + ") + (SELECT count(*) FROM recent" + recent + ")"
			args = append(append(toolArgs, p.args...), recentArgs...)
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
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT leaf FROM entries WHERE id = ?1 AND id > (SELECT through FROM purged WHERE one = 1)
UNION ALL SELECT leaf FROM recent WHERE id = ?1 AND id > (SELECT through FROM purged WHERE one = 1)`, id).Scan(&leaf)
		if err == sql.ErrNoRows {
			return fmt.Errorf("%w: no entry %d", tooltrail.ErrNotFound, id)
		}
		if err != nil {
			return unavailable("read entry", err)
		}
		return nil
	})
	return leaf, err
}

// Tools returns the tools with live entries (of user, unless "") and their
// counts, by name.
// Errors wrap tooltrail.ErrUnavailable.
func (s *Store) Tools(ctx context.Context, user string) ([]tooltrail.ToolCount, error) {
	where, args := "", []any{}
	if user != "" {
		where, args = " AND user = (SELECT id FROM names WHERE kind = ?1 AND value = ?2)", []any{dict.KindUser, user}
	}
	// Counts hold the indexed entries but those purged, recent the others
	// (and rows of purged ones the eraser has not deleted yet).
	tools := []tooltrail.ToolCount{}
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, "SELECT names.value, sum(c.n) FROM (SELECT tool, n FROM counts WHERE 1"+where+
			" UNION ALL SELECT tool, count(*) FROM recent WHERE id > (SELECT through FROM purged WHERE one = 1)"+where+
			" GROUP BY tool) c JOIN names ON names.id = c.tool GROUP BY c.tool HAVING sum(c.n) > 0 ORDER BY names.value", args...)
		if err != nil {
			return unavailable("tools", err)
		}
		defer rows.Close()
		for rows.Next() {
			var t tooltrail.ToolCount
			if err := rows.Scan(&t.Name, &t.Count); err != nil {
				return unavailable("tools", err)
			}
			tools = append(tools, t)
		}
		if err := rows.Err(); err != nil {
			return unavailable("tools", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return tools, nil
}
