package webui_test

import (
	"fmt"
	"html"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tooltrail/tooltrail"
)

func TestLogViewFilters(t *testing.T) {
	e := newEnv(t, nil)
	seed(t, e) // ids 1..6 at t0, t0+1h, ... t0+5h; now is t0+6h
	// at is the form's time of entry h+1, cut to the second (so before it).
	at := func(h int) string { return t0.Add(time.Duration(h) * time.Hour).Format("2006-01-02T15:04:05") }
	for _, tc := range []struct {
		query string
		ids   []string
	}{
		{"", []string{"6", "5", "4", "3", "2", "1"}},
		{"tool_name=read", []string{"3", "1"}},
		{"tool_name=READ_FILE", []string{"3", "1"}},
		{"tool=shell", []string{"6", "2"}},
		{"tool=shell&tool_name=read", []string{"3", "1"}}, // the typed name wins
		{"user_id=alice", []string{"6", "4", "1"}},
		{"session_id=s2", []string{"3", "2"}},
		{"task_id=t2", []string{"4", "3"}},
		{"confirmed_only=true", []string{"6", "3", "1"}},
		{"user_id=alice&confirmed_only=true", []string{"6", "1"}},
		{"range=1h", []string{"6"}}, // entry 6 is exactly an hour old
		{"range=24h", []string{"6", "5", "4", "3", "2", "1"}},
		{"range=custom&start=" + at(2) + "&end=" + at(4), []string{"4", "3"}},
		{"start=" + at(2), []string{"6", "5", "4", "3"}},
		{"start=2026-01-02", []string{"6", "5", "4", "3", "2", "1"}},
		{"end=2026-01-02T05:00:00Z", []string{"2", "1"}},
		{"range=7d&start=" + at(5), []string{"6", "5", "4", "3", "2", "1"}}, // a preset wins over From
		{"user_id=nobody", []string{}},
	} {
		t.Run(tc.query, func(t *testing.T) {
			a := e.get(t, "reader", "/?"+tc.query)
			want(t, a, http.StatusOK)
			got := rows(a.body)
			if got == nil {
				got = []string{}
			}
			if !slices.Equal(got, tc.ids) {
				t.Errorf("rows %v, want %v", got, tc.ids)
			}
			if c := count(a.body); c != fmt.Sprint(len(tc.ids)) {
				t.Errorf("count %q, want %d", c, len(tc.ids))
			}
			if len(tc.ids) == 0 && !strings.Contains(a.body, "No entry matches.") {
				t.Error("an empty result does not say so")
			}
		})
	}
	// The range preset is relative to the clock: a minute later, entry 6
	// is out of the last hour.
	e.clock.Advance(time.Minute)
	if got := rows(e.get(t, "reader", "/?range=1h").body); len(got) != 0 {
		t.Errorf("last hour at t0+6h01: rows %v, want none", got)
	}
}

func TestLogViewFormKeepsFilter(t *testing.T) {
	e := newEnv(t, nil)
	seed(t, e)
	a := e.get(t, "reader", "/?tool=shell&session_id=s2&confirmed_only=true&start=2026-01-02T04:00:00Z&range=custom")
	want(t, a, http.StatusOK,
		`<option value="shell" selected>shell (2)</option>`,
		`<option value="custom" selected>`,
		`id="session_id" name="session_id" type="search" value="s2"`,
		`id="confirmed_only" name="confirmed_only" type="checkbox" value="true" checked`,
		`id="start" name="start" type="datetime-local" step="1" value="2026-01-02T04:00:00"`,
	)
	// Every known tool is offered, with its count.
	for _, tool := range []string{"http_get (1)", "read_file (2)", "write_file (1)"} {
		if !strings.Contains(a.body, tool) {
			t.Errorf("the tool select lacks %q", tool)
		}
	}
}

func TestLogViewDropsEmptyParameters(t *testing.T) {
	e := newEnv(t, nil)
	for query, loc := range map[string]string{
		"range=&start=&end=&tool=&tool_name=&session_id=&task_id=&user_id=": "/",
		"range=&tool_name=shell&user_id=":                                   "/?tool_name=shell",
	} {
		a := e.get(t, "reader", "/?"+query)
		if a.status != http.StatusSeeOther || a.header.Get("Location") != loc {
			t.Errorf("GET /?%s: status %d Location %q, want 303 to %q", query, a.status, a.header.Get("Location"), loc)
		}
	}
}

