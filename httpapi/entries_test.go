package httpapi_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tooltrail/tooltrail"
)

func TestPostEntries(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name        string
		contentType string
		body        string
		want        tooltrail.Entry // but ID, Timestamp and Leaf
	}{
		{
			name: "CreatedMinimal",
			body: `{"tool_name":"shell"}`,
			want: tooltrail.Entry{ToolName: "shell"},
		},
		{
			name: "CreatedAllFields",
			body: `{"tool_name":"web.fetch","arguments":{"url":"https://example.com","headers":{"b":2,"a":1}},
				"result_summary":"200 OK","confirmed":true,"session_id":"s1","task_id":"t1","user_id":"u1","call_id":"c1"}`,
			want: tooltrail.Entry{
				ToolName: "web.fetch", Arguments: json.RawMessage(`{"headers":{"a":1,"b":2},"url":"https://example.com"}`),
				ResultSummary: "200 OK", Confirmed: true, SessionID: "s1", TaskID: "t1", UserID: "u1", CallID: "c1",
			},
		},
		{
			name: "CreatedWithNulls",
			body: `{"tool_name":"shell","arguments":null,"result_summary":null,"confirmed":null,"session_id":null,
				"task_id":null,"user_id":null,"call_id":null}`,
			want: tooltrail.Entry{ToolName: "shell"},
		},
		{
			name: "CreatedWithEmptyStrings",
			body: `{"tool_name":"shell","result_summary":"","session_id":"","call_id":""}`,
			want: tooltrail.Entry{ToolName: "shell"},
		},
		{
			name: "CreatedArgumentsScalarKeepsNumberExact",
			body: `{"tool_name":"calc","arguments":1.50}`,
			want: tooltrail.Entry{ToolName: "calc", Arguments: json.RawMessage(`1.50`)},
		},
		{
			name: "CreatedArgumentsArray",
			body: `{"tool_name":"calc","arguments":[1, "two", [true, null], {"z": 0, "y": 12345678901234567890}]}`,
			want: tooltrail.Entry{ToolName: "calc", Arguments: json.RawMessage(`[1,"two",[true,null],{"y":12345678901234567890,"z":0}]`)},
		},
		{
			name: "CreatedUnicode",
			body: `{"tool_name":"日本語","arguments":{"q":"caf\u00e9 <b>"},"result_summary":"ok ✓"}`,
			want: tooltrail.Entry{ToolName: "日本語", Arguments: json.RawMessage(`{"q":"café <b>"}`), ResultSummary: "ok ✓"},
		},
		{
			name:        "CreatedWithCharset",
			contentType: "application/json; charset=UTF-8",
			body:        `{"tool_name":"shell"}`,
			want:        tooltrail.Entry{ToolName: "shell"},
		},
		{
			name:        "CreatedWithoutContentType",
			contentType: "-",
			body:        `{"tool_name":"shell"}`,
			want:        tooltrail.Entry{ToolName: "shell"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ct := tt.contentType
			switch ct {
			case "":
				ct = "application/json"
			case "-":
				ct = ""
			}
			a := e.do(t, http.MethodPost, "/v1/entries", ct, tt.body)
			if a.status != http.StatusCreated {
				t.Fatalf("status %d, want 201; body %s", a.status, a.body)
			}
			var keys map[string]json.RawMessage
			decode(t, a.body, &keys)
			if diff := cmp.Diff([]string{"id", "leaf_hash", "timestamp"}, slices.Sorted(mapKeys(keys))); diff != "" {
				t.Errorf("receipt keys (-want +got):\n%s", diff)
			}
			var rc tooltrail.Receipt
			decode(t, a.body, &rc)
			if loc := a.header.Get("Location"); loc != "/v1/entries/"+itoa(rc.ID) {
				t.Errorf("Location %q, want /v1/entries/%d", loc, rc.ID)
			}
			if !rc.Timestamp.Equal(t0) {
				t.Errorf("timestamp %v, want %v", rc.Timestamp, t0)
			}
			got := e.entry(t, rc.ID)
			want := tt.want
			want.ID, want.Timestamp = rc.ID, t0
			if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(tooltrail.Entry{}, "Leaf", "Salt")); diff != "" {
				t.Errorf("entry read back (-want +got):\n%s", diff)
			}
			if h := tooltrail.LeafHash(got.Leaf); h != rc.LeafHash {
				t.Errorf("leaf hash of the entry's leaf %v, receipt says %v", h, rc.LeafHash)
			}
		})
	}
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func TestPostEntriesErrors(t *testing.T) {
	e := newEnv(t)
	good := []string{
		`{"tool_name":"good.one","arguments":{"n":1}}`,
		`{"tool_name":"good.two","call_id":"g2"}`,
	}
	var ids []int64
	for _, b := range good {
		ids = append(ids, e.record(t, b).ID)
	}

	nested := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	tests := []struct {
		name        string
		path        string // default /v1/entries
		contentType string // default application/json; "-" for none
		body        string
		status      int
		code        string
		want        []string // in the message
	}{
		{name: "ErrEmptyBody", body: "", status: 400, code: "invalid_argument", want: []string{"empty"}},
		{name: "ErrBlankBody", body: " \n\t ", status: 400, code: "invalid_argument", want: []string{"empty"}},
		{name: "ErrNotJSON", body: "tool_name=shell", status: 400, code: "invalid_argument", want: []string{"JSON object"}},
		{name: "ErrArray", body: `[{"tool_name":"shell"}]`, status: 400, code: "invalid_argument", want: []string{"JSON object"}},
		{name: "ErrString", body: `"shell"`, status: 400, code: "invalid_argument", want: []string{"JSON object"}},
		{name: "ErrNull", body: `null`, status: 400, code: "invalid_argument", want: []string{"JSON object"}},
		{name: "ErrTruncated", body: `{"tool_name":"shell"`, status: 400, code: "invalid_argument", want: []string{"not valid JSON"}},
		{name: "ErrSyntax", body: `{"tool_name":shell}`, status: 400, code: "invalid_argument", want: []string{"not valid JSON"}},
		{name: "ErrTrailingObject", body: `{"tool_name":"a"} {"tool_name":"b"}`, status: 400, code: "invalid_argument", want: []string{"nothing after"}},
		{name: "ErrTrailingGarbage", body: `{"tool_name":"a"}x`, status: 400, code: "invalid_argument"},
		{name: "ErrTrailingBrace", body: `{"tool_name":"a"}}`, status: 400, code: "invalid_argument"},
		{name: "ErrInvalidUTF8", body: "{\"tool_name\":\"a\xff\"}", status: 400, code: "invalid_argument", want: []string{"UTF-8"}},
		{name: "ErrUnknownField", body: `{"tool_name":"a","tool":"b"}`, status: 400, code: "invalid_argument", want: []string{`tool: is not a field`, "tool_name"}},
		{name: "ErrFieldCase", body: `{"Tool_Name":"a"}`, status: 400, code: "invalid_argument", want: []string{"Tool_Name: is not a field"}},
		{name: "ErrDuplicateField", body: `{"tool_name":"a","tool_name":"b"}`, status: 400, code: "invalid_argument", want: []string{"tool_name: is given twice"}},
		{name: "ErrToolNameNumber", body: `{"tool_name":1}`, status: 400, code: "invalid_argument", want: []string{"tool_name: must be a string or null, got number"}},
		{name: "ErrToolNameObject", body: `{"tool_name":{"a":1}}`, status: 400, code: "invalid_argument", want: []string{"tool_name", "string"}},
		{name: "ErrConfirmedString", body: `{"tool_name":"a","confirmed":"yes"}`, status: 400, code: "invalid_argument", want: []string{"confirmed: must be true or false"}},
		{name: "ErrSessionIDNumber", body: `{"tool_name":"a","session_id":7}`, status: 400, code: "invalid_argument", want: []string{"session_id", "string"}},
		{name: "ErrToolNameRequired", body: `{}`, status: 400, code: "invalid_argument", want: []string{"tool_name: is required"}},
		{name: "ErrToolNameNull", body: `{"tool_name":null}`, status: 400, code: "invalid_argument", want: []string{"tool_name: is required"}},
		{name: "ErrToolNameEmpty", body: `{"tool_name":""}`, status: 400, code: "invalid_argument", want: []string{"tool_name: is required"}},
		{name: "ErrToolNameTooLong", body: `{"tool_name":"` + strings.Repeat("t", 257) + `"}`, status: 400, code: "invalid_argument", want: []string{"tool_name", "256"}},
		{name: "ErrToolNameNUL", body: `{"tool_name":"a\u0000b"}`, status: 400, code: "invalid_argument", want: []string{"tool_name", "NUL"}},
		{name: "ErrCallIDTooLong", body: `{"tool_name":"a","call_id":"` + strings.Repeat("c", 257) + `"}`, status: 400, code: "invalid_argument", want: []string{"call_id"}},
		{name: "ErrArgumentsNUL", body: `{"tool_name":"a","arguments":{"k":"\u0000"}}`, status: 400, code: "invalid_argument", want: []string{"arguments", "NUL"}},
		{name: "ErrArgumentsDuplicateKey", body: `{"tool_name":"a","arguments":{"k":1,"k":2}}`, status: 400, code: "invalid_argument", want: []string{"arguments", "twice"}},
		{name: "ErrArgumentsTooDeep", body: `{"tool_name":"a","arguments":` + nested(65) + `}`, status: 400, code: "invalid_argument", want: []string{"arguments", "nested"}},
		{name: "ErrContentTypeText", contentType: "text/plain", body: `{"tool_name":"a"}`, status: 400, code: "invalid_argument", want: []string{"Content-Type", "application/json"}},
		{name: "ErrContentTypeForm", contentType: "application/x-www-form-urlencoded", body: `{"tool_name":"a"}`, status: 400, code: "invalid_argument", want: []string{"Content-Type"}},
		{name: "ErrContentTypeCharset", contentType: "application/json; charset=latin1", body: `{"tool_name":"a"}`, status: 400, code: "invalid_argument", want: []string{"Content-Type"}},
		{name: "ErrContentTypeMalformed", contentType: "application/json;;", body: `{"tool_name":"a"}`, status: 400, code: "invalid_argument", want: []string{"Content-Type"}},
		{name: "ErrQueryParameter", path: "/v1/entries?tool_name=a", body: `{"tool_name":"a"}`, status: 400, code: "invalid_argument", want: []string{"tool_name: is not a parameter"}},
		{
			name:   "ErrArgumentsTooLarge",
			body:   `{"tool_name":"a","arguments":"` + strings.Repeat("x", 1<<20+1) + `"}`,
			status: 413, code: "too_large", want: []string{"arguments: must be at most 1048576 bytes"},
		},
		{
			name:   "ErrResultSummaryTooLarge",
			body:   `{"tool_name":"a","result_summary":"` + strings.Repeat("r", 64<<10+1) + `"}`,
			status: 413, code: "too_large", want: []string{"result_summary: must be at most 65536 bytes"},
		},
		{
			name:   "ErrBodyTooLarge",
			body:   `{"tool_name":"a","arguments":"` + strings.Repeat("x", 3<<20) + `"}`,
			status: 413, code: "too_large", want: []string{"over the limit of 2097152 bytes"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, ct := tt.path, tt.contentType
			if path == "" {
				path = "/v1/entries"
			}
			switch ct {
			case "":
				ct = "application/json"
			case "-":
				ct = ""
			}
			a := e.do(t, http.MethodPost, path, ct, tt.body)
			wantError(t, a, tt.status, tt.code, tt.want...)
		})
	}

	t.Run("GoodEntriesStillThere", func(t *testing.T) {
		ids = append(ids, e.record(t, `{"tool_name":"good.three"}`).ID)
		p := e.query(t, "")
		var got []int64
		for _, en := range p.Entries {
			got = append(got, en.ID)
		}
		slices.Reverse(ids)
		if diff := cmp.Diff(ids, got); diff != "" {
			t.Errorf("ids of the entries (-want +got):\n%s", diff)
		}
		if n := e.count(t, ""); n != int64(len(ids)) {
			t.Errorf("count %d, want %d", n, len(ids))
		}
	})
}

