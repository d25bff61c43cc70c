package main

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestQuery(t *testing.T) {
	srv := startServer(t, t.TempDir())
	long := strings.Repeat("x", 100)
	srv.mustRun(t, "record", "--tool", "shell", "--user", "bob", "--args", `{"cmd":"ls"}`)
	srv.mustRun(t, "record", "--tool", "web_search", "--user", "ann", "--session", "s1", "--task", "t1",
		"--confirmed", "--args", `{"q":"`+long+`"}`, "--result", "line one\nline two")
	for i := range 5 {
		srv.mustRun(t, "record", "--tool", "page", "--args", fmt.Sprintf(`{"i":%d}`, i))
	}

	t.Run("PrintsTable", func(t *testing.T) {
		r := srv.mustRun(t, "query", "--tool", "WEB")
		lines := strings.Split(strings.TrimRight(r.stdout, "\n"), "\n")
		if len(lines) != 2 {
			t.Fatalf("stdout has %d lines, want header and 1 row:\n%s", len(lines), r.stdout)
		}
		if !regexp.MustCompile(`^ID\s+TIME\s+TOOL\s+USER\s+SESSION\s+TASK\s+CONFIRMED\s+ARGUMENTS\s+RESULT$`).MatchString(lines[0]) {
			t.Errorf("header = %q", lines[0])
		}
		row := regexp.MustCompile(`^2\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\s+web_search\s+ann\s+s1\s+t1\s+yes\s+\{"q":"x+…\s+line one line two$`)
		if !row.MatchString(lines[1]) {
			t.Errorf("row = %q", lines[1])
		}
		if strings.Contains(r.stderr, "next:") {
			t.Errorf("stderr = %q, want no next cursor", r.stderr)
		}
	})
	t.Run("PrintsJSONLines", func(t *testing.T) {
		r := srv.mustRun(t, "query", "--json")
		entries := decodeEntries(t, r.stdout)
		if len(entries) != 7 {
			t.Fatalf("got %d entries, want 7", len(entries))
		}
		if entries[0].ID != 7 || entries[6].ID != 1 {
			t.Errorf("ids %d..%d, want newest first 7..1", entries[0].ID, entries[6].ID)
		}
		if e := entries[5]; e.ToolName != "web_search" || !e.Confirmed || e.UserID != "ann" || e.ResultSummary != "line one\nline two" {
			t.Errorf("entry 2 = %+v", e)
		}
	})
	t.Run("FiltersByUserAndConfirmed", func(t *testing.T) {
		if e := decodeEntries(t, srv.mustRun(t, "query", "--user", "bob", "--json").stdout); len(e) != 1 || e[0].ToolName != "shell" {
			t.Errorf("--user bob: %+v", e)
		}
		if e := decodeEntries(t, srv.mustRun(t, "query", "--confirmed-only", "--json").stdout); len(e) != 1 || e[0].ID != 2 {
			t.Errorf("--confirmed-only: %+v", e)
		}
	})
	t.Run("FiltersByTime", func(t *testing.T) {
		future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
		r := srv.mustRun(t, "query", "--start", future)
		if r.stdout != "" || !strings.Contains(r.stderr, "no entries match") {
			t.Errorf("stdout %q, stderr %q; want nothing and 'no entries match'", r.stdout, r.stderr)
		}
		if e := decodeEntries(t, srv.mustRun(t, "query", "--end", future, "--start", "2020-01-01", "--json").stdout); len(e) != 7 {
			t.Errorf("got %d entries, want 7", len(e))
		}
	})
	t.Run("PagesWithCursor", func(t *testing.T) {
		r := srv.mustRun(t, "query", "--limit", "3", "--json")
		if e := decodeEntries(t, r.stdout); len(e) != 3 || e[0].ID != 7 {
			t.Fatalf("first page: %+v", e)
		}
		m := regexp.MustCompile(`^next: --cursor (\S+)\n$`).FindStringSubmatch(r.stderr)
		if m == nil {
			t.Fatalf("stderr = %q, want a next cursor", r.stderr)
		}
		r = srv.mustRun(t, "query", "--limit", "3", "--cursor", m[1], "--json")
		if e := decodeEntries(t, r.stdout); len(e) != 3 || e[0].ID != 4 {
			t.Errorf("second page: %+v", e)
		}
	})
	t.Run("AllFollowsCursors", func(t *testing.T) {
		r := srv.mustRun(t, "query", "--all", "--limit", "2", "--json")
		e := decodeEntries(t, r.stdout)
		if len(e) != 7 || e[0].ID != 7 || e[6].ID != 1 {
			t.Errorf("got %d entries", len(e))
		}
		if r.stderr != "" {
			t.Errorf("stderr = %q, want nothing", r.stderr)
		}
		table := srv.mustRun(t, "query", "--all", "--limit", "2")
		if lines := strings.Split(strings.TrimRight(table.stdout, "\n"), "\n"); len(lines) != 8 || strings.Count(table.stdout, "CONFIRMED") != 1 {
			t.Errorf("table of --all has %d lines, want 1 header and 7 rows:\n%s", len(lines), table.stdout)
		}
	})
	t.Run("OffsetSkips", func(t *testing.T) {
		if e := decodeEntries(t, srv.mustRun(t, "query", "--offset", "5", "--json").stdout); len(e) != 2 || e[0].ID != 2 {
			t.Errorf("got %+v", e)
		}
	})

	errs := []struct {
		name       string
		args       []string
		wantCode   int
		wantStderr string
	}{
		{name: "ErrLimitNotNumber", args: []string{"--limit", "ten"}, wantCode: 2, wantStderr: `invalid value "ten" for flag --limit`},
		{name: "ErrLimitTooLarge", args: []string{"--limit", "5000"}, wantCode: 1,
			wantStderr: "tooltrail: server said 400 invalid_argument: limit: must be from 1 to 1000"},
		{name: "ErrLimitNegative", args: []string{"--limit", "-1"}, wantCode: 1, wantStderr: "server said 400 invalid_argument: limit"},
		{name: "ErrBadStart", args: []string{"--start", "yesterday"}, wantCode: 2, wantStderr: `invalid value "yesterday" for flag --start: "yesterday" is not a time`},
		{name: "ErrBadCursor", args: []string{"--cursor", "bogus"}, wantCode: 1, wantStderr: "server said 400 invalid_argument: cursor"},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			r := srv.run(t, append([]string{"query"}, tt.args...)...)
			if r.code != tt.wantCode {
				t.Errorf("exit %d, want %d", r.code, tt.wantCode)
			}
			if !strings.Contains(r.stderr, tt.wantStderr) {
				t.Errorf("stderr = %q, want it to contain %q", r.stderr, tt.wantStderr)
			}
			if r.stdout != "" {
				t.Errorf("stdout = %q, want nothing", r.stdout)
			}
		})
	}
	t.Run("ErrBadEnvTimeNamesVariable", func(t *testing.T) {
		r := run(t, envOf(map[string]string{"TOOLTRAIL_URL": srv.url, "TOOLTRAIL_TOKEN": srv.token(t), "TOOLTRAIL_END": "soon"}), "", "query")
		if r.code != 2 || !strings.Contains(r.stderr, `TOOLTRAIL_END="soon"`) {
			t.Errorf("exit %d, stderr %q", r.code, r.stderr)
		}
	})
}
