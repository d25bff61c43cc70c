package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/internal/pgtest"
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
	if r.code != 0 || !strings.Contains(r.stdout, "imported 0 new entries, 4 already there") {
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