// pageLink returns the href of the paging link with that id, or "".
func pageLink(body, id string) string {
	m := regexp.MustCompile(`href="([^"]+)" id="` + id + `"`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

func TestLogViewPaging(t *testing.T) {
	e := newEnv(t, nil)
	for i := range 12 {
		e.record(t, tooltrail.Call{ToolName: []string{"a", "b"}[i%2], UserID: "u"}, time.Minute)
	}
	var seen []string
	url := "/?limit=5"
	var pages []string
	for range 4 {
		a := e.get(t, "reader", url)
		want(t, a, http.StatusOK)
		pages = append(pages, url)
		if c := count(a.body); c != "12" {
			t.Errorf("%s: count %q, want the whole filter's 12", url, c)
		}
		seen = append(seen, rows(a.body)...)
		next := pageLink(a.body, "page-older")
		if next == "" {
			break
		}
		url = next
	}
	wantIDs := []string{"12", "11", "10", "9", "8", "7", "6", "5", "4", "3", "2", "1"}
	if !slices.Equal(seen, wantIDs) {
		t.Fatalf("pages gave %v, want %v", seen, wantIDs)
	}
	if len(pages) != 3 {
		t.Fatalf("%d pages, want 3: %v", len(pages), pages)
	}
	// Back from the last page, one page at a time, to the first.
	last := e.get(t, "reader", pages[2])
	want(t, last, http.StatusOK, "page 3")
	newer := pageLink(last.body, "page-newer")
	if got := rows(e.get(t, "reader", newer).body); !slices.Equal(got, wantIDs[5:10]) {
		t.Errorf("newer than page 3: %v, want %v", got, wantIDs[5:10])
	}
	newer2 := pageLink(e.get(t, "reader", newer).body, "page-newer")
	first := e.get(t, "reader", newer2)
	if got := rows(first.body); !slices.Equal(got, wantIDs[:5]) {
		t.Errorf("newer than page 2: %v, want %v", got, wantIDs[:5])
	}
	if pageLink(first.body, "page-newer") != "" || pageLink(first.body, "page-newest") != "" {
		t.Error("the first page links to newer pages")
	}
	if got := rows(e.get(t, "reader", pageLink(last.body, "page-newest")).body); !slices.Equal(got, wantIDs[:5]) {
		t.Errorf("newest from page 3: %v", got)
	}
	// Paging keeps the filter.
	a := e.get(t, "reader", "/?limit=2&tool_name=a")
	older := pageLink(a.body, "page-older")
	if got := rows(e.get(t, "reader", older).body); !slices.Equal(got, []string{"7", "5"}) {
		t.Errorf("second page of tool a: %v, want [7 5]", got)
	}
}

func TestLogViewValueLinks(t *testing.T) {
	e := newEnv(t, nil)
	seed(t, e)
	a := e.get(t, "reader", "/?confirmed_only=true")
	for _, link := range []string{
		`href="/?confirmed_only=true&amp;tool_name=read_file"`,
		`href="/?confirmed_only=true&amp;user_id=alice"`,
		`href="/?confirmed_only=true&amp;session_id=s3"`,
		`href="/?confirmed_only=true&amp;task_id=t3"`,
		`href="/entries/6"`,
		`href="/export?confirmed_only=true&amp;format=csv"`,
		`href="/export?confirmed_only=true&amp;format=ndjson"`,
		`href="/?confirmed_only=true&amp;live=1"`,
	} {
		if !strings.Contains(a.body, link) {
			t.Errorf("the log view lacks %s", link)
		}
	}
}

func TestLogViewInvalidFilters(t *testing.T) {
	e := newEnv(t, nil)
	seed(t, e)
	for _, tc := range []struct {
		query, says string
	}{
		{"start=yesterday", `start: &#34;yesterday&#34; is not a time`},
		{"end=2026-13-45", `end: &#34;2026-13-45&#34; is not a time`},
		{"limit=0", "limit: must be from 1 to 1000"},
		{"limit=many", "limit: &#34;many&#34; is not a whole number"},
		{"cursor=xyz", "cursor: is not a cursor this log made"},
		{"back=xyz&cursor=AQY", "back: holds something that is not a cursor"},
		{"range=forever", "range: &#34;forever&#34; is not a time range"},
		{"confirmed_only=maybe", "confirmed_only: &#34;maybe&#34; is not a boolean"},
		{"colour=red", "colour: is not a filter of this page"},
		{"tool_name=a&tool_name=b", "tool_name: is given 2 times"},
		{"session_id=" + strings.Repeat("x", 2000), "session_id:"},
	} {
		t.Run(tc.query[:min(len(tc.query), 30)], func(t *testing.T) {
			a := e.get(t, "reader", "/?"+tc.query)
			want(t, a, http.StatusBadRequest, `<p class="error" role="alert" id="filter-error">`, tc.says)
			if len(rows(a.body)) != 0 {
				t.Error("a refused filter shows rows")
			}
			if !strings.Contains(a.body, `<form class="filters"`) {
				t.Error("the page of a refused filter has no form to fix it")
			}
		})
	}
	// The form of a refused filter keeps what was typed.
	a := e.get(t, "reader", "/?session_id=s9&start=yesterday&colour=red")
	want(t, a, http.StatusBadRequest, `id="session_id" name="session_id" type="search" value="s9"`, `value="yesterday"`)
}

func TestBoundReader(t *testing.T) {
	e := newEnv(t, nil)
	seed(t, e)
	a := e.get(t, "alice-reader", "/")
	want(t, a, http.StatusOK, `value="alice" readonly`, "(reader, as alice)")
	if got := rows(a.body); !slices.Equal(got, []string{"6", "4", "1"}) {
		t.Errorf("alice's reader sees %v, want [6 4 1]", got)
	}
	if c := count(a.body); c != "3" {
		t.Errorf("count %q, want 3", c)
	}
	for _, other := range []string{"write_file", "bob", "carol"} {
		if strings.Contains(a.body, other) {
			t.Errorf("alice's reader's view mentions %q", other)
		}
	}
	if got := rows(e.get(t, "alice-reader", "/?tool_name=read").body); !slices.Equal(got, []string{"1"}) {
		t.Errorf("alice's read_file: %v, want [1]", got)
	}
	want(t, e.get(t, "alice-reader", "/?user_id=alice"), http.StatusOK)
	want(t, e.get(t, "alice-reader", "/?user_id=bob"), http.StatusForbidden, "this token acts only as user &#34;alice&#34;, not &#34;bob&#34;")
	for id, status := range map[string]int{"1": http.StatusOK, "4": http.StatusOK, "2": http.StatusNotFound, "5": http.StatusNotFound} {
		a := e.get(t, "alice-reader", "/entries/"+id)
		if a.status != status {
			t.Errorf("alice's reader, entry %s: status %d, want %d", id, a.status, status)
		}
		if status == http.StatusNotFound && (strings.Contains(a.body, "bob") || strings.Contains(a.body, "carol")) {
			t.Errorf("the 404 of entry %s tells whose it is", id)
		}
	}
	// The 404 of another's entry reads as that of a missing one.
	alert := regexp.MustCompile(`<p class="error" role="alert">[^<]*</p>`)
	theirs := alert.FindString(e.get(t, "alice-reader", "/entries/2").body)
	missing := alert.FindString(e.get(t, "alice-reader", "/entries/99").body)
	if theirs == "" || strings.Replace(theirs, "2", "99", 1) != missing {
		t.Errorf("another's entry and a missing one differ: %q, %q", theirs, missing)
	}
	// An unbound reader sees everyone.
	if got := rows(e.get(t, "reader", "/").body); len(got) != 6 {
		t.Errorf("the unbound reader sees %v", got)
	}
}

func TestHTMLInjectionEscaped(t *testing.T) {
	e := newEnv(t, nil)
	e.record(t, tooltrail.Call{
		ToolName:      "<script>alert(1)</script>",
		UserID:        `"><img src=x onerror=alert(2)>`,
		SessionID:     "javascript:alert(3)",
		Arguments:     map[string]any{"note": "</pre><img src=x onerror=alert(1)>", "k": "</code><svg onload=alert(4)>"},
		ResultSummary: "</td><script>alert(5)</script>",
	}, time.Minute)
	e.sign(t)
	for _, path := range []string{"/", "/entries/1", "/?live=1"} {
		body := e.get(t, "reader", path).body
		for _, raw := range []string{"<script>alert", "<img src=x", "<svg onload", `"><img`, `href="javascript:`, "</pre><img"} {
			if strings.Contains(body, raw) {
				t.Errorf("%s holds the raw %q", path, raw)
			}
		}
		if !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Errorf("%s does not show the tool name escaped", path)
		}
	}
	entry := e.get(t, "reader", "/entries/1").body
	if !strings.Contains(entry, "&lt;/pre&gt;&lt;img src=x onerror=alert(1)&gt;") {
		t.Errorf("the entry does not show the argument escaped:\n%s", entry)
	}
}
