package postgres

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/internal/dict"
)

// maxToolArms is the most matching tools a query reads one index range
// each for; with more, it filters one scan by the set.
const maxToolArms = 64

// sqlTools lists the tool dictionary, which tool_name is matched against.
const sqlTools = "SELECT id, value FROM names WHERE kind = 1"

// plan is a filter resolved to ids: what the statements of a query or
// count filter entries by, all constants, so that the planner sees the
// values it plans for.
type plan struct {
	bound         int64   // 0, or no id above: the head when the plan was made
	lo, hi        int64   // 0, or the id range of the time bounds
	session, task int64   // 0, or the dictionary id to match
	user          int64   // 0, or the dictionary id to match
	tools         []int64 // matching tool ids; nil when tool_name does not filter
	confirmed     bool
	before        int64 // 0, or only ids below
	empty         bool  // nothing can match
	counted       bool  // only tool, user and confirmed filter: a count is a sum of counters
}

// args collects the parameters of one statement.
type args []any

// add adds a parameter and returns its placeholder.
func (a *args) add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

// makePlan resolves what a filter needs, in one round trip: the head's
// size, so that the query that follows as a second statement sees the
// entries of that moment and none newer (purges aside); the ids of the
// time bounds through the time index; the dictionary ids of the session,
// task and user; and the tools whose name holds tool_name, matched in Go
// as the SQLite store does, so that case folds the same on every database
// locale. Errors wrap tooltrail.ErrUnavailable.
func (s *Store) makePlan(ctx context.Context, f tooltrail.Filter, beforeID int64) (*plan, error) {
	p := &plan{
		confirmed: f.ConfirmedOnly,
		before:    beforeID,
		counted:   f.Start.IsZero() && f.End.IsZero() && f.SessionID == "" && f.TaskID == "" && beforeID == 0,
	}
	if f.ToolName == "" && f.Start.IsZero() && f.End.IsZero() && f.SessionID == "" && f.TaskID == "" && f.UserID == "" {
		return p, nil
	}
	var (
		r   resolution
		ids [6]*int64 // bound, lo, hi, session, task, user
	)
	r.column(&ids[0], "SELECT size FROM head WHERE one")
	if !f.Start.IsZero() {
		r.column(&ids[1], "SELECT id FROM entries WHERE ts >= $? ORDER BY ts, id LIMIT 1", f.Start)
	}
	if !f.End.IsZero() {
		r.column(&ids[2], "SELECT id FROM entries WHERE ts <= $? ORDER BY ts DESC, id DESC LIMIT 1", f.End)
	}
	for i, c := range []struct {
		kind  int16
		value string
	}{{dict.KindSession, f.SessionID}, {dict.KindTask, f.TaskID}, {dict.KindUser, f.UserID}} {
		if c.value != "" {
			r.column(&ids[3+i], "SELECT id FROM names WHERE kind = $? AND value = $?", c.kind, c.value)
		}
	}
	// The tools are read after the head, by a statement with a later
	// snapshot: every entry up to the head has its tool in the dictionary.
	b := &pgx.Batch{}
	b.Queue("SELECT "+r.sql.String(), r.args...).QueryRow(func(row pgx.Row) error { return row.Scan(r.dst...) })
	if f.ToolName != "" {
		queueMatchTools(b, f.ToolName, &p.tools)
	}
	if err := s.pool.SendBatch(ctx, b).Close(); err != nil {
		return nil, unavailable("resolve filter", err)
	}
	wanted := [6]bool{true, !f.Start.IsZero(), !f.End.IsZero(), f.SessionID != "", f.TaskID != "", f.UserID != ""}
	for i, want := range wanted {
		if want && ids[i] == nil {
			p.empty = true // no such time, session, task or user
		}
	}
	if f.ToolName != "" && len(p.tools) == 0 {
		p.empty = true
	}
	if ids[0] != nil && *ids[0] == 0 {
		p.empty = true // the log was empty
	}
	if p.empty {
		return p, nil
	}
	for i, dst := range []*int64{&p.bound, &p.lo, &p.hi, &p.session, &p.task, &p.user} {
		if ids[i] != nil {
			*dst = *ids[i]
		}
	}
	return p, nil
}

// queueMatchTools queues the read of the tool dictionary and sets *ids to
// the ids of the tools whose name holds sub, ignoring case as the SQLite
// store does (strings.ToLower); % and _ are plain characters.
func queueMatchTools(b *pgx.Batch, sub string, ids *[]int64) {
	sub = strings.ToLower(sub)
	b.Queue(sqlTools).Query(func(rows pgx.Rows) error {
		var (
			id   int64
			name string
		)
		*ids = []int64{}
		_, err := pgx.ForEachRow(rows, []any{&id, &name}, func() error {
			if strings.Contains(strings.ToLower(name), sub) {
				*ids = append(*ids, id)
			}
			return nil
		})
		return err
	})
}

