// Package seeddesign is oAI-Web's audit log as its Python code uses
// PostgreSQL (text timestamps, arguments as jsonb, no index but the
// primary key, one INSERT a call in its own transaction, ORDER BY a cast,
// OFFSET, ILIKE), so that benchmarks can run it beside tooltrail on the
// same database in one run.
package seeddesign

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/tooltrail/tooltrail"
)

// Schema is the seed's audit_log table.
const Schema = `CREATE TABLE audit_log (
	id serial PRIMARY KEY, timestamp text NOT NULL, session_id text, tool_name text NOT NULL,
	arguments jsonb, result_summary text, confirmed boolean NOT NULL DEFAULT false, task_id text, user_id text)`

// insert is the seed's record statement.
const insert = `INSERT INTO audit_log (timestamp, session_id, tool_name, arguments, result_summary, confirmed, task_id, user_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`

// Design is the seed's audit log on a pool whose search_path holds its
// table.
type Design struct{ Pool *pgxpool.Pool }

// Create makes the seed's table in the pool's schema. Errors: the
// database's.
func (d *Design) Create(ctx context.Context) error {
	if _, err := d.Pool.Exec(ctx, Schema); err != nil {
		return fmt.Errorf("create the seed's table: %w", err)
	}
	return nil
}

// Record is the seed's AuditLog.record: the arguments as JSON, the time
// as ISO 8601 text, one INSERT that returns the new id. Errors: the
// arguments' encoding error or the database's.
func (d *Design) Record(ctx context.Context, c tooltrail.Call) error {
	_, err := d.RecordAt(ctx, c, time.Now())
	return err
}

// RecordAt is Record as if the clock said at, and returns the row's id,
// so that a test can write a table as the seed would have over time.
// Errors: as Record.
func (d *Design) RecordAt(ctx context.Context, c tooltrail.Call, at time.Time) (int64, error) {
	var args any
	if c.Arguments != nil {
		b, err := json.Marshal(c.Arguments)
		if err != nil {
			return 0, err
		}
		args = b
	}
	var id int64
	err := d.Pool.QueryRow(ctx, insert, at.UTC().Format("2006-01-02T15:04:05.000000+00:00"),
		nullable(c.SessionID), c.ToolName, args, nullable(c.ResultSummary), c.Confirmed, nullable(c.TaskID), nullable(c.UserID)).Scan(&id)
	return id, err
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// where builds the seed's WHERE clause for a filter, as its query and
// count do (with its tool_name unescaped, as it is).
func where(f tooltrail.Filter) (string, []any) {
	var clauses []string
	var args []any
	add := func(c string, v any) {
		args = append(args, v)
		clauses = append(clauses, fmt.Sprintf(c, len(args)))
	}
	if !f.Start.IsZero() {
		add("timestamp::timestamptz >= $%d::timestamptz", f.Start)
	}
	if !f.End.IsZero() {
		add("timestamp::timestamptz <= $%d::timestamptz", f.End)
	}
	if f.ToolName != "" {
		add("tool_name ILIKE $%d", "%"+f.ToolName+"%")
	}
	if f.SessionID != "" {
		add("session_id = $%d", f.SessionID)
	}
	if f.TaskID != "" {
		add("task_id = $%d", f.TaskID)
	}
	if f.ConfirmedOnly {
		clauses = append(clauses, "confirmed = TRUE")
	}
	if f.UserID != "" {
		add("user_id = $%d", f.UserID)
	}
	if len(clauses) == 0 {
		return "", args
	}
	return "WHERE " + strings.Join(clauses, " AND "), args
}

// Query is the seed's AuditLog.query: ORDER BY a cast, LIMIT and OFFSET;
// it reads the rows and drops them. Errors: the database's.
func (d *Design) Query(ctx context.Context, f tooltrail.Filter) error {
	w, args := where(f)
	limit := f.Limit
	if limit == 0 {
		limit = tooltrail.DefaultLimit
	}
	args = append(args, limit, f.Offset)
	rows, err := d.Pool.Query(ctx, fmt.Sprintf(`SELECT id, timestamp, session_id, tool_name, arguments, result_summary, confirmed, task_id, user_id
FROM audit_log %s ORDER BY timestamp::timestamptz DESC LIMIT $%d OFFSET $%d`, w, len(args)-1, len(args)), args...)
	if err != nil {
		return err
	}
	rows.Close()
	return rows.Err()
}

// Count is the seed's AuditLog.count. Errors: the database's.
func (d *Design) Count(ctx context.Context, f tooltrail.Filter) (int64, error) {
	w, args := where(f)
	var n int64
	err := d.Pool.QueryRow(ctx, "SELECT count(*) FROM audit_log "+w, args...).Scan(&n)
	return n, err
}