func TestGetEntriesErrors(t *testing.T) {
	e := newEnv(t)
	e.record(t, `{"tool_name":"shell"}`)
	tests := []struct {
		name  string
		query string
		want  []string
	}{
		{name: "ErrLimitZero", query: "limit=0", want: []string{"limit", "1 to 1000"}},
		{name: "ErrLimitOverMax", query: "limit=1001", want: []string{"limit", "1 to 1000"}},
		{name: "ErrLimitNegative", query: "limit=-1", want: []string{"limit"}},
		{name: "ErrLimitNotNumber", query: "limit=abc", want: []string{"limit", `"abc"`}},
		{name: "ErrLimitTwice", query: "limit=1&limit=2", want: []string{"limit", "2 times"}},
		{name: "ErrOffsetNegative", query: "offset=-1", want: []string{"offset"}},
		{name: "ErrOffsetNotNumber", query: "offset=x", want: []string{"offset"}},
		{name: "ErrStartNotTime", query: "start=yesterday", want: []string{"start", "RFC 3339"}},
		{name: "ErrEndNotTime", query: "end=2026-13-01", want: []string{"end"}},
		{name: "ErrConfirmedOnlyNotBool", query: "confirmed_only=maybe", want: []string{"confirmed_only"}},
		{name: "ErrUnknownParameter", query: "tool=shell", want: []string{"tool: is not a filter"}},
		{name: "ErrCursorForged", query: "cursor=AAAA", want: []string{"cursor"}},
		{name: "ErrCursorNotBase64", query: "cursor=%21%21", want: []string{"cursor"}},
		{name: "ErrCursorNonCanonical", query: "cursor=" + tooltrail.EncodeCursor(5) + "A", want: []string{"cursor"}},
		{name: "ErrToolNameTooLong", query: "tool_name=" + strings.Repeat("t", 1025), want: []string{"tool_name"}},
		{name: "ErrMalformedQuery", query: "tool_name=%zz", want: []string{"malformed query"}},
	}
	for _, path := range []string{"/v1/entries", "/v1/entries/count"} {
		for _, tt := range tests {
			t.Run(strings.TrimPrefix(path, "/v1/")+"/"+tt.name, func(t *testing.T) {
				wantError(t, e.get(t, path+"?"+tt.query), http.StatusBadRequest, "invalid_argument", tt.want...)
			})
		}
	}
	t.Run("StillAnswers", func(t *testing.T) {
		if n := e.count(t, ""); n != 1 {
			t.Errorf("count %d, want 1", n)
		}
	})
}