// resolution is one SELECT of scalar subqueries.
type resolution struct {
	sql  strings.Builder
	args args
	dst  []any
}

// column adds the scalar subquery query, whose $? placeholders take vals
// in order and whose result (NULL when it finds no row) lands in *dst.
func (r *resolution) column(dst **int64, query string, vals ...any) {
	if len(r.dst) > 0 {
		r.sql.WriteString(", ")
	}
	for _, v := range vals {
		query = strings.Replace(query, "$?", r.args.add(v), 1)
	}
	r.sql.WriteString("(" + query + ")")
	r.dst = append(r.dst, dst)
}

// conds returns the conditions of p on entries, but for the tool, with
// their parameters added to a.
func (p *plan) conds(a *args) []string {
	var c []string
	for _, b := range []struct {
		cond string
		v    int64
	}{
		{"id <= ", p.bound}, {"id >= ", p.lo}, {"id <= ", p.hi}, {"session = ", p.session},
		{"task = ", p.task}, {`"user" = `, p.user}, {"id < ", p.before},
	} {
		if b.v != 0 {
			c = append(c, b.cond+a.add(b.v))
		}
	}
	if p.confirmed {
		c = append(c, p.confirmedCond())
	}
	return c
}

// confirmedCond returns the condition that an entry was confirmed. Next to
// a filter by tool, session, task or user it is written so that it cannot
// use the confirmed index: confirmed calls are a large share of an agent's
// log, and with the default cost of random reads PostgreSQL 15 took that
// index over the user index for user_id with confirmed_only, and a count
// at 1M entries took 19 ms instead of 4 ms. The other filter's index is
// the one to read; confirmed is checked in the row.
func (p *plan) confirmedCond() string {
	if p.tools != nil || p.session != 0 || p.task != 0 || p.user != 0 {
		return "confirmed IS TRUE"
	}
	return "confirmed"
}

// toolCond returns the condition that an entry's (or counter's) tool is
// one of p.tools, or "" when the tool does not filter.
func (p *plan) toolCond(a *args) string {
	switch {
	case p.tools == nil:
		return ""
	case len(p.tools) == 1:
		return "tool = " + a.add(p.tools[0])
	default:
		return "tool = ANY(" + a.add(p.tools) + ")"
	}
}

// where returns " WHERE c1 AND c2 ..." of the non-empty conditions, or "".
func where(conds ...string) string {
	var c []string
	for _, s := range conds {
		if s != "" {
			c = append(c, s)
		}
	}
	if len(c) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(c, " AND ")
}

// selectIDs returns a SELECT of the ids of one page, newest first. With a
// few matching tools it reads one index range per tool, each newest first
// and cut at the page's end, merged (a Merge Append); otherwise one range.
func (p *plan) selectIDs(a *args, limit, offset int) string {
	if len(p.tools) < 2 || len(p.tools) > maxToolArms {
		tool := p.toolCond(a)
		return "SELECT id FROM entries" + where(append(p.conds(a), tool)...) +
			" ORDER BY id DESC LIMIT " + a.add(limit) + " OFFSET " + a.add(offset)
	}
	conds := slices.Clip(p.conds(a)) // shared by every arm: the same placeholders
	depth := a.add(limit + offset)
	arms := make([]string, len(p.tools))
	for i, tool := range p.tools {
		arms[i] = "(SELECT id FROM entries" + where(append(conds, "tool = "+a.add(tool))...) + " ORDER BY id DESC LIMIT " + depth + ")"
	}
	return "SELECT id FROM (" + strings.Join(arms, " UNION ALL ") + ") AS arms ORDER BY id DESC LIMIT " +
		a.add(limit) + " OFFSET " + a.add(offset)
}

// countSQL returns the statement that counts the entries of p.
func (p *plan) countSQL(a *args) string {
	if p.tools == nil && p.session == 0 && p.task == 0 && p.user == 0 && !p.confirmed && (p.lo != 0 || p.hi != 0) {
		// Only an id range: a purge removes the oldest entries, so the
		// live ids are one unbroken run, and the count is the distance
		// between the first and the last in the range (one index probe
		// each, where count(*) reads the whole range).
		w := where(p.conds(a)...)
		return "SELECT coalesce((SELECT max(id) FROM entries" + w + ") - (SELECT min(id) FROM entries" + w + ") + 1, 0)::bigint"
	}
	if !p.counted {
		return "SELECT count(*) FROM entries" + where(append(p.conds(a), p.toolCond(a))...)
	}
	conds := []string{p.toolCond(a)}
	if p.user != 0 {
		conds = append(conds, `"user" = `+a.add(p.user))
	}
	if p.confirmed {
		conds = append(conds, "confirmed")
	}
	return "SELECT coalesce(sum(n), 0)::bigint FROM counts" + where(conds...)
}
