package httpapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tooltrail/tooltrail"
)

func TestPurge(t *testing.T) {
	e := newEnv(t)
	for range 3 {
		e.record(t, `{"tool_name":"old"}`)
	}
	e.clock.Advance(48 * time.Hour)
	for range 2 {
		e.record(t, `{"tool_name":"new"}`)
	}

	for _, tt := range []struct {
		name, body string
		want       []string
	}{
		{"ErrEmptyObject", `{}`, []string{"older_than_days: is required", "null"}},
		{"ErrEmptyBody", ``, []string{"empty"}},
		{"ErrNotObject", `7`, []string{"JSON object"}},
		{"ErrNegative", `{"older_than_days":-1}`, []string{"older_than_days"}},
		{"ErrAbsurd", `{"older_than_days":2000000}`, []string{"older_than_days"}},
		{"ErrFraction", `{"older_than_days":1.5}`, []string{"older_than_days: must be a whole number or null, got number 1.5"}},
		{"ErrHuge", `{"older_than_days":1e30}`, []string{"older_than_days", "whole number"}},
		{"ErrString", `{"older_than_days":"7"}`, []string{"older_than_days", "got string"}},
		{"ErrUnknownField", `{"older_than_days":7,"dry_run":true}`, []string{"dry_run: is not a field", "older_than_days"}},
		{"ErrDuplicate", `{"older_than_days":7,"older_than_days":null}`, []string{"older_than_days: is given twice"}},
		{"ErrTrailing", `{"older_than_days":7}{}`, []string{"nothing after"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, e.post(t, "/v1/purge", tt.body), http.StatusBadRequest, "invalid_argument", tt.want...)
		})
	}
	if n := e.count(t, ""); n != 5 {
		t.Fatalf("after bad purges: count %d, want 5", n)
	}

	purgeEntry := func(t *testing.T) tooltrail.Entry {
		t.Helper()
		p := e.query(t, "tool_name="+tooltrail.PurgeTool+"&limit=1")
		if len(p.Entries) != 1 {
			t.Fatalf("no purge entry")
		}
		return p.Entries[0]
	}
	t.Run("DeletesOlderThanDays", func(t *testing.T) {
		a := e.post(t, "/v1/purge", `{"older_than_days":1}`)
		if got := strings.TrimSpace(string(a.body)); a.status != http.StatusOK || got != `{"deleted":3}` {
			t.Fatalf("status %d body %s, want 200 {\"deleted\":3}", a.status, got)
		}
		wantError(t, e.get(t, "/v1/entries/1"), http.StatusNotFound, "not_found")
		got := purgeEntry(t)
		before := t0.Add(24 * time.Hour).Format(tooltrail.TimeLayout)
		want := tooltrail.Entry{
			ID: 6, Timestamp: t0.Add(48 * time.Hour), ToolName: tooltrail.PurgeTool,
			Arguments:     json.RawMessage(`{"before":"` + before + `","deleted":3,"older_than_days":1,"purged_through":3}`),
			ResultSummary: "deleted 3 entries",
		}
		if diff := cmp.Diff(want, got, cmpopts.EquateEmpty(), cmpopts.IgnoreFields(tooltrail.Entry{}, "Salt")); diff != "" {
			t.Errorf("purge entry (-want +got):\n%s", diff)
		}
		var tools []string
		for _, en := range e.query(t, "").Entries {
			tools = append(tools, en.ToolName)
		}
		if diff := cmp.Diff([]string{tooltrail.PurgeTool, "new", "new"}, tools); diff != "" {
			t.Errorf("entries left (-want +got):\n%s", diff)
		}
	})
	t.Run("DeletesAllWithNull", func(t *testing.T) {
		e.clock.Advance(time.Second)
		a := e.post(t, "/v1/purge", `{"older_than_days":null}`)
		if got := strings.TrimSpace(string(a.body)); a.status != http.StatusOK || got != `{"deleted":3}` {
			t.Fatalf("status %d body %s, want 200 {\"deleted\":3}", a.status, got)
		}
		p := e.query(t, "")
		if len(p.Entries) != 1 {
			t.Fatalf("%d entries left, want the purge entry alone", len(p.Entries))
		}
		want := tooltrail.Entry{
			ID: 7, Timestamp: t0.Add(48*time.Hour + time.Second), ToolName: tooltrail.PurgeTool,
			Arguments: json.RawMessage(`{"deleted":3,"older_than_days":null,"purged_through":6}`), ResultSummary: "deleted 3 entries",
		}
		if diff := cmp.Diff(want, p.Entries[0], cmpopts.EquateEmpty(), cmpopts.IgnoreFields(tooltrail.Entry{}, "Salt")); diff != "" {
			t.Errorf("purge entry (-want +got):\n%s", diff)
		}
		var h struct {
			Status   string `json:"status"`
			TreeSize int64  `json:"tree_size"`
		}
		e.sign(t)
		decode(t, e.get(t, "/healthz").body, &h)
		if h.TreeSize != 7 {
			t.Errorf("tree_size %d, want 7: the tree keeps purged leaves", h.TreeSize)
		}
	})
}