func TestGetEntry(t *testing.T) {
	e := newEnv(t)
	rc := e.record(t, `{"tool_name":"shell","arguments":{"cmd":"ls"}}`)

	t.Run("Found", func(t *testing.T) {
		a := e.get(t, "/v1/entries/1")
		if a.status != http.StatusOK {
			t.Fatalf("status %d; body %s", a.status, a.body)
		}
		var raw map[string]json.RawMessage
		decode(t, a.body, &raw)
		want := []string{"arguments", "call_id", "confirmed", "id", "leaf", "result_summary", "salt", "session_id", "task_id", "timestamp", "tool_name", "user_id"}
		if diff := cmp.Diff(want, slices.Sorted(mapKeys(raw))); diff != "" {
			t.Errorf("keys (-want +got):\n%s", diff)
		}
		var leaf string
		decode(t, raw["leaf"], &leaf)
		b, err := base64.StdEncoding.DecodeString(leaf)
		if err != nil {
			t.Fatalf("leaf is not base64: %v", err)
		}
		if h := tooltrail.LeafHash(b); h != rc.LeafHash {
			t.Errorf("leaf hash %v, receipt %v", h, rc.LeafHash)
		}
	})
	for _, tt := range []struct{ name, id string }{
		{"ErrIDZero", "0"},
		{"ErrIDNegative", "-1"},
		{"ErrIDNotNumber", "abc"},
		{"ErrIDFraction", "1.5"},
		{"ErrIDLeadingZero", "01"},
		{"ErrIDPlus", "%2B1"},
		{"ErrIDOverflow", "99999999999999999999"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, e.get(t, "/v1/entries/"+tt.id), http.StatusBadRequest, "invalid_argument", "id: ", "at least 1")
		})
	}
	t.Run("ErrQueryParameter", func(t *testing.T) {
		wantError(t, e.get(t, "/v1/entries/1?x=1"), http.StatusBadRequest, "invalid_argument", "x: is not a parameter")
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		wantError(t, e.get(t, "/v1/entries/2"), http.StatusNotFound, "not_found")
	})
	t.Run("ErrNotFoundHuge", func(t *testing.T) {
		wantError(t, e.get(t, "/v1/entries/9223372036854775807"), http.StatusNotFound, "not_found")
	})
}

