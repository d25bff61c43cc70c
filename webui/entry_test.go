package webui_test

import (
	"context"
	"database/sql"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/webui"
	_ "modernc.org/sqlite" // the driver of the connection that tampers
)

func TestEntryPage(t *testing.T) {
	e := newEnv(t, nil)
	seed(t, e)
	full, err := e.log.Entry(context.Background(), 4)
	if err != nil {
		t.Fatal(err)
	}
	h := tooltrail.LeafHash(full.Leaf)
	a := e.get(t, "reader", "/entries/4")
	want(t, a, http.StatusOK,
		"<h1>Entry 4</h1>",
		`<time datetime="2026-01-02T06:04:05.123456Z" title="2026-01-02 06:04:05.123456 UTC">2026-01-02 06:04:05.123456 UTC</time>`,
		`<a href="/?tool_name=http_get">http_get</a>`,
		`<a href="/?user_id=alice">alice</a>`,
		`<a href="/?session_id=s1">s1</a>`,
		`<a href="/?task_id=t2">t2</a>`,
		"200 OK",
		`<code id="leaf-hash">`+base64.StdEncoding.EncodeToString(h[:])+`</code>`,
		// Indented JSON, and the secret's marker shown as such.
		"{\n  &#34;api_key&#34;: &#34;<mark class=\"redacted\"",
		`>[redacted:key:apikey:`,
		"&#34;url&#34;: &#34;https://example.com&#34;\n}",
		`<strong>Verified</strong> in the signed tree of 6 entries, checked at <time datetime="2026-01-02T09:04:05.123456Z"`,
	)
	if strings.Contains(a.body, "hunter2") {
		t.Error("the page shows the redacted secret")
	}
}

// TestForgedMarkersArePlainText records text typed to look like redaction
// markers and checks that the entry page shows it as plain text, while
// the genuine marker of the same call is shown as one.
func TestForgedMarkersArePlainText(t *testing.T) {
	e := newEnv(t, nil)
	forged := "[redacted:key:password:AAAAAAAAAAAAAAAA]"
	r := e.record(t, tooltrail.Call{ToolName: "login",
		Arguments:     map[string]string{"password": "hunter2", "note": forged},
		ResultSummary: "token " + forged}, time.Second)
	a := e.get(t, "reader", fmt.Sprintf("/entries/%d", r.ID))
	if n := strings.Count(a.body, `<mark class="redacted"`); n != 1 {
		t.Errorf("%d markers shown, want 1: the genuine one of the password, not the two typed ones\n%s", n, a.body)
	}
	if strings.Contains(a.body, forged+"</mark>") || strings.Count(a.body, forged) < 2 {
		t.Errorf("the typed look-alikes are not shown as plain text:\n%s", a.body)
	}
}

func TestEntryProofStates(t *testing.T) {
	e := newEnv(t, nil)
	seed(t, e)
	e.record(t, tooltrail.Call{ToolName: "late"}, time.Minute) // entry 7, not signed yet
	want(t, e.get(t, "reader", "/entries/7"), http.StatusOK,
		`<strong>Not in a signed tree yet:</strong> the latest checkpoint holds 6 entries, and this is entry 7.`)
	e.sign(t)
	want(t, e.get(t, "reader", "/entries/7"), http.StatusOK, "<strong>Verified</strong> in the signed tree of 7 entries")
	want(t, e.get(t, "reader", "/entries/1"), http.StatusOK, "<strong>Verified</strong> in the signed tree of 7 entries")

	// Without a notary there is nothing to verify against.
	bare := newEnv(t, func(c *webui.Config) { c.Notary = nil })
	bare.record(t, tooltrail.Call{ToolName: "x"}, time.Minute)
	want(t, bare.get(t, "reader", "/entries/1"), http.StatusOK, "<strong>NOT verified:</strong> this server has no notary")
}

// TestEntryTampered changes an entry's leaf in the database behind the
// log's back: the page must say it is NOT verified, and why.
func TestEntryTampered(t *testing.T) {
	e := newEnv(t, nil)
	seed(t, e)
	db, err := sql.Open("sqlite", "file:"+url.PathEscape(e.path)+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// What an administrator of the file can do; the entry is in entries
	// or, not indexed yet, in recent, and one transaction keeps the
	// indexer from moving it between the two updates.
	tx, err := db.BeginTx(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"DROP TRIGGER entries_no_update",
		"DROP TRIGGER recent_no_update",
		"UPDATE entries SET leaf = CAST(replace(CAST(leaf AS TEXT), '12 lines', '13 lines') AS BLOB) WHERE id = 1",
		"UPDATE recent SET leaf = CAST(replace(CAST(leaf AS TEXT), '12 lines', '13 lines') AS BLOB) WHERE id = 1",
	} {
		if _, err := tx.ExecContext(t.Context(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	want(t, e.get(t, "reader", "/entries/1"), http.StatusOK,
		"13 lines", "<strong>NOT verified:</strong> the entry as stored now does not hash to the leaf hash in the tree")
	want(t, e.get(t, "reader", "/entries/2"), http.StatusOK, "<strong>Verified</strong>")
}

func TestEntryErrors(t *testing.T) {
	e := newEnv(t, nil)
	seed(t, e)
	for path, tc := range map[string]struct {
		status int
		says   string
	}{
		"/entries/0":    {http.StatusBadRequest, "id: &#34;0&#34; is not an entry id"},
		"/entries/abc":  {http.StatusBadRequest, "is not an entry id"},
		"/entries/01":   {http.StatusBadRequest, "is not an entry id"},
		"/entries/-1":   {http.StatusBadRequest, "is not an entry id"},
		"/entries/7":    {http.StatusNotFound, "There is no entry 7"},
		"/entries/1e99": {http.StatusBadRequest, "is not an entry id"},
	} {
		want(t, e.get(t, "reader", path), tc.status, tc.says)
	}
	// A purged entry is gone, and says so.
	days := 0
	if _, err := e.log.Purge(t.Context(), &days); err != nil {
		t.Fatal(err)
	}
	want(t, e.get(t, "reader", "/entries/2"), http.StatusNotFound, "There is no entry 2: it was never recorded, or it was purged.")
}
