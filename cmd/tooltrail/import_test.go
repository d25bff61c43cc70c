package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/internal/pgtest"
	"github.com/tooltrail/tooltrail/internal/seeddesign"
	"github.com/tooltrail/tooltrail/sqlite"
)

// TestImportFromOAIWeb imports a real oAI-Web-shaped audit_log table into
// an empty log, then again: the second run imports nothing twice.
func TestImportFromOAIWeb(t *testing.T) {
	base := pgtest.URL(t)
	_, schema := freshStore(t, base)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	table := pgx.Identifier{schema, "audit_log"}.Sanitize()
	for _, q := range []string{
		"CREATE SCHEMA " + pgx.Identifier{schema}.Sanitize(),
		// oAI-Web's table: timestamp is ISO 8601 text, arguments jsonb.
		"CREATE TABLE " + table + ` (id SERIAL PRIMARY KEY, timestamp TEXT NOT NULL, session_id TEXT,
			tool_name TEXT NOT NULL, arguments JSONB, result_summary TEXT, confirmed BOOLEAN NOT NULL DEFAULT FALSE,
			task_id TEXT, user_id TEXT)`,
		"INSERT INTO " + table + ` (timestamp, session_id, tool_name, arguments, result_summary, confirmed, task_id, user_id) VALUES
			('2026-04-08T10:43:24.123456+00:00', 's1', 'read_file', '{"path": "/etc/hosts", "n": 1.50}', '10 lines', true, NULL, 'alice'),
			('2026-04-08T10:43:25.000001+00:00', NULL, 'web_search', NULL, NULL, false, 't1', NULL),
			('2026-04-08T10:43:24.900000+00:00', 's1', 'shell', '["ls", {"b": 2, "a": 1}]', 'ok', false, NULL, 'bob'),
			('2026-04-09T08:00:00+00:00', 's2', 'read_file', '{}', '', true, 't2', 'alice')`,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	args := []string{"import", "--from-oaiweb", base, "--table", schema + ".audit_log", "--data", dir}
	r := run(t, noEnv, "", args...)
	if r.code != 0 || !strings.Contains(r.stdout, "read 4 rows, imported 4 new entries") {
		t.Fatalf("first import: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	r = run(t, noEnv, "", args...)
	if r.code != 0 || !strings.Contains(r.stdout, "skipped 4 rows up to source id 4") || !strings.Contains(r.stdout, "read 0 rows, imported 0 new entries") {
		t.Fatalf("second import: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}

	store, err := sqlite.Open(ctx, sqlite.Config{Path: filepath.Join(dir, "tooltrail.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	log, err := tooltrail.New(ctx, store, tooltrail.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	page, err := log.Query(ctx, tooltrail.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Entries) != 4 {
		t.Fatalf("%d entries after two imports, want 4", len(page.Entries))
	}
	first, err := log.Entry(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2026, 4, 8, 10, 43, 24, 123456000, time.UTC)
	if first.ToolName != "read_file" || !first.Timestamp.Equal(want) || string(first.Arguments) != `{"n":1.50,"path":"/etc/hosts"}` ||
		!first.Confirmed || first.UserID != "alice" || first.CallID != "oai-web:1" ||
		first.Imported == nil || first.Imported.ID != 1 || first.Imported.Timestamp != "2026-04-08T10:43:24.123456+00:00" {
		t.Errorf("entry 1 = %+v (imported %+v)", first, first.Imported)
	}
	if !strings.HasPrefix(string(first.Leaf), `{"v":3,`) {
		t.Errorf("imported leaf %s, want version 3 (imported, with their salt)", first.Leaf)
	}
	// Row 3 is older than row 2 in oAI-Web; the log's times never go back,
	// and the leaf keeps the original.
	third, err := log.Entry(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	if !third.Timestamp.Equal(time.Date(2026, 4, 8, 10, 43, 25, 1000, time.UTC)) || third.Imported.Timestamp != "2026-04-08T10:43:24.900000+00:00" {
		t.Errorf("entry 3 at %v, imported %+v; want the time of entry 2 and the original in the leaf", third.Timestamp, third.Imported)
	}
	n, err := log.Count(ctx, tooltrail.Filter{Start: time.Date(2026, 4, 9, 0, 0, 0, 0, time.UTC)})
	if err != nil || n != 1 {
		t.Errorf("entries since April 9 = %d, %v; want 1: time filters see the original times", n, err)
	}
}

// seedTable makes the seed's own audit_log table in a fresh schema and
// returns a pool on it and the table's qualified name.
func seedTable(t *testing.T) (*seeddesign.Design, string) {
	t.Helper()
	base := pgtest.URL(t)
	schema := pgtest.FreshSchema(t, base)
	cfg, err := pgxpool.ParseConfig(base)
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.RuntimeParams["search_path"] = schema
	pool, err := pgxpool.NewWithConfig(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if _, err := pool.Exec(t.Context(), "CREATE SCHEMA IF NOT EXISTS "+pgx.Identifier{schema}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	d := &seeddesign.Design{Pool: pool}
	if err := d.Create(t.Context()); err != nil {
		t.Fatal(err)
	}
	return d, schema + ".audit_log"
}

// TestImportNeverResurrectsAndSkipsOddRows writes a table with the seed's
// own statements, old and recent rows and rows the log's limits refuse,
// imports it, purges the old entries, and imports again: nothing purged
// comes back, the odd rows are reported by id and counted, imported
// entries keep their source time, rows added later are imported, and
// verify is clean.
func TestImportNeverResurrectsAndSkipsOddRows(t *testing.T) {
	ctx := t.Context()
	seed, table := seedTable(t)
	now := time.Now().UTC()
	old, recent := now.AddDate(0, 0, -40), now.AddDate(0, 0, -1)
	deep := json.RawMessage(strings.Repeat("[", 70) + strings.Repeat("]", 70))
	long := json.RawMessage(`{"n": 1` + strings.Repeat("0", 120) + `}`)
	rows := []struct {
		call tooltrail.Call
		at   time.Time
		odd  string // what the report names for a row the log refuses
	}{
		{tooltrail.Call{ToolName: "read_file", Arguments: map[string]any{"path": "/etc/hosts"}, UserID: "alice"}, old, ""},
		{tooltrail.Call{ToolName: ""}, old, "tool_name: is required"},
		{tooltrail.Call{ToolName: strings.Repeat("t", 300)}, old, "tool_name"},
		{tooltrail.Call{ToolName: "shell", ResultSummary: strings.Repeat("x", 70<<10)}, old, "result_summary"},
		{tooltrail.Call{ToolName: "deep", Arguments: deep}, old, "arguments"},
		{tooltrail.Call{ToolName: "number", Arguments: long}, old, "arguments"},
		{tooltrail.Call{ToolName: "web_search", SessionID: "s1"}, old, ""},
		{tooltrail.Call{ToolName: "read_file", UserID: "bob"}, recent, ""},
		{tooltrail.Call{ToolName: "shell", TaskID: "t1"}, recent, ""},
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		id, err := seed.RecordAt(ctx, r.call, r.at)
		if err != nil {
			t.Fatalf("row %d: %v", i, err)
		}
		ids[i] = id
	}
	dir := t.TempDir()
	args := []string{"import", "--from-oaiweb", pgtest.URL(t), "--table", table, "--data", dir}
	r := run(t, noEnv, "", args...)
	if r.code != 0 || !strings.Contains(r.stdout, "read 9 rows, imported 4 new entries, 0 already there, 5 not importable") {
		t.Fatalf("first import: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	for i, row := range rows {
		if row.odd == "" {
			continue
		}
		if want := fmt.Sprintf("row %d not imported: %s", ids[i], row.odd); !strings.Contains(r.stderr, want) {
			t.Errorf("the report lacks %q:\n%s", want, r.stderr)
		}
	}
	if strings.Contains(r.stderr, "stamped") {
		t.Errorf("an import into a new log moved times:\n%s", r.stderr)
	}

	store, err := sqlite.Open(ctx, sqlite.Config{Path: filepath.Join(dir, "tooltrail.db")})
	if err != nil {
		t.Fatal(err)
	}
	log, err := tooltrail.New(ctx, store, tooltrail.Config{})
	if err != nil {
		t.Fatal(err)
	}
	first, err := log.Entry(ctx, 1)
	if err != nil || !first.Timestamp.Equal(old.Truncate(time.Microsecond)) {
		t.Errorf("entry 1 at %v (%v), want its source time %v", first.Timestamp, err, old)
	}
	days := 20
	if n, err := log.Purge(ctx, &days); err != nil || n != 2 {
		t.Errorf("purge older than 20 days deleted %d, %v; want the 2 old imported entries", n, err)
	}
	log.Close()
	store.Close()

	r = run(t, noEnv, "", args...)
	if r.code != 0 || !strings.Contains(r.stdout, "skipped 9 rows up to source id "+fmt.Sprint(ids[len(ids)-1])) ||
		!strings.Contains(r.stdout, "read 0 rows, imported 0 new entries") {
		t.Fatalf("import after the purge: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	if _, err := seed.RecordAt(ctx, tooltrail.Call{ToolName: "late"}, now); err != nil {
		t.Fatal(err)
	}
	r = run(t, noEnv, "", args...)
	if r.code != 0 || !strings.Contains(r.stdout, "read 1 rows, imported 1 new entries") {
		t.Fatalf("import of a row added later: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}

	srv := startServer(t, dir)
	if n, err := srv.client(t).Count(ctx, tooltrail.Filter{}); err != nil || n != 4 {
		t.Errorf("count = %d, %v; want 4: 2 recent imports, the late one and the purge", n, err)
	}
	srv.stop(t)
	if r := run(t, noEnv, "", "verify", "--data", dir); r.code != 0 {
		t.Errorf("verify: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestImportIntoALogWithNewerEntries checks the warning that imported
// entries took a later time than their source's.
func TestImportIntoALogWithNewerEntries(t *testing.T) {
	seed, table := seedTable(t)
	if _, err := seed.RecordAt(t.Context(), tooltrail.Call{ToolName: "old"}, time.Now().AddDate(0, 0, -3)); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	srv := startServer(t, dir)
	srv.mustRun(t, "record", "--tool", "native")
	srv.stop(t)
	r := run(t, noEnv, "", "import", "--from-oaiweb", pgtest.URL(t), "--table", table, "--data", dir)
	if r.code != 0 || !strings.Contains(r.stderr, "warning: 1 entries were stamped up to 72h") {
		t.Errorf("exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
}