func TestPaging(t *testing.T) {
	e := newEnv(t)
	const n = 125
	// Concurrent records, so that the log commits them in batches.
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			body := fmt.Sprintf(`{"tool_name":"tool-%d","session_id":"s%d","arguments":{"i":%d}}`, i%3, i%2, i)
			a := e.do(t, http.MethodPost, "/v1/entries", "application/json", body)
			if a.status != http.StatusCreated {
				errs <- fmt.Errorf("record %d: status %d: %s", i, a.status, a.body)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	all := e.query(t, "limit=1000")
	if len(all.Entries) != n || all.NextCursor != nil {
		t.Fatalf("limit=1000: %d entries, next_cursor %v; want %d and null", len(all.Entries), all.NextCursor, n)
	}

	tests := []struct {
		name   string
		filter string
		limit  int
		want   func(tooltrail.Entry) bool
	}{
		{name: "WalksAll", limit: 10, want: func(tooltrail.Entry) bool { return true }},
		{name: "WalksAllPageOfOne", limit: 1, want: func(tooltrail.Entry) bool { return true }},
		{name: "WalksAllLimitDividesTotal", limit: 25, want: func(tooltrail.Entry) bool { return true }},
		{name: "WalksToolFilter", filter: "tool_name=TOOL-1", limit: 7, want: func(e tooltrail.Entry) bool { return e.ToolName == "tool-1" }},
		{name: "WalksSessionFilter", filter: "session_id=s0", limit: 9, want: func(e tooltrail.Entry) bool { return e.SessionID == "s0" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want []int64
			for _, en := range all.Entries {
				if tt.want(en) {
					want = append(want, en.ID)
				}
			}
			var got []int64
			cursor := ""
			for pages := 0; ; pages++ {
				if pages > n+1 {
					t.Fatal("paging does not end")
				}
				q := fmt.Sprintf("limit=%d", tt.limit)
				if tt.filter != "" {
					q += "&" + tt.filter
				}
				if cursor != "" {
					q += "&cursor=" + cursor
				}
				p := e.query(t, q)
				if len(p.Entries) > tt.limit {
					t.Fatalf("page of %d entries, limit %d", len(p.Entries), tt.limit)
				}
				for _, en := range p.Entries {
					got = append(got, en.ID)
				}
				if p.NextCursor == nil {
					break
				}
				if len(p.Entries) != tt.limit {
					t.Errorf("page %d has %d entries and a next cursor; want %d", pages, len(p.Entries), tt.limit)
				}
				cursor = *p.NextCursor
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("ids walked (-want +got):\n%s", diff)
			}
			if c := e.count(t, tt.filter); c != int64(len(want)) {
				t.Errorf("count %d, want %d", c, len(want))
			}
		})
	}
	t.Run("OffsetSkips", func(t *testing.T) {
		p := e.query(t, "limit=5&offset=10")
		var got, want []int64
		for _, en := range p.Entries {
			got = append(got, en.ID)
		}
		for _, en := range all.Entries[10:15] {
			want = append(want, en.ID)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("ids (-want +got):\n%s", diff)
		}
	})
	t.Run("EmptyIsArray", func(t *testing.T) {
		a := e.get(t, "/v1/entries?tool_name=nothing-matches")
		if got, want := strings.TrimSpace(string(a.body)), `{"entries":[],"next_cursor":null}`; got != want {
			t.Errorf("body %s, want %s", got, want)
		}
	})
}

func TestCountAndTools(t *testing.T) {
	e := newEnv(t)
	t.Run("ToolsEmpty", func(t *testing.T) {
		a := e.get(t, "/v1/tools")
		if got, want := strings.TrimSpace(string(a.body)), `{"tools":[]}`; a.status != 200 || got != want {
			t.Errorf("status %d body %s, want 200 %s", a.status, got, want)
		}
	})
	for _, b := range []string{
		`{"tool_name":"web.fetch","confirmed":true,"user_id":"u1"}`,
		`{"tool_name":"web.fetch","user_id":"u2"}`,
		`{"tool_name":"shell","confirmed":true,"task_id":"t1"}`,
		`{"tool_name":"100%_sure"}`,
	} {
		e.record(t, b)
	}
	e.clock.Advance(1000)
	for _, tt := range []struct {
		name  string
		query string
		want  int64
	}{
		{"All", "", 4},
		{"ToolSubstring", "tool_name=FETCH", 2},
		{"ToolPercentIsLiteral", "tool_name=%25", 1},
		{"ToolUnderscoreIsLiteral", "tool_name=_s", 1},
		{"ConfirmedOnly", "confirmed_only=true", 2},
		{"User", "user_id=u2", 1},
		{"Task", "task_id=t1", 1},
		{"StartInclusive", "start=" + t0.Format(tooltrail.TimeLayout), 4},
		{"EndBefore", "end=2026-01-01", 0},
		// t0 at +02:00, its "+" left unencoded (which a query string
		// reads as a space), percent-encoded, and one microsecond early.
		{"StartOffsetPlusUnencoded", "start=2026-01-02T05:04:05.123456+02:00", 4},
		{"StartOffsetPlusEncoded", "start=2026-01-02T05:04:05.123456%2B02:00", 4},
		{"EndOffsetPlusUnencoded", "end=2026-01-02T05:04:05.123455+02:00", 0},
		{"EndOffsetPlusUnencodedNoColon", "end=2026-01-02+05:04:05.123456+0200", 4},
		{"IgnoresLimit", "limit=1", 4},
	} {
		t.Run("Count"+tt.name, func(t *testing.T) {
			if got := e.count(t, tt.query); got != tt.want {
				t.Errorf("count?%s = %d, want %d", tt.query, got, tt.want)
			}
		})
	}
	t.Run("Tools", func(t *testing.T) {
		a := e.get(t, "/v1/tools")
		if a.status != http.StatusOK {
			t.Fatalf("status %d; body %s", a.status, a.body)
		}
		var got struct {
			Tools []tooltrail.ToolCount `json:"tools"`
		}
		decode(t, a.body, &got)
		want := []tooltrail.ToolCount{{Name: "100%_sure", Count: 1}, {Name: "shell", Count: 1}, {Name: "web.fetch", Count: 2}}
		if diff := cmp.Diff(want, got.Tools); diff != "" {
			t.Errorf("tools (-want +got):\n%s", diff)
		}
	})
	t.Run("ToolsErrQueryParameter", func(t *testing.T) {
		wantError(t, e.get(t, "/v1/tools?limit=5"), http.StatusBadRequest, "invalid_argument", "limit")
	})
}

func TestCallID(t *testing.T) {
	e := newEnv(t)
	first := e.post(t, "/v1/entries", `{"tool_name":"pay","arguments":{"a":1,"b":2},"call_id":"k1"}`)
	if first.status != http.StatusCreated {
		t.Fatalf("first: status %d; body %s", first.status, first.body)
	}
	t.Run("ReplayIs200WithFirstReceipt", func(t *testing.T) {
		a := e.post(t, "/v1/entries", `{"tool_name":"pay","arguments":{"a":1,"b":2},"call_id":"k1"}`)
		if a.status != http.StatusOK {
			t.Fatalf("status %d, want 200; body %s", a.status, a.body)
		}
		if string(a.body) != string(first.body) {
			t.Errorf("replay answered %s, first %s", a.body, first.body)
		}
	})
	t.Run("ReplaySameContentOtherKeyOrder", func(t *testing.T) {
		a := e.post(t, "/v1/entries", `{"call_id":"k1","arguments":{"b":2,"a":1},"tool_name":"pay"}`)
		if a.status != http.StatusOK || string(a.body) != string(first.body) {
			t.Errorf("status %d body %s; want 200 %s", a.status, a.body, first.body)
		}
	})
	t.Run("ErrConflictOtherArguments", func(t *testing.T) {
		wantError(t, e.post(t, "/v1/entries", `{"tool_name":"pay","arguments":{"a":2},"call_id":"k1"}`),
			http.StatusConflict, "conflict", `call_id "k1"`)
	})
	t.Run("ErrConflictOtherSummary", func(t *testing.T) {
		wantError(t, e.post(t, "/v1/entries", `{"tool_name":"pay","arguments":{"a":1,"b":2},"call_id":"k1","result_summary":"x"}`),
			http.StatusConflict, "conflict")
	})
	t.Run("OneEntry", func(t *testing.T) {
		if n := e.count(t, ""); n != 1 {
			t.Errorf("count %d, want 1", n)
		}
	})
}

func TestRecordDetachedFromClient(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the client is gone before the server records
	req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/v1/entries", strings.NewReader(`{"tool_name":"shell"}`))
	rr := httptest.NewRecorder()
	e.handler.ServeHTTP(rr, req)
	if rr.Code != http.StatusCreated {
		t.Fatalf("status %d, want 201; body %s", rr.Code, rr.Body)
	}
	if n := e.count(t, ""); n != 1 {
		t.Errorf("count %d, want 1", n)
	}
}

func TestUnavailable(t *testing.T) {
	t.Run("ErrUnavailableAfterLogClosed", func(t *testing.T) {
		e := newEnv(t)
		e.record(t, `{"tool_name":"before"}`)
		e.log.Close()
		a := e.post(t, "/v1/entries", `{"tool_name":"after"}`)
		wantError(t, a, http.StatusServiceUnavailable, "unavailable", "closed")
		if ra := a.header.Get("Retry-After"); ra != "1" {
			t.Errorf("Retry-After %q, want 1", ra)
		}
		wantError(t, e.post(t, "/v1/purge", `{"older_than_days":null}`), http.StatusServiceUnavailable, "unavailable")
		if n := e.count(t, ""); n != 1 { // reads go on; the purge deleted nothing
			t.Errorf("count %d, want 1", n)
		}
	})
	t.Run("ErrUnavailableAfterStoreClosed", func(t *testing.T) {
		e := newEnv(t)
		e.record(t, `{"tool_name":"before"}`)
		e.store.Close()
		a := e.post(t, "/v1/entries", `{"tool_name":"after"}`)
		wantError(t, a, http.StatusServiceUnavailable, "unavailable")
		if strings.Contains(string(a.body), "sqlite") {
			t.Errorf("answer shows the store's error: %s", a.body)
		}
		if ra := a.header.Get("Retry-After"); ra != "1" {
			t.Errorf("Retry-After %q, want 1", ra)
		}
		wantError(t, e.get(t, "/v1/entries"), http.StatusServiceUnavailable, "unavailable")
		wantError(t, e.get(t, "/healthz"), http.StatusServiceUnavailable, "unavailable")
		if !strings.Contains(e.logs.String(), "sqlite") {
			t.Errorf("the server did not log the store's error; log:\n%s", e.logs)
		}
		m := e.get(t, "/metrics")
		if !strings.Contains(string(m.body), "tooltrail_store_errors_total 1\n") {
			t.Errorf("metrics do not count the failed commit:\n%s", grepLines(string(m.body), "tooltrail_store_errors_total"))
		}
	})
}

func grepLines(s, substr string) string {
	var out []string
	for line := range strings.Lines(s) {
		if strings.Contains(line, substr) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "")
}
