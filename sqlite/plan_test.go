package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tooltrail/tooltrail"
)

// TestPagesReadTheirFilterIndexAfterAPurge checks the plan SQLite makes
// for a page of each filter, before any purge and after one: each must
// read the filter's index. Given the purged bound as a rowid range, SQLite
// took it for a page of a tool filter matching more than maxToolArms
// tools and walked the table, newest first, reading every row up to the
// first matches.
func TestPagesReadTheirFilterIndexAfterAPurge(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, Config{Path: filepath.Join(t.TempDir(), "log.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := 1; i <= maxToolArms+6; i++ {
		if _, err := s.w.ExecContext(ctx, "INSERT INTO names (kind, value) VALUES (1, ?)", fmt.Sprintf("tool_%03d", i)); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"session", "user"} {
		kind := map[string]int{"session": 2, "user": 4}[name]
		if _, err := s.w.ExecContext(ctx, "INSERT INTO names (kind, value) VALUES (?, ?)", kind, name); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name  string
		f     tooltrail.Filter
		index string
	}{
		{"one tool", tooltrail.Filter{ToolName: "tool_001"}, "entries_tool"},
		{"a few tools", tooltrail.Filter{ToolName: "tool_00"}, "entries_tool"},
		{"more tools than arms", tooltrail.Filter{ToolName: "tool_"}, "entries_tool"},
		{"session", tooltrail.Filter{SessionID: "session"}, "entries_session"},
		{"user", tooltrail.Filter{UserID: "user"}, "entries_user"},
		{"confirmed", tooltrail.Filter{ConfirmedOnly: true}, "entries_confirmed"},
		{"tool and user", tooltrail.Filter{ToolName: "tool_001", UserID: "user"}, "entries_tool_user"},
	}
	// Plans do not depend on the rows: an empty log whose head says ten
	// entries, of which through are purged.
	if _, err := s.w.ExecContext(ctx, "UPDATE head SET size = 10"); err != nil {
		t.Fatal(err)
	}
	for _, through := range []int64{0, 5} {
		if _, err := s.w.ExecContext(ctx, "UPDATE purged SET through = ?", through); err != nil {
			t.Fatal(err)
		}
		for _, tt := range tests {
			t.Run(fmt.Sprintf("through=%d/%s", through, tt.name), func(t *testing.T) {
				tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
				if err != nil {
					t.Fatal(err)
				}
				defer tx.Rollback()
				p, err := makePlan(ctx, tx, tt.f, 0)
				if err != nil || p.empty {
					t.Fatalf("plan: %+v, %v", p, err)
				}
				query, args := p.selectIDs(50, 0)
				if plan := queryPlan(t, tx, query, args); !strings.Contains(plan, "INDEX "+tt.index+" ") {
					t.Errorf("the page reads %q, want the index %s", plan, tt.index)
				}
			})
		}
	}
}

// queryPlan returns what EXPLAIN QUERY PLAN says of query, one step a
// line.
func queryPlan(t *testing.T, tx *sql.Tx, query string, args []any) string {
	t.Helper()
	rows, err := tx.Query("EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var steps []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		steps = append(steps, detail)
	}
	return strings.Join(steps, "\n")
}
