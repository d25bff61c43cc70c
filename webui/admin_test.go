package webui_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/webui"
)

func TestPanel(t *testing.T) {
	e := newEnv(t, func(c *webui.Config) { c.Retention = "purge entries older than 90 days, daily" })
	seed(t, e)
	latest := e.notary.Latest()
	for _, as := range []string{"admin", "reader", "alice-reader"} {
		a := e.get(t, as, "/log")
		want(t, a, http.StatusOK,
			`<dd id="tree-size">6</dd>`,
			`<dd id="signed-size">6</dd>`,
			`<pre id="checkpoint">`+strings.ReplaceAll(string(latest.Note), "+", "&#43;"),
			`<input id="verifier-key" class="key" type="text" readonly value="`+strings.ReplaceAll(e.notary.VerifierKey(), "+", "&#43;")+`">`,
		)
		admin := as == "admin"
		for _, control := range []string{`action="/purge"`, `action="/verify"`, "purge entries older than 90 days, daily"} {
			if strings.Contains(a.body, control) != admin {
				t.Errorf("as %s, the panel shows %s: %v", as, control, !admin)
			}
		}
	}
	// Without a retention setting, the panel says everything is kept.
	bare := newEnv(t, nil)
	want(t, bare.get(t, "admin", "/log"), http.StatusOK, "Keep every entry (no retention is set).")
}

func TestPurge(t *testing.T) {
	e := newEnv(t, nil)
	// Eight entries a day apart: on the last day, 2 are older than 5 days.
	for i := range 8 {
		e.record(t, tooltrail.Call{ToolName: "t", UserID: "u", ResultSummary: letter(i)}, 24*time.Hour)
	}
	e.clock.Advance(-24 * time.Hour) // now is the last entry's time
	total := func() int64 {
		n, err := e.log.Count(context.Background(), tooltrail.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	// A reader may not even ask.
	want(t, e.post(t, "reader", "/purge", url.Values{"scope": {"all"}}), http.StatusForbidden, "This needs an admin token")
	want(t, e.post(t, "reader", "/purge/confirm", url.Values{"scope": {"all"}}), http.StatusForbidden)
	if n := total(); n != 8 {
		t.Fatalf("a reader's purge deleted: %d entries left", n)
	}

	// The first POST only shows what would go.
	days := url.Values{"scope": {"days"}, "days": {"5"}}
	a := e.post(t, "admin", "/purge", days)
	want(t, a, http.StatusOK, `This deletes <strong id="purge-count">2</strong> entries older than 5 days`,
		`action="/purge/confirm"`, `name="scope" value="days"`, `name="days" value="5"`)
	if n := total(); n != 8 {
		t.Fatalf("the confirmation page deleted: %d entries left", n)
	}
	// The second purges, as the admin.
	a = e.post(t, "admin", "/purge/confirm", days)
	want(t, a, http.StatusOK, `Deleted <strong id="purge-deleted">2</strong> entries older than 5 days`)
	if n := total(); n != 8-2+1 {
		t.Errorf("%d entries after the purge, want 7 (6 left and the purge's)", n)
	}
	pg, err := e.log.Query(context.Background(), tooltrail.Filter{ToolName: tooltrail.PurgeTool})
	if err != nil || len(pg.Entries) != 1 {
		t.Fatalf("purge entries: %v, %v", pg.Entries, err)
	}
	if u := pg.Entries[0].UserID; u != "admin" {
		t.Errorf("the purge is recorded as user %q, want the admin token's name", u)
	}

	// All.
	a = e.post(t, "admin", "/purge", url.Values{"scope": {"all"}})
	want(t, a, http.StatusOK, `This deletes <strong id="purge-count">7</strong> entries: every entry of the log.`)
	want(t, e.post(t, "admin", "/purge/confirm", url.Values{"scope": {"all"}}), http.StatusOK, `Deleted <strong id="purge-deleted">7</strong>`)
	if n := total(); n != 1 {
		t.Errorf("%d entries after purging all, want only the purge's", n)
	}

	for _, bad := range []url.Values{
		{"scope": {"days"}, "days": {"-1"}},
		{"scope": {"days"}, "days": {"soon"}},
		{"scope": {"days"}},
		{"scope": {"everything"}},
		{},
	} {
		for _, path := range []string{"/purge", "/purge/confirm"} {
			want(t, e.post(t, "admin", path, bad), http.StatusBadRequest)
		}
	}
	if n := total(); n != 1 {
		t.Errorf("a refused purge deleted: %d entries", n)
	}
}

func letter(i int) string { return string(rune('a' + i)) }

func TestVerifyNow(t *testing.T) {
	e := newEnv(t, nil)
	seed(t, e)
	want(t, e.get(t, "admin", "/verify/status"), http.StatusOK, "No verification has run since the server started.")
	want(t, e.post(t, "reader", "/verify", nil), http.StatusForbidden)
	want(t, e.get(t, "reader", "/verify/status"), http.StatusForbidden)
	a := e.post(t, "admin", "/verify", nil)
	if a.status != http.StatusSeeOther || a.header.Get("Location") != "/verify/status" {
		t.Fatalf("POST /verify: status %d Location %q", a.status, a.header.Get("Location"))
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		a = e.get(t, "admin", "/verify/status")
		if !strings.Contains(a.body, "Verifying") {
			break
		}
		if !strings.Contains(a.body, `<meta http-equiv="refresh" content="2">`) || !strings.Contains(a.body, "<progress") {
			t.Errorf("a running verification's page neither reloads nor shows progress:\n%s", a.body)
		}
		if time.Now().After(deadline) {
			t.Fatal("the verification did not end")
		}
		time.Sleep(10 * time.Millisecond)
	}
	want(t, a, http.StatusOK, "<strong>No problems:</strong> the tree of 6 entries verifies (6 entries checked)", "started by admin")
	want(t, e.get(t, "admin", "/log"), http.StatusOK, "<strong>No problems:</strong>")
	if strings.Contains(a.body, `http-equiv="refresh"`) {
		t.Error("a finished verification's page still reloads")
	}
}

// TestCloseStopsVerify starts "verify now" and closes the UI: the run
// ends (cancelled) and Close waits for it.
func TestCloseStopsVerify(t *testing.T) {
	e := newEnv(t, nil)
	if err := e.ui.Close(); err != nil {
		t.Fatal(err)
	}
	// After Close, a run that starts ends at once with the UI's context.
	e.post(t, "admin", "/verify", nil)
	if err := e.ui.Close(); err != nil {
		t.Fatal(err)
	}
	a := e.get(t, "admin", "/verify/status")
	if a.status != http.StatusOK || !strings.Contains(string(a.body), "could not finish") || !strings.Contains(string(a.body), "context canceled") {
		t.Errorf("status page of a run after Close: %d %s; want it ended by the UI's close", a.status, a.body)
	}
}
