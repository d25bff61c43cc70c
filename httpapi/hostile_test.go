package httpapi_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"golang.org/x/mod/sumdb/note"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/httpapi"
)

// hostileCase is one request a hostile (or broken) client sends.
type hostileCase struct {
	name   string
	as     string        // the token: "" is "admin", "-" none, "bogus" an unknown one
	method string        // default GET, or POST when body is set
	path   string        // default /v1/entries
	pathf  func() string // the path, when it depends on earlier cases
	body   string        // any bytes; "" sends none
	ctype  string        // Content-Type: "" application/json when there is a body, "-" none
	header map[string]string
	// chunked sends the body with no Content-Length (Transfer-Encoding:
	// chunked), as a client that streams does.
	chunked bool

	status int
	code   string   // the error code, for an error answer
	want   []string // what the error message must say
	// records is how many entries the case adds to the log.
	records int
	// check, when set, looks further at a successful answer.
	check func(t *testing.T, h *hostile, a answer)
	// run, when set, replaces the request: the case does its own I/O.
	run func(h *hostile, t *testing.T)
	// within bounds how long the answer may take; default 15 s.
	within time.Duration
}

// hostile is the state of TestHostileInput: the server and what the log
// should hold.
type hostile struct {
	*authEnv
	client   *http.Client
	verifier note.Verifier
	head     int64 // entries the log's tree should have
	live     int64 // entries not purged
}

// send sends the request of c and returns the answer.
func (h *hostile) send(t *testing.T, c hostileCase) answer {
	t.Helper()
	path := c.path
	if c.pathf != nil {
		path = c.pathf()
	}
	if path == "" {
		path = "/v1/entries"
	}
	method := c.method
	if method == "" {
		method = http.MethodGet
		if c.body != "" {
			method = http.MethodPost
		}
	}
	var rd io.Reader
	if c.body != "" {
		rd = strings.NewReader(c.body)
		if c.chunked {
			rd = io.MultiReader(rd) // a reader of unknown length
		}
	}
	req, err := http.NewRequest(method, h.srv.URL+path, rd)
	if err != nil {
		t.Fatalf("NewRequest %s %q: %v", method, path, err)
	}
	switch {
	case c.ctype == "-":
	case c.ctype != "":
		req.Header.Set("Content-Type", c.ctype)
	case c.body != "":
		req.Header.Set("Content-Type", "application/json")
	}
	h.authorize(req, c.as)
	for k, v := range c.header {
		req.Header.Set(k, v)
	}
	resp, err := h.client.Do(req)
	if err != nil {
		t.Fatalf("%s %.200q: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %.200q: read the answer: %v", method, path, err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: b, close: resp.Close}
}

// authorize sets the Authorization header of req for the token named as.
func (h *hostile) authorize(req *http.Request, as string) {
	switch as {
	case "-":
	case "bogus":
		req.Header.Set("Authorization", "Bearer tt_bogus")
	case "":
		req.Header.Set("Authorization", "Bearer "+h.secrets["admin"])
	default:
		req.Header.Set("Authorization", "Bearer "+h.secrets[as])
	}
}

// get sends GET path as admin; the answer must be 200.
func (h *hostile) get(t *testing.T, path string) answer {
	t.Helper()
	a := h.send(t, hostileCase{path: path})
	if a.status != http.StatusOK {
		t.Fatalf("GET %.200q: %d %s", path, a.status, a.body)
	}
	return a
}

// intact checks what must hold after every case: the server answers, the
// log holds exactly the entries it should, and it verifies.
func (h *hostile) intact(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	if cur, err := h.store.Head(ctx); err == nil {
		if _, err := h.notary.Sign(ctx, cur); err != nil {
			t.Fatalf("sign: %v", err)
		}
	}
	resp, err := h.client.Get(h.srv.URL + "/healthz")
	if err != nil {
		t.Fatalf("GET /healthz: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var health struct {
		Status   string `json:"status"`
		TreeSize int64  `json:"tree_size"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(b, &health) != nil || health.Status != "ok" {
		t.Fatalf("GET /healthz: %d %s, want 200 ok", resp.StatusCode, b)
	}
	if health.TreeSize != h.head {
		t.Errorf("GET /healthz: tree_size %d, want %d", health.TreeSize, h.head)
	}
	head, err := h.store.Head(ctx)
	if err != nil {
		t.Fatalf("store.Head: %v", err)
	}
	if head.Size != h.head {
		t.Errorf("the store's head has %d entries, want %d: the case recorded what it should not have, or not what it should", head.Size, h.head)
		h.head = head.Size // report each difference once
	}
	n, err := h.log.Count(ctx, tooltrail.Filter{})
	if err != nil {
		t.Fatalf("log.Count: %v", err)
	}
	if n != h.live {
		t.Errorf("the log has %d live entries, want %d", n, h.live)
		h.live = n
	}
	h.sign(t)
	rep, err := tooltrail.Verify(ctx, h.store, tooltrail.VerifyOptions{Verifier: h.verifier})
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if !rep.OK() {
		t.Fatalf("Verify: the log is not intact: %v", rep.Problems)
	}
}

// receiptOf reads the receipt of a 201 answer.
func receiptOf(t *testing.T, a answer) tooltrail.Receipt {
	t.Helper()
	var rc tooltrail.Receipt
	if err := json.Unmarshal(a.body, &rc); err != nil {
		t.Fatalf("receipt %s: %v", a.body, err)
	}
	if loc := a.header.Get("Location"); loc != "/v1/entries/"+itoa(rc.ID) {
		t.Errorf("Location %q, want /v1/entries/%d", loc, rc.ID)
	}
	return rc
}

// storesAs returns a check that the recorded entry reads back as want
// (but for its id, time and leaf), byte for byte, and that its leaf is
// the one the receipt names.
func storesAs(want tooltrail.Entry) func(*testing.T, *hostile, answer) {
	return func(t *testing.T, h *hostile, a answer) {
		t.Helper()
		rc := receiptOf(t, a)
		got := h.readEntry(t, rc.ID)
		if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(tooltrail.Entry{}, "ID", "Timestamp", "Leaf", "Salt")); diff != "" {
			t.Errorf("entry %d reads back otherwise (-sent +stored):\n%s", rc.ID, diff)
		}
		if !bytes.Equal(want.Arguments, got.Arguments) {
			t.Errorf("arguments stored as %q, want %q", got.Arguments, want.Arguments)
		}
		if tooltrail.LeafHash(got.Leaf) != rc.LeafHash {
			t.Errorf("entry %d: the hash of its leaf is not the receipt's", rc.ID)
		}
	}
}

// readEntry reads one entry as admin.
func (h *hostile) readEntry(t *testing.T, id int64) tooltrail.Entry {
	t.Helper()
	var e tooltrail.Entry
	if err := json.Unmarshal(h.get(t, "/v1/entries/"+itoa(id)).body, &e); err != nil {
		t.Fatalf("entry %d: %v", id, err)
	}
	return e
}

// pageOf decodes an answer of GET /v1/entries.
func pageOf(t *testing.T, a answer) page {
	t.Helper()
	var p page
	if err := json.Unmarshal(a.body, &p); err != nil || p.Entries == nil {
		t.Fatalf("page %s: %v", a.body, err)
	}
	return p
}

// countOf decodes an answer of GET /v1/entries/count.
func countOf(t *testing.T, a answer) int64 {
	t.Helper()
	var c struct {
		Count *int64 `json:"count"`
	}
	if err := json.Unmarshal(a.body, &c); err != nil || c.Count == nil {
		t.Fatalf("count %s: %v", a.body, err)
	}
	return *c.Count
}

// toolsAre returns a check that a page holds entries of exactly the tools
// named, in order.
func toolsAre(tools ...string) func(*testing.T, *hostile, answer) {
	return func(t *testing.T, h *hostile, a answer) {
		t.Helper()
		got := []string{}
		for _, e := range pageOf(t, a).Entries {
			got = append(got, e.ToolName)
		}
		if diff := cmp.Diff(tools, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("tools of the page (-want +got):\n%s", diff)
		}
	}
}

// countIs returns a check that a count answer says n.
func countIs(n int64) func(*testing.T, *hostile, answer) {
	return func(t *testing.T, h *hostile, a answer) {
		t.Helper()
		if got := countOf(t, a); got != n {
			t.Errorf("count %d, want %d", got, n)
		}
	}
}

// noEntries checks that a page is empty and has no next page.
func noEntries(t *testing.T, h *hostile, a answer) {
	t.Helper()
	if p := pageOf(t, a); len(p.Entries) != 0 || p.NextCursor != nil {
		t.Errorf("page %s, want no entries and no next_cursor", a.body)
	}
}

// jsonOf is JSON of v without HTML escaping, as canonical JSON has it.
func jsonOf(t testing.TB, v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func gzipped(s string) string {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.String()
}

// TestHostileInput sends what a hostile or broken client would, to every
// endpoint that takes input, with access control on. After every case the
// server must still answer, the log must hold exactly the entries the
// cases that succeeded recorded, and it must verify. No case may get a
// 5xx.
func TestHostileInput(t *testing.T) {
	a := newAuthEnv(t, httpapi.Config{})
	_, vkey := testKey(t)
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	h := &hostile{
		authEnv:  a,
		verifier: verifier,
		client: &http.Client{
			Transport:     a.srv.Client().Transport,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
			Timeout:       time.Minute,
		},
	}

	const limit = httpapi.DefaultMaxBodyBytes
	nest := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	deepObject := func(n int) string { return strings.Repeat(`{"a":`, n) + "1" + strings.Repeat("}", n) }
	bodyOf := func(prefix string, size int, suffix string) string {
		return prefix + strings.Repeat(" ", size-len(prefix)-len(suffix)) + suffix
	}
	var manyKeys strings.Builder
	manyKeys.WriteString(`{"tool_name":"many.keys","arguments":{`)
	for i := range 100_000 {
		if i > 0 {
			manyKeys.WriteByte(',')
		}
		fmt.Fprintf(&manyKeys, `"%d":0`, i)
	}
	manyKeys.WriteString("}}")
	manyKeysArgs := strings.TrimSuffix(strings.TrimPrefix(manyKeys.String(), `{"tool_name":"many.keys","arguments":`), "}")
	var manyTopKeys strings.Builder
	manyTopKeys.WriteString(`{"tool_name":"a"`)
	for i := range 100_000 {
		fmt.Fprintf(&manyTopKeys, `,"k%d":0`, i)
	}
	manyTopKeys.WriteString("}")
	rnd := rand.New(rand.NewPCG(1, 2))
	binary := make([]byte, 4096)
	for i := range binary {
		binary[i] = byte(rnd.UintN(256))
	}
	canonicalSorted := tooltrail.Entry{ToolName: "any.object", Arguments: json.RawMessage(`{"a":[true,null,"x",-0,1.5e-7],"b":{"":{}}}`)}

	// SQL metacharacters and LIKE wildcards, a different one in each field.
	meta := `'); DROP TABLE entries; -- " OR 1=1 /* */ % _ %% __ [a-z] [^a] \ \% \_ ESCAPE '\' ; SELECT * FROM names WHERE value LIKE '%'` + "; `x` <script>&amp; \u2028 \U0001F600 \t"
	metaEntry := tooltrail.Entry{
		ToolName:      "tool" + meta,
		Arguments:     json.RawMessage(jsonOf(t, map[string]any{"q": "arg" + meta, meta: []any{"%", "_", "'", `"`, `\`}})),
		ResultSummary: "summary" + meta,
		Confirmed:     true,
		SessionID:     "session" + meta,
		TaskID:        "task" + meta,
		UserID:        "user" + meta,
		CallID:        "call" + meta,
	}
	metaBody := jsonOf(t, map[string]any{
		"tool_name": metaEntry.ToolName, "arguments": metaEntry.Arguments, "result_summary": metaEntry.ResultSummary,
		"confirmed": true, "session_id": metaEntry.SessionID, "task_id": metaEntry.TaskID, "user_id": metaEntry.UserID,
		"call_id": metaEntry.CallID,
	})
	// The other fields of metaEntry must match only it, exactly.
	metaQueries := func(t *testing.T, h *hostile, a answer) {
		storesAs(metaEntry)(t, h, a)
		id := receiptOf(t, a).ID
		for _, q := range []url.Values{
			{"session_id": {metaEntry.SessionID}}, {"task_id": {metaEntry.TaskID}}, {"user_id": {metaEntry.UserID}},
			{"tool_name": {metaEntry.ToolName}}, {"tool_name": {strings.ToUpper(metaEntry.ToolName)}},
			{"tool_name": {"'"}}, {"tool_name": {"[a-z]"}},
		} {
			p := pageOf(t, h.get(t, "/v1/entries?"+q.Encode()))
			if len(p.Entries) != 1 || p.Entries[0].ID != id {
				t.Errorf("GET /v1/entries?%s: %d entries, want entry %d alone", q.Encode(), len(p.Entries), id)
			}
			if n := countOf(t, h.get(t, "/v1/entries/count?"+q.Encode())); n != 1 {
				t.Errorf("GET /v1/entries/count?%s: %d, want 1", q.Encode(), n)
			}
		}
		for _, q := range []url.Values{{"session_id": {"%"}}, {"user_id": {"_"}}, {"task_id": {"' OR 1=1 --"}}, {"session_id": {"session"}}} {
			if n := countOf(t, h.get(t, "/v1/entries/count?"+q.Encode())); n != 0 {
				t.Errorf("GET /v1/entries/count?%s: %d, want 0: an exact filter matched as a pattern", q.Encode(), n)
			}
		}
	}

	// cursor is a real next_cursor of a page of the admin's, and cursorID
	// the id it continues below; set by the case PageOneForCursor.
	var cursor string
	var cursorID int64
	belowCursor := func(user string) func(*testing.T, *hostile, answer) {
		return func(t *testing.T, h *hostile, a answer) {
			p := pageOf(t, a)
			if len(p.Entries) == 0 {
				t.Errorf("no entries below the cursor")
			}
			for _, e := range p.Entries {
				if e.ID >= cursorID {
					t.Errorf("entry %d is not below the cursor's %d", e.ID, cursorID)
				}
				if user != "" && e.UserID != user {
					t.Errorf("entry %d of user %q, want only %q's", e.ID, e.UserID, user)
				}
			}
		}
	}

	cases := []hostileCase{
		// Setup: tools with LIKE wildcards, before any other tool name holds one.
		{name: "RecordToolPercent", body: `{"tool_name":"a%b","session_id":"wild"}`, status: 201, records: 1, check: storesAs(tooltrail.Entry{ToolName: "a%b", SessionID: "wild"})},
		{name: "RecordToolUnderscore", body: `{"tool_name":"a_b","session_id":"wild"}`, status: 201, records: 1, check: storesAs(tooltrail.Entry{ToolName: "a_b", SessionID: "wild"})},
		{name: "RecordToolPlain", body: `{"tool_name":"axb","session_id":"wild"}`, status: 201, records: 1, check: storesAs(tooltrail.Entry{ToolName: "axb", SessionID: "wild"})},
		{name: "QueryPercentMatchesItself", path: "/v1/entries?tool_name=%25", status: 200, check: toolsAre("a%b")},
		{name: "QueryUnderscoreMatchesItself", path: "/v1/entries?tool_name=_", status: 200, check: toolsAre("a_b")},
		{name: "QueryPercentIgnoresCase", path: "/v1/entries?tool_name=A%25B", status: 200, check: toolsAre("a%b")},
		{name: "QueryDoublePercent", path: "/v1/entries?tool_name=%25%25", status: 200, check: toolsAre()},
		{name: "QueryBackslash", path: "/v1/entries?tool_name=%5C", status: 200, check: toolsAre()},
		{name: "CountPercent", path: "/v1/entries/count?tool_name=%25", status: 200, check: countIs(1)},
		{name: "CountUnderscore", path: "/v1/entries/count?tool_name=_", status: 200, check: countIs(1)},
		{name: "CountAllWild", path: "/v1/entries/count?tool_name=a&session_id=wild", status: 200, check: countIs(3)},
		{name: "RecordAsAlice", as: "alice-writer", body: `{"tool_name":"alice.one"}`, status: 201, records: 1, check: storesAs(tooltrail.Entry{ToolName: "alice.one", UserID: "alice"})},
		{name: "RecordAsAliceAgain", as: "alice-writer", body: `{"tool_name":"alice.two","user_id":"alice"}`, status: 201, records: 1, check: storesAs(tooltrail.Entry{ToolName: "alice.two", UserID: "alice"})},

		// POST /v1/entries: malformed JSON.
		{name: "PostTruncated", body: `{"tool_name":"a","arguments":{"k":[1,2`, status: 400, code: "invalid_argument", want: []string{"not valid JSON"}},
		{name: "PostTruncatedInString", body: `{"tool_name":"a`, status: 400, code: "invalid_argument", want: []string{"not valid JSON"}},
		{name: "PostOpenBrace", body: `{`, status: 400, code: "invalid_argument", want: []string{"not valid JSON"}},
		{name: "PostTrailingGarbage", body: `{"tool_name":"a"}garbage`, status: 400, code: "invalid_argument", want: []string{"one JSON object and nothing after"}},
		{name: "PostTrailingComma", body: `{"tool_name":"a",}`, status: 400, code: "invalid_argument", want: []string{"not valid JSON"}},
		{name: "PostTwoObjects", body: `{"tool_name":"a"}{"tool_name":"b"}`, status: 400, code: "invalid_argument", want: []string{"one JSON object and nothing after"}},
		{name: "PostTwoObjectsNewline", body: "{\"tool_name\":\"a\"}\n{\"tool_name\":\"b\"}\n", status: 400, code: "invalid_argument", want: []string{"one JSON object and nothing after"}},
		{name: "PostBareString", body: `"tool_name"`, status: 400, code: "invalid_argument", want: []string{"JSON object"}},
		{name: "PostBareNumber", body: `42`, status: 400, code: "invalid_argument", want: []string{"JSON object"}},
		{name: "PostArray", body: `[{"tool_name":"a"}]`, status: 400, code: "invalid_argument", want: []string{"JSON object"}},
		{name: "PostEmptyBody", method: "POST", path: "/v1/entries", status: 400, code: "invalid_argument", want: []string{"empty", "JSON object"}},
		{name: "PostWhitespaceBody", body: " \r\n\t ", status: 400, code: "invalid_argument", want: []string{"empty"}},
		{name: "PostNull", body: `null`, status: 400, code: "invalid_argument", want: []string{"JSON object"}},
		{name: "PostSingleQuotes", body: `{'tool_name':'a'}`, status: 400, code: "invalid_argument", want: []string{"not valid JSON"}},
		{name: "PostComment", body: `{"tool_name":"a" /* hi */}`, status: 400, code: "invalid_argument", want: []string{"not valid JSON"}},
		{name: "PostUTF8BOM", body: "\xef\xbb\xbf{\"tool_name\":\"a\"}", status: 400, code: "invalid_argument", want: []string{"JSON object"}},
		{name: "PostBinary", body: string(binary), status: 400, code: "invalid_argument", want: []string{"UTF-8"}},

		// Wrong types, field by field; arguments take any JSON.
		{name: "PostToolNameNumber", body: `{"tool_name":1}`, status: 400, code: "invalid_argument", want: []string{"tool_name", "must be a string or null", "number"}},
		{name: "PostToolNameBool", body: `{"tool_name":true}`, status: 400, code: "invalid_argument", want: []string{"tool_name", "must be a string or null"}},
		{name: "PostToolNameArray", body: `{"tool_name":["a"]}`, status: 400, code: "invalid_argument", want: []string{"tool_name", "must be a string or null"}},
		{name: "PostConfirmedYes", body: `{"tool_name":"a","confirmed":"yes"}`, status: 400, code: "invalid_argument", want: []string{"confirmed", "true or false"}},
		{name: "PostConfirmedOne", body: `{"tool_name":"a","confirmed":1}`, status: 400, code: "invalid_argument", want: []string{"confirmed", "true or false"}},
		{name: "PostSessionIDObject", body: `{"tool_name":"a","session_id":{"id":1}}`, status: 400, code: "invalid_argument", want: []string{"session_id", "must be a string or null", "object"}},
		{name: "PostTaskIDBool", body: `{"tool_name":"a","task_id":false}`, status: 400, code: "invalid_argument", want: []string{"task_id", "must be a string or null"}},
		{name: "PostUserIDNumber", body: `{"tool_name":"a","user_id":7}`, status: 400, code: "invalid_argument", want: []string{"user_id", "must be a string or null"}},
		{name: "PostCallIDArray", body: `{"tool_name":"a","call_id":[]}`, status: 400, code: "invalid_argument", want: []string{"call_id", "must be a string or null"}},
		{name: "PostResultSummaryNumber", body: `{"tool_name":"a","result_summary":1.5}`, status: 400, code: "invalid_argument", want: []string{"result_summary", "must be a string or null"}},
		{name: "PostArgumentsNumber", body: `{"tool_name":"any.number","arguments":-12.5e+3}`, status: 201, records: 1, check: storesAs(tooltrail.Entry{ToolName: "any.number", Arguments: json.RawMessage(`-12.5e+3`)})},
		{name: "PostArgumentsString", body: `{"tool_name":"any.string","arguments":"<&>"}`, status: 201, records: 1, check: storesAs(tooltrail.Entry{ToolName: "any.string", Arguments: json.RawMessage(`"<&>"`)})},
		{name: "PostArgumentsBool", body: `{"tool_name":"any.bool","arguments":false}`, status: 201, records: 1, check: storesAs(tooltrail.Entry{ToolName: "any.bool", Arguments: json.RawMessage(`false`)})},
		{name: "PostArgumentsNull", body: `{"tool_name":"any.null","arguments":null}`, status: 201, records: 1, check: storesAs(tooltrail.Entry{ToolName: "any.null"})},
		{name: "PostArgumentsObject", body: ` { "tool_name" : "any.object" , "arguments" : { "b" : { "" : { } } , "a" : [ true , null , "x" , -0 , 1.5e-7 ] } } `, status: 201, records: 1, check: storesAs(canonicalSorted)},
		{name: "PostArgumentsHugeExponent", body: `{"tool_name":"any.exp","arguments":[1E400,-1e-400]}`, status: 201, records: 1, check: storesAs(tooltrail.Entry{ToolName: "any.exp", Arguments: json.RawMessage(`[1E400,-1e-400]`)})},
		{name: "PostStringsNull", body: `{"tool_name":"nulls","result_summary":null,"confirmed":null,"session_id":null,"task_id":null,"user_id":null,"call_id":null}`, status: 201, records: 1, check: storesAs(tooltrail.Entry{ToolName: "nulls"})},

		// Unknown and duplicate fields.
		{name: "PostUnknownFieldTypo", body: `{"tool_nmae":"a"}`, status: 400, code: "invalid_argument", want: []string{"tool_nmae: is not a field", "tool_name"}},
		{name: "PostUnknownFieldAfterGood", body: `{"tool_name":"a","extra":1}`, status: 400, code: "invalid_argument", want: []string{"extra: is not a field", "tool_name"}},
		{name: "PostFieldCase", body: `{"TOOL_NAME":"a"}`, status: 400, code: "invalid_argument", want: []string{"TOOL_NAME: is not a field"}},
		{name: "PostProtoKey", body: `{"tool_name":"a","__proto__":{"admin":true}}`, status: 400, code: "invalid_argument", want: []string{"__proto__: is not a field"}},
		{name: "PostDuplicateToolName", body: `{"tool_name":"a","tool_name":"b"}`, status: 400, code: "invalid_argument", want: []string{"tool_name: is given twice"}},
		{name: "PostDuplicateEscaped", body: `{"tool_name":"a","tool_n\u0061me":"b"}`, status: 400, code: "invalid_argument", want: []string{"tool_name: is given twice"}},
		{name: "PostDuplicateUserID", as: "alice-writer", body: `{"tool_name":"a","user_id":"alice","user_id":"bob"}`, status: 400, code: "invalid_argument", want: []string{"user_id: is given twice"}},
		{name: "PostDuplicateArgumentKey", body: `{"tool_name":"a","arguments":{"x":{"k":1,"k":2}}}`, status: 400, code: "invalid_argument", want: []string{"arguments", `"k" twice`}},
		{name: "PostDuplicateArgumentKeyEscaped", body: `{"tool_name":"a","arguments":{"k":1,"\u006b":2}}`, status: 400, code: "invalid_argument", want: []string{"arguments", `"k" twice`}},

		// Bad text.
		{name: "PostInvalidUTF8InToolName", body: "{\"tool_name\":\"a\xffb\"}", status: 400, code: "invalid_argument", want: []string{"UTF-8"}},
		{name: "PostInvalidUTF8InArguments", body: "{\"tool_name\":\"a\",\"arguments\":{\"k\":\"\xc3\x28\"}}", status: 400, code: "invalid_argument", want: []string{"UTF-8"}},
		{name: "PostInvalidUTF8InKey", body: "{\"tool_name\":\"a\",\"arguments\":{\"\xfe\":1}}", status: 400, code: "invalid_argument", want: []string{"UTF-8"}},
		{name: "PostOverlongUTF8", body: "{\"tool_name\":\"\xc0\xaf\"}", status: 400, code: "invalid_argument", want: []string{"UTF-8"}},
		{name: "PostCESUSurrogate", body: "{\"tool_name\":\"\xed\xa0\x80\"}", status: 400, code: "invalid_argument", want: []string{"UTF-8"}},
		{name: "PostInvalidUTF8Raw", body: "\xff\xfe{\"tool_name\":\"a\"}", status: 400, code: "invalid_argument", want: []string{"UTF-8"}},
		{name: "PostInvalidUTF8Trailing", body: "{\"tool_name\":\"a\"}\x80", status: 400, code: "invalid_argument", want: []string{"UTF-8"}},
		{name: "PostNULEscapeInToolName", body: `{"tool_name":"a\u0000b"}`, status: 400, code: "invalid_argument", want: []string{"tool_name", "NUL"}},
		{name: "PostNULEscapeInSessionID", body: `{"tool_name":"a","session_id":"\u0000"}`, status: 400, code: "invalid_argument", want: []string{"session_id", "NUL"}},
		{name: "PostNULEscapeInResultSummary", body: `{"tool_name":"a","result_summary":"ok\u0000"}`, status: 400, code: "invalid_argument", want: []string{"result_summary", "NUL"}},
		{name: "PostNULEscapeInArguments", body: `{"tool_name":"a","arguments":{"k":"\u0000"}}`, status: 400, code: "invalid_argument", want: []string{"arguments", "NUL"}},
		{name: "PostNULEscapeInArgumentKey", body: `{"tool_name":"a","arguments":{"\u0000":1}}`, status: 400, code: "invalid_argument", want: []string{"arguments", "NUL"}},
		{name: "PostNULRawInToolName", body: "{\"tool_name\":\"a\x00b\"}", status: 400, code: "invalid_argument", want: []string{"not valid JSON"}},
		{name: "PostNULRawInArguments", body: "{\"tool_name\":\"a\",\"arguments\":[\"\x00\"]}", status: 400, code: "invalid_argument", want: []string{"not valid JSON"}},
		// docs/api.md: unpaired surrogates are "refused with 400 naming the field".
		{name: "PostLoneHighSurrogateInToolName", body: `{"tool_name":"a\ud800"}`, status: 400, code: "invalid_argument", want: []string{"tool_name", "surrogate", `\ud800`}},
		{name: "PostLoneLowSurrogateInSessionID", body: `{"tool_name":"a","session_id":"\udc00x"}`, status: 400, code: "invalid_argument", want: []string{"session_id", "surrogate"}},
		{name: "PostHighSurrogateThenLetter", body: `{"tool_name":"a\ud800\u0041"}`, status: 400, code: "invalid_argument", want: []string{"tool_name", "surrogate"}},
		{name: "PostLoneSurrogateInArguments", body: `{"tool_name":"a","arguments":["\uDBFF"]}`, status: 400, code: "invalid_argument", want: []string{"arguments", "surrogate"}},
		{name: "PostLoneSurrogateAfterEscapedBackslash", body: `{"tool_name":"a\\\ud800"}`, status: 400, code: "invalid_argument", want: []string{"surrogate"}},
		{name: "PostSurrogatePair", body: `{"tool_name":"smile\ud83d\ude00"}`, status: 201, records: 1, check: storesAs(tooltrail.Entry{ToolName: "smile\U0001F600"})},
		{name: "PostEscapedBackslashU", body: `{"tool_name":"x\\ud800"}`, status: 201, records: 1, check: storesAs(tooltrail.Entry{ToolName: `x\ud800`})},
		{name: "PostNumber100Digits", body: `{"tool_name":"digits.100","arguments":[` + strings.Repeat("9", 100) + `]}`, status: 201, records: 1, check: storesAs(tooltrail.Entry{ToolName: "digits.100", Arguments: json.RawMessage("[" + strings.Repeat("9", 100) + "]")})},
		{name: "PostNumber101Digits", body: `{"tool_name":"a","arguments":[` + strings.Repeat("9", 101) + `]}`, status: 400, code: "invalid_argument", want: []string{"arguments", "101", "at most 100"}},
		{name: "PostNumber101DigitsAsConfirmed", body: `{"tool_name":"a","confirmed":` + strings.Repeat("1", 101) + `}`, status: 400, code: "invalid_argument", want: []string{"confirmed", "true or false"}},

		// Sizes.
		{name: "PostBodyAtLimit", body: bodyOf(`{"tool_name":"body.at.limit","arguments":`, limit, `1}`), status: 201, records: 1, check: storesAs(tooltrail.Entry{ToolName: "body.at.limit", Arguments: json.RawMessage(`1`)})},
		{name: "PostBodyOverLimitByOne", body: bodyOf(`{"tool_name":"a","arguments":`, limit+1, `1}`), status: 413, code: "too_large", want: []string{"request body", "2097152 bytes"}},
		{name: "PostBodyOverLimit", body: `{"tool_name":"a","arguments":"` + strings.Repeat("x", 3*limit) + `"}`, status: 413, code: "too_large", want: []string{"request body", "2097152 bytes"}},
		{name: "PostBodyOverLimitChunked", chunked: true, body: `{"tool_name":"a","arguments":"` + strings.Repeat("x", 3*limit) + `"}`, status: 413, code: "too_large", want: []string{"request body", "2097152 bytes"}},
		{name: "PostArgumentsOver1MiB", body: `{"tool_name":"a","arguments":"` + strings.Repeat("x", 1<<20-1) + `"}`, status: 413, code: "too_large", want: []string{"arguments", "1048576 bytes"}},
		{name: "PostArgumentsOver1MiBEscaped", body: `{"tool_name":"a","arguments":"` + strings.Repeat(`\n`, 1<<19) + `"}`, status: 413, code: "too_large", want: []string{"arguments", "1048576 bytes"}},
		{name: "PostNested64", body: `{"tool_name":"nested.64","arguments":` + nest(64) + `}`, status: 201, records: 1, check: storesAs(tooltrail.Entry{ToolName: "nested.64", Arguments: json.RawMessage(nest(64))})},
		{name: "PostNested65", body: `{"tool_name":"a","arguments":` + nest(65) + `}`, status: 400, code: "invalid_argument", want: []string{"arguments", "nested more than 64"}},
		{name: "PostNested100000Arrays", body: `{"tool_name":"a","arguments":` + nest(100_000) + `}`, status: 400, code: "invalid_argument", want: []string{"arguments"}},
		{name: "PostNested100000Objects", body: `{"tool_name":"a","arguments":` + deepObject(100_000) + `}`, status: 400, code: "invalid_argument", want: []string{"arguments"}},
		{name: "PostNested100000Unclosed", body: `{"tool_name":"a","arguments":` + strings.Repeat("[", 100_000), status: 400, code: "invalid_argument", want: []string{"arguments"}},
		{name: "PostNested100000InToolName", body: `{"tool_name":` + nest(100_000) + `}`, status: 400, code: "invalid_argument", want: []string{"tool_name"}},
		{name: "PostBody100000UnknownKeys", body: manyTopKeys.String(), status: 400, code: "invalid_argument", want: []string{"k0: is not a field"}, within: 5 * time.Second},
		{name: "PostToolName256Bytes", body: `{"tool_name":"` + strings.Repeat("é", 128) + `"}`, status: 201, records: 1, check: storesAs(tooltrail.Entry{ToolName: strings.Repeat("é", 128)})},
		{name: "PostToolName257Bytes", body: `{"tool_name":"` + strings.Repeat("t", 257) + `"}`, status: 400, code: "invalid_argument", want: []string{"tool_name", "at most 256 bytes", "257"}},
		{name: "PostToolName257BytesMultibyte", body: `{"tool_name":"` + strings.Repeat("é", 128) + `x"}`, status: 400, code: "invalid_argument", want: []string{"tool_name", "at most 256 bytes"}},
		{name: "PostSessionID257Bytes", body: `{"tool_name":"a","session_id":"` + strings.Repeat("s", 257) + `"}`, status: 400, code: "invalid_argument", want: []string{"session_id", "at most 256 bytes"}},
		{name: "PostTaskID257Bytes", body: `{"tool_name":"a","task_id":"` + strings.Repeat("s", 257) + `"}`, status: 400, code: "invalid_argument", want: []string{"task_id", "at most 256 bytes"}},
		{name: "PostUserID257Bytes", body: `{"tool_name":"a","user_id":"` + strings.Repeat("s", 257) + `"}`, status: 400, code: "invalid_argument", want: []string{"user_id", "at most 256 bytes"}},
		{name: "PostCallID257Bytes", body: `{"tool_name":"a","call_id":"` + strings.Repeat("s", 257) + `"}`, status: 400, code: "invalid_argument", want: []string{"call_id", "at most 256 bytes"}},
		{name: "PostResultSummaryAt64KiB", body: `{"tool_name":"summary.at.limit","result_summary":"` + strings.Repeat("r", 64<<10) + `"}`, status: 201, records: 1, check: storesAs(tooltrail.Entry{ToolName: "summary.at.limit", ResultSummary: strings.Repeat("r", 64<<10)})},
		{name: "PostResultSummaryOver64KiB", body: `{"tool_name":"a","result_summary":"` + strings.Repeat("r", 64<<10+1) + `"}`, status: 413, code: "too_large", want: []string{"result_summary", "65536 bytes"}},

		// SQL metacharacters and LIKE wildcards in every string field:
		// stored byte for byte, and matched exactly.
		{name: "PostSQLMetacharacters", body: metaBody, status: 201, records: 1, check: metaQueries},
		{name: "PostSameCallIDReplays", body: metaBody, status: 200, check: func(t *testing.T, h *hostile, a answer) {
			var rc tooltrail.Receipt
			if err := json.Unmarshal(a.body, &rc); err != nil || h.readEntry(t, rc.ID).CallID != metaEntry.CallID {
				t.Errorf("replay answered %s", a.body)
			}
		}},
		{name: "PostSameCallIDOtherContent", body: strings.Replace(metaBody, `"confirmed":true`, `"confirmed":false`, 1), status: 409, code: "conflict"},

		// Content types and encodings.
		{name: "PostTextPlain", ctype: "text/plain", body: `{"tool_name":"a"}`, status: 400, code: "invalid_argument", want: []string{"Content-Type", "application/json", "text/plain"}},
		{name: "PostFormEncoded", ctype: "application/x-www-form-urlencoded", body: `tool_name=a`, status: 400, code: "invalid_argument", want: []string{"Content-Type", "application/json"}},
		{name: "PostMultipart", ctype: "multipart/form-data; boundary=x", body: "--x\r\n\r\n{}\r\n--x--", status: 400, code: "invalid_argument", want: []string{"Content-Type", "application/json"}},
		{name: "PostCharsetUTF16", ctype: "application/json; charset=utf-16", body: `{"tool_name":"a"}`, status: 400, code: "invalid_argument", want: []string{"Content-Type", "application/json"}},
		{name: "PostContentTypeList", ctype: "application/json, text/plain", body: `{"tool_name":"a"}`, status: 400, code: "invalid_argument", want: []string{"Content-Type"}},
		{name: "PostContentTypeUpperCase", ctype: "APPLICATION/JSON; Charset=UTF-8", body: `{"tool_name":"ct.upper"}`, status: 201, records: 1, check: storesAs(tooltrail.Entry{ToolName: "ct.upper"})},
		{name: "PostNoContentType", ctype: "-", body: `{"tool_name":"ct.none"}`, status: 201, records: 1, check: storesAs(tooltrail.Entry{ToolName: "ct.none"})},
		{name: "PostGzipped", header: map[string]string{"Content-Encoding": "gzip"}, body: gzipped(`{"tool_name":"a"}`), status: 400, code: "invalid_argument", want: []string{"UTF-8"}},

		// Query strings, methods, paths.
		{name: "PostQueryString", method: "POST", path: "/v1/entries?tool_name=a", body: `{"tool_name":"a"}`, status: 400, code: "invalid_argument", want: []string{"tool_name: is not a parameter", "takes none"}},
		{name: "PostQueryStringDryRun", method: "POST", path: "/v1/entries?dry_run=1", body: `{"tool_name":"a"}`, status: 400, code: "invalid_argument", want: []string{"dry_run: is not a parameter"}},
		{name: "PostMalformedQueryString", method: "POST", path: "/v1/entries?%zz", body: `{"tool_name":"a"}`, status: 400, code: "invalid_argument", want: []string{"malformed query string"}},
		{name: "PutEntries", method: "PUT", path: "/v1/entries", body: `{"tool_name":"a"}`, status: 405, code: "invalid_argument", want: []string{"PUT", "POST"}},
		{name: "DeleteEntry", method: "DELETE", path: "/v1/entries/1", status: 405, code: "invalid_argument", want: []string{"DELETE", "GET"}},
		{name: "GetPurge", path: "/v1/purge", status: 405, code: "invalid_argument", want: []string{"GET", "POST"}},
		{name: "PostDotDotPath", method: "POST", path: "/v1/entries/../purge", body: `{"older_than_days":null}`, status: 404, code: "not_found"},
		{name: "PostDoubleSlashPath", method: "POST", path: "//v1/purge", body: `{"older_than_days":null}`, status: 404, code: "not_found"},
		{name: "PostEncodedSlashPath", method: "POST", path: "/v1%2Fpurge", body: `{"older_than_days":null}`, status: 404, code: "not_found"},

		// Tokens.
		{name: "PostNoToken", as: "-", body: `{"tool_name":"a"}`, status: 401, code: "unauthenticated"},
		{name: "PostBogusToken", as: "bogus", body: `{"tool_name":"a"}`, status: 401, code: "unauthenticated"},
		{name: "PostRevokedToken", as: "revoked", body: `{"tool_name":"a"}`, status: 401, code: "unauthenticated"},
		{name: "PostAsReader", as: "reader", body: `{"tool_name":"a"}`, status: 403, code: "permission_denied", want: []string{"reader", "writer or admin"}},
		{name: "PostBasicAuth", as: "-", header: map[string]string{"Authorization": "Basic YWRtaW46YWRtaW4="}, body: `{"tool_name":"a"}`, status: 401, code: "unauthenticated", want: []string{"Bearer"}},
		{name: "PostBearerEmpty", as: "-", header: map[string]string{"Authorization": "Bearer "}, body: `{"tool_name":"a"}`, status: 401, code: "unauthenticated"},
		{name: "PostBearerTwoWords", as: "-", header: map[string]string{"Authorization": "Bearer a b"}, body: `{"tool_name":"a"}`, status: 401, code: "unauthenticated"},
		{name: "PostBearerHuge", as: "-", header: map[string]string{"Authorization": "Bearer " + strings.Repeat("A", 64<<10)}, body: `{"tool_name":"a"}`, status: 401, code: "unauthenticated"},
		{name: "PostSQLToken", as: "-", header: map[string]string{"Authorization": "Bearer ' OR '1'='1"}, body: `{"tool_name":"a"}`, status: 401, code: "unauthenticated"},
		{name: "PostAsAliceForBob", as: "alice-writer", body: `{"tool_name":"a","user_id":"bob"}`, status: 403, code: "permission_denied", want: []string{`only as user "alice"`}},
		{name: "PostAsAliceForALICE", as: "alice-writer", body: `{"tool_name":"a","user_id":"ALICE"}`, status: 403, code: "permission_denied", want: []string{`only as user "alice"`}},

		// GET /v1/entries: cursors.
		{name: "PageOneForCursor", path: "/v1/entries?limit=2", status: 200, check: func(t *testing.T, h *hostile, a answer) {
			p := pageOf(t, a)
			if p.NextCursor == nil || len(p.Entries) != 2 {
				t.Fatalf("page one: %s", a.body)
			}
			cursor, cursorID = *p.NextCursor, p.Entries[1].ID
		}},
		{name: "CursorWithChangedFilter", pathf: func() string { return "/v1/entries?session_id=wild&cursor=" + cursor }, status: 200, check: func(t *testing.T, h *hostile, a answer) {
			belowCursor("")(t, h, a)
			for _, e := range pageOf(t, a).Entries {
				if e.SessionID != "wild" {
					t.Errorf("entry %d of session %q under the filter session_id=wild", e.ID, e.SessionID)
				}
			}
		}},
		{name: "CursorOfAdminAsAlice", as: "alice-reader", pathf: func() string { return "/v1/entries?cursor=" + cursor }, status: 200, check: belowCursor("alice")},
		{name: "CursorOfAdminAsAliceForBob", as: "alice-reader", pathf: func() string { return "/v1/entries?user_id=bob&cursor=" + cursor }, status: 403, code: "permission_denied", want: []string{`only as user "alice"`}},
		{name: "CursorTopmost", path: "/v1/entries?limit=1000&cursor=" + tooltrail.EncodeCursor(1<<62), status: 200, check: func(t *testing.T, h *hostile, a answer) {
			if n := int64(len(pageOf(t, a).Entries)); n != h.live {
				t.Errorf("%d entries below the topmost cursor, want all %d", n, h.live)
			}
		}},
		{name: "EntryOfAnotherAsAlice", as: "alice-reader", path: "/v1/entries/1", status: 404, code: "not_found", want: []string{"no entry 1"}},
		// docs/api.md: another user's entry is 404 "as if it did not exist".
		{name: "EntryOfAnotherLikeNoEntryAsAlice", run: func(h *hostile, t *testing.T) {
			h.sameAnswers(t, "alice-reader", "another's entry", 1, "no entry", 1_000_000)
		}},
		// docs/api.md makes a malformed value a 400 and says nothing of
		// order: start after end is well-formed, and matches nothing.
		{name: "StartAfterEnd", path: "/v1/entries?start=2026-01-03&end=2026-01-01", status: 200, check: noEntries},
		{name: "CountStartAfterEnd", path: "/v1/entries/count?start=2026-01-03&end=2026-01-01", status: 200, check: countIs(0)},
		{name: "StartEqualsEnd", path: "/v1/entries/count?start=2026-01-02T03:04:05.123456Z&end=2026-01-02T03:04:05.123456Z", status: 200, check: func(t *testing.T, h *hostile, a answer) {
			countIs(h.live)(t, h, a)
		}},
		{name: "StartYearOne", path: "/v1/entries/count?start=0001-01-01&end=9999-12-31T23:59:59.999999999-23:59", status: 200, check: func(t *testing.T, h *hostile, a answer) {
			countIs(h.live)(t, h, a)
		}},
		{name: "EmptyValues", path: "/v1/entries?limit=&offset=&cursor=&start=&end=&tool_name=&confirmed_only=", status: 200},
		{name: "OnlyAmpersands", path: "/v1/entries?&&&", status: 200},

		// GET /v1/entries/{id}.
		{name: "EntryMaxInt64", path: "/v1/entries/9223372036854775807", status: 404, code: "not_found"},
		{name: "EntryBeyondLog", path: "/v1/entries/1000000", status: 404, code: "not_found", want: []string{"1000000"}},
		{name: "ProofBadID", path: "/v1/entries/1;DROP%20TABLE%20entries/proof", status: 400, code: "invalid_argument", want: []string{"id"}},
		{name: "EntryQueryParameter", path: "/v1/entries/1?tree_size=1", status: 400, code: "invalid_argument", want: []string{"tree_size: is not a parameter"}},

		// POST /v1/purge: every one refused, nothing deleted.
		{name: "PurgeNegative", method: "POST", path: "/v1/purge", body: `{"older_than_days": -1}`, status: 400, code: "invalid_argument", want: []string{"older_than_days", "from 0 to 1000000", "-1"}},
		{name: "PurgeExponent", method: "POST", path: "/v1/purge", body: `{"older_than_days": 1e9}`, status: 400, code: "invalid_argument", want: []string{"older_than_days", "whole number"}},
		{name: "PurgeBillion", method: "POST", path: "/v1/purge", body: `{"older_than_days": 1000000000}`, status: 400, code: "invalid_argument", want: []string{"older_than_days", "from 0 to 1000000"}},
		{name: "PurgeOverInt64", method: "POST", path: "/v1/purge", body: `{"older_than_days": 9223372036854775808}`, status: 400, code: "invalid_argument", want: []string{"older_than_days", "whole number"}},
		{name: "PurgeFraction", method: "POST", path: "/v1/purge", body: `{"older_than_days": 7.5}`, status: 400, code: "invalid_argument", want: []string{"older_than_days", "whole number"}},
		{name: "PurgeString", method: "POST", path: "/v1/purge", body: `{"older_than_days": "7"}`, status: 400, code: "invalid_argument", want: []string{"older_than_days", "whole number", "string"}},
		{name: "PurgeStringNull", method: "POST", path: "/v1/purge", body: `{"older_than_days": "null"}`, status: 400, code: "invalid_argument", want: []string{"older_than_days", "whole number"}},
		{name: "PurgeArray", method: "POST", path: "/v1/purge", body: `{"older_than_days": [7]}`, status: 400, code: "invalid_argument", want: []string{"older_than_days", "whole number"}},
		{name: "PurgeEmptyObject", method: "POST", path: "/v1/purge", body: `{}`, status: 400, code: "invalid_argument", want: []string{"older_than_days", "required"}},
		{name: "PurgeEmptyBody", method: "POST", path: "/v1/purge", status: 400, code: "invalid_argument", want: []string{"empty"}},
		{name: "PurgeNullBody", method: "POST", path: "/v1/purge", body: `null`, status: 400, code: "invalid_argument", want: []string{"JSON object"}},
		{name: "PurgeExtraField", method: "POST", path: "/v1/purge", body: `{"older_than_days":7,"x":1}`, status: 400, code: "invalid_argument", want: []string{"x: is not a field", "older_than_days"}},
		{name: "PurgeFieldCase", method: "POST", path: "/v1/purge", body: `{"Older_Than_Days":null}`, status: 400, code: "invalid_argument", want: []string{"Older_Than_Days: is not a field"}},
		// encoding/json would keep the last of duplicates: null, everything.
		{name: "PurgeDuplicateLastNull", method: "POST", path: "/v1/purge", body: `{"older_than_days":7,"older_than_days":null}`, status: 400, code: "invalid_argument", want: []string{"older_than_days: is given twice"}},
		{name: "PurgeDuplicateFirstNull", method: "POST", path: "/v1/purge", body: `{"older_than_days":null,"older_than_days":7}`, status: 400, code: "invalid_argument", want: []string{"older_than_days: is given twice"}},
		{name: "PurgeTwoObjects", method: "POST", path: "/v1/purge", body: `{"older_than_days":7}{"older_than_days":null}`, status: 400, code: "invalid_argument", want: []string{"nothing after"}},
		{name: "PurgeTextPlain", method: "POST", path: "/v1/purge", ctype: "text/plain", body: `{"older_than_days":null}`, status: 400, code: "invalid_argument", want: []string{"Content-Type"}},
		{name: "PurgeQueryString", method: "POST", path: "/v1/purge?older_than_days=7", body: `{"older_than_days":7}`, status: 400, code: "invalid_argument", want: []string{"older_than_days: is not a parameter"}},
		{name: "PurgeOverLimit", method: "POST", path: "/v1/purge", body: bodyOf(`{"older_than_days":`, limit+1, `null}`), status: 413, code: "too_large"},
		{name: "PurgeAsReader", as: "reader", method: "POST", path: "/v1/purge", body: `{"older_than_days":null}`, status: 403, code: "permission_denied", want: []string{"admin"}},
		{name: "PurgeAsWriter", as: "writer", method: "POST", path: "/v1/purge", body: `{"older_than_days":null}`, status: 403, code: "permission_denied", want: []string{"admin"}},
		{name: "PurgeNoToken", as: "-", method: "POST", path: "/v1/purge", body: `{"older_than_days":null}`, status: 401, code: "unauthenticated"},
		// The largest number of days is allowed: it deletes nothing and is recorded.
		{name: "PurgeMaxDays", method: "POST", path: "/v1/purge", body: `{"older_than_days":1000000}`, status: 200, records: 1, check: func(t *testing.T, h *hostile, a answer) {
			if strings.TrimSpace(string(a.body)) != `{"deleted":0}` {
				t.Errorf("purge answered %s, want {\"deleted\":0}", a.body)
			}
		}},

		// A body that trickles in, and one shorter than it says.
		{name: "SlowBody", run: (*hostile).slowBody, records: 1, within: time.Minute},
		{name: "ShortBody", run: (*hostile).shortBody},
	}

	// The same bad parameters to both query endpoints.
	for _, path := range []string{"/v1/entries", "/v1/entries/count"} {
		for _, q := range []struct {
			name, query string
			want        []string
		}{
			{"LimitZero", "limit=0", []string{"limit", "1 to 1000"}},
			{"LimitNegative", "limit=-1", []string{"limit", "1 to 1000"}},
			{"LimitOverMax", "limit=1001", []string{"limit", "1 to 1000"}},
			{"LimitExponent", "limit=1e3", []string{"limit", `"1e3"`, "1 to 1000"}},
			{"LimitHuge", "limit=99999999999999999999", []string{"limit", "1 to 1000"}},
			{"LimitHex", "limit=0x10", []string{"limit", "1 to 1000"}},
			{"LimitSpace", "limit=%205", []string{"limit", "1 to 1000"}},
			{"OffsetNegative", "offset=-5", []string{"offset", "at least 0"}},
			{"OffsetOverMax", "offset=10000001", []string{"offset", "at most 10000000", "cursor"}},
			{"OffsetNotNumber", "offset=abc", []string{"offset", `"abc"`}},
			{"OffsetHuge", "offset=99999999999999999999", []string{"offset"}},
			{"CursorRandomBase64", "cursor=" + base64.RawURLEncoding.EncodeToString([]byte("\x93\x11\xfe\x00\x42\x17\x99\x01\x02\x03\x04")), []string{"cursor", "next_cursor"}},
			{"CursorStdBase64", "cursor=" + url.QueryEscape(base64.StdEncoding.EncodeToString([]byte{1, 0xfb, 0xff, 0x03})), []string{"cursor"}},
			{"CursorOtherVersion", "cursor=" + base64.RawURLEncoding.EncodeToString([]byte{2, 5}), []string{"cursor"}},
			{"CursorIDOne", "cursor=" + tooltrail.EncodeCursor(1), []string{"cursor"}},
			{"CursorIDTooLarge", "cursor=" + tooltrail.EncodeCursor(1<<62+1), []string{"cursor"}},
			{"CursorNonCanonical", "cursor=" + base64.RawURLEncoding.EncodeToString([]byte{1, 0x85, 0x00}), []string{"cursor"}},
			{"CursorVeryLong", "cursor=" + strings.Repeat("A", 64<<10), []string{"cursor"}},
			{"CursorNUL", "cursor=%00", []string{"cursor"}},
			{"CursorSQL", "cursor=" + url.QueryEscape("1 OR 1=1"), []string{"cursor"}},
			{"StartImpossibleDay", "start=2026-02-30", []string{"start", "RFC 3339"}},
			{"EndFiveDigitYear", "end=99999-01-01", []string{"end", "RFC 3339"}},
			{"StartHour25", "start=2026-01-02T25:00", []string{"start", "RFC 3339"}},
			{"StartLeapSecond", "start=2026-06-30T23:59:60Z", []string{"start", "RFC 3339"}},
			{"StartOffset25h", "start=2026-01-02T00:00:00%2B25:00", []string{"start", "RFC 3339"}},
			{"EndUnixTime", "end=1767322245", []string{"end", "RFC 3339"}},
			{"StartNUL", "start=%00", []string{"start"}},
			{"ConfirmedOnlyMaybe", "confirmed_only=maybe", []string{"confirmed_only", "true or false"}},
			{"RepeatedLimit", "limit=1&limit=2", []string{"limit", "2 times", "once"}},
			{"RepeatedToolName", "tool_name=a&tool_name=b", []string{"tool_name", "2 times", "once"}},
			{"RepeatedEmpty", "start=&start=", []string{"start", "2 times"}},
			{"UnknownParameter", "foo=1", []string{"foo: is not a filter", "tool_name"}},
			{"UnknownParameterCase", "Limit=5", []string{"Limit: is not a filter"}},
			{"UnknownParameterPage", "page=2", []string{"page: is not a filter"}},
			{"Semicolon", "limit=1;offset=2", []string{"malformed query string"}},
			{"BadPercentEscape", "tool_name=%zz", []string{"malformed query string"}},
			{"ToolNameNUL", "tool_name=a%00", []string{"tool_name", "NUL"}},
			{"ToolNameInvalidUTF8", "tool_name=%FF", []string{"tool_name", "UTF-8"}},
			{"SessionIDTooLong", "session_id=" + strings.Repeat("s", 1025), []string{"session_id", "1024"}},
			{"UserIDNUL", "user_id=%00", []string{"user_id", "NUL"}},
		} {
			cases = append(cases, hostileCase{
				name: "Get" + strings.ReplaceAll(strings.TrimPrefix(path, "/v1/entries"), "/", "") + q.name, path: path + "?" + q.query,
				status: 400, code: "invalid_argument", want: q.want,
			})
		}
	}
	for _, id := range []struct{ name, id string }{
		{"Zero", "0"}, {"Negative", "-1"}, {"LeadingZero", "01"}, {"Fraction", "1.5"},
		{"Overflow", "99999999999999999999"}, {"SQL", "1;DROP%20TABLE%20entries"}, {"SQLOr", "1%20OR%201=1"},
		{"Plus", "%2B1"}, {"Space", "%201"}, {"Exponent", "1e3"}, {"Hex", "0x10"}, {"NUL", "%00"},
		{"ArabicDigit", "%D9%A1"}, {"EncodedSlash", "1%2F2"}, {"Long", strings.Repeat("9", 10_000)},
	} {
		cases = append(cases, hostileCase{
			name: "GetEntryID" + id.name, path: "/v1/entries/" + id.id,
			status: 400, code: "invalid_argument", want: []string{"id", "whole number of at least 1"},
		})
	}

	// The largest entries, recorded late so that the checks after every
	// case stay fast; the purge deletes them.
	cases = append(cases, []hostileCase{
		{name: "PostArgumentsAt1MiB", body: `{"tool_name":"args.at.limit","arguments":"` + strings.Repeat("x", 1<<20-2) + `"}`, status: 201, records: 1, within: 30 * time.Second,
			check: storesAs(tooltrail.Entry{ToolName: "args.at.limit", Arguments: json.RawMessage(`"` + strings.Repeat("x", 1<<20-2) + `"`)})},
		{name: "PostArguments100000Keys", body: manyKeys.String(), status: 201, records: 1, within: 10 * time.Second, check: func(t *testing.T, h *hostile, a answer) {
			rc := receiptOf(t, a)
			if got := h.readEntry(t, rc.ID); len(got.Arguments) != len(manyKeysArgs) {
				t.Errorf("arguments of %d bytes stored, want %d", len(got.Arguments), len(manyKeysArgs))
			}
		}},
	}...)
	// Last, a real purge: the log still verifies, and a purged entry
	// looks to alice like another user's.
	cases = append(cases, hostileCase{name: "PurgeThenAliceCannotTellPurgedFromOthers", run: func(h *hostile, t *testing.T) {
		h.clock.Advance(48 * time.Hour)
		a := h.send(t, hostileCase{method: "POST", path: "/v1/purge", body: `{"older_than_days":1}`})
		var got struct {
			Deleted *int64 `json:"deleted"`
		}
		if a.status != http.StatusOK || json.Unmarshal(a.body, &got) != nil || got.Deleted == nil || *got.Deleted != h.live {
			t.Fatalf("purge: %d %s, want %d deleted", a.status, a.body, h.live)
		}
		h.head, h.live = h.head+1, 1 // the purge's own entry, of user "admin"
		h.sameAnswers(t, "alice-reader", "a purged entry", 1, "another's entry", h.head)
	}})

	h.intact(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			if c.run != nil {
				c.run(h, t)
			} else {
				a := h.send(t, c)
				t.Logf("answer: %d %.300s", a.status, a.body)
				if a.status >= 500 {
					t.Errorf("5xx: %d %s", a.status, a.body)
				}
				switch {
				case c.code != "":
					wantError(t, a, c.status, c.code, c.want...)
				case a.status != c.status:
					t.Errorf("status %d, want %d; body %.500s", a.status, c.status, a.body)
				case c.check != nil:
					c.check(t, h, a)
				}
			}
			within := c.within
			if within == 0 {
				within = 15 * time.Second
			}
			if took := time.Since(start); took > within {
				t.Errorf("took %v, more than %v", took, within)
			}
			h.head += int64(c.records)
			h.live += int64(c.records)
			h.intact(t)
		})
	}
}

// sameAnswers checks that the token named as gets the same answer, but
// for the id, for entry idA and entry idB, and for their proofs: what a
// bound token may not see must look as if it did not exist.
func (h *hostile) sameAnswers(t *testing.T, as, whatA string, idA int64, whatB string, idB int64) {
	t.Helper()
	mask := func(b []byte, id int64) string {
		return regexp.MustCompile(`\b`+itoa(id)+`\b`).ReplaceAllString(string(b), "N")
	}
	for _, suffix := range []string{"", "/proof"} {
		a := h.send(t, hostileCase{as: as, path: "/v1/entries/" + itoa(idA) + suffix})
		b := h.send(t, hostileCase{as: as, path: "/v1/entries/" + itoa(idB) + suffix})
		if a.status != http.StatusNotFound || a.status != b.status || mask(a.body, idA) != mask(b.body, idB) {
			t.Errorf("as %s, GET /v1/entries/{id}%s tells %s from %s, where both should be 404 alike:\n%s %d: %d %s\n%s %d: %d %s",
				as, suffix, whatA, whatB, whatA, idA, a.status, bytes.TrimSpace(a.body), whatB, idB, b.status, bytes.TrimSpace(b.body))
		}
	}
}

// slowBody sends a body one byte every 200 ms. httpapi bounds the size of
// a body (http.MaxBytesReader) but sets no deadline of its own: that is
// the http.Server's, and tooltrail serve sets ReadHeaderTimeout 5 s and
// ReadTimeout 30 s (cmd/tooltrail/serve.go). This case runs httpapi in
// such a server with 500 ms and 1 s instead, and checks that the slow
// request is cut by then, that nothing of it is recorded, and that other
// requests are served meanwhile. It also holds a slow body open on the
// httptest server, which has no timeouts, while others are served there.
func (h *hostile) slowBody(t *testing.T) {
	const (
		readHeaderTimeout = 500 * time.Millisecond // serve: 5 s
		readTimeout       = time.Second            // serve: 30 s
		margin            = 3 * time.Second
		trickle           = 200 * time.Millisecond
	)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{
		Handler: httpapi.New(h.log, httpapi.Config{Tokens: h.store, Notary: h.notary, Logger: slog.New(slog.DiscardHandler)}),
		// As serve sets them, but shorter.
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      time.Minute,
		IdleTimeout:       2 * time.Minute,
	}
	go srv.Serve(ln)
	defer srv.Close()
	base := "http://" + ln.Addr().String()

	// sendSlowly writes head at once and then tail a byte every trickle,
	// until the server closes the connection or stop is closed.
	sendSlowly := func(addr, head, tail string, stop <-chan struct{}) net.Conn {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(conn, head); err != nil {
			t.Fatal(err)
		}
		go func() {
			for i := 0; i < len(tail); i++ {
				select {
				case <-stop:
					return
				case <-time.After(trickle):
				}
				if _, err := conn.Write([]byte{tail[i]}); err != nil {
					return
				}
			}
		}()
		return conn
	}
	body := `{"tool_name":"slow.trickle","arguments":{"pad":"` + strings.Repeat("p", 100) + `"}}`
	post := func(host string) string {
		return "POST /v1/entries HTTP/1.1\r\nHost: " + host + "\r\nAuthorization: Bearer " + h.secrets["admin"] +
			"\r\nContent-Type: application/json\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n"
	}
	stop := make(chan struct{})
	defer close(stop)
	start := time.Now()
	slowBody := sendSlowly(ln.Addr().String(), post("slow"), body, stop)
	defer slowBody.Close()
	slowHeader := sendSlowly(ln.Addr().String(), "GET /healthz HTTP/1.1\r\n", "Host: slow\r\nX-Slow: "+strings.Repeat("x", 100)+"\r\n\r\n", stop)
	defer slowHeader.Close()
	// And a slow body on the server without timeouts, which stays open.
	noTimeout := sendSlowly(strings.TrimPrefix(h.srv.URL, "http://"), post("notimeout"), body, stop)
	defer noTimeout.Close()

	// Others are served meanwhile, on both servers.
	for i := range 3 {
		for _, u := range []string{base, h.srv.URL} {
			t0 := time.Now()
			resp, err := http.Get(u + "/healthz")
			if err != nil {
				t.Fatalf("GET /healthz while a body trickles: %v", err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || time.Since(t0) > 2*time.Second {
				t.Errorf("GET %s/healthz while a body trickles: %d after %v", u, resp.StatusCode, time.Since(t0))
			}
		}
		time.Sleep(trickle)
		if i == 0 {
			req, _ := http.NewRequest(http.MethodPost, base+"/v1/entries", strings.NewReader(`{"tool_name":"slow.neighbour"}`))
			h.authorize(req, "admin")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusCreated {
				t.Errorf("a record while a body trickles: %d %s", resp.StatusCode, b)
			}
		}
	}

	// The slow header: the connection is closed (net/http answers a header
	// timeout with nothing) or answered with a 4xx, in time.
	slowHeader.SetReadDeadline(time.Now().Add(readHeaderTimeout + margin))
	if resp, err := http.ReadResponse(bufio.NewReader(slowHeader), nil); err == nil {
		resp.Body.Close()
		if resp.StatusCode < 400 || resp.StatusCode >= 500 {
			t.Errorf("slow header: answered %d, want the connection cut or a 4xx", resp.StatusCode)
		}
	} else if isTimeout(err) {
		t.Errorf("slow header: not cut within %v", time.Since(start))
	}
	// The slow body: answered with a 4xx or cut, in time, and not recorded.
	slowBody.SetReadDeadline(time.Now().Add(readTimeout + margin))
	resp, err := http.ReadResponse(bufio.NewReader(slowBody), nil)
	took := time.Since(start)
	switch {
	case err == nil:
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		t.Logf("slow body: answered after %v: %d %s", took, resp.StatusCode, b)
		if resp.StatusCode < 400 || resp.StatusCode >= 500 {
			t.Errorf("slow body: answered %d %s, want a 4xx", resp.StatusCode, b)
		}
		var ae apiError
		if json.Unmarshal(b, &ae) != nil || ae.Error.Code == "" {
			t.Errorf("slow body: answer not in the error shape: %s", b)
		}
	case isTimeout(err):
		t.Errorf("slow body: not cut after %v, with ReadTimeout %v", took, readTimeout)
	default:
		t.Logf("slow body: connection closed after %v: %v", took, err)
	}
	if took > readTimeout+margin {
		t.Errorf("slow body: cut after %v, want within %v of ReadTimeout %v", took, margin, readTimeout)
	}
	// Nothing of the slow bodies is in the log; the neighbour is.
	for _, q := range []string{"tool_name=slow.trickle", "tool_name=slow.neighbour"} {
		n, err := h.log.Count(context.Background(), tooltrail.Filter{ToolName: strings.TrimPrefix(q, "tool_name=")})
		if err != nil {
			t.Fatal(err)
		}
		if want := int64(strings.Count(q, "neighbour")); n != want {
			t.Errorf("%s: %d entries, want %d", q, n, want)
		}
	}
}

// shortBody sends a body shorter than its Content-Length and then shuts
// its side of the connection: a 400, and nothing recorded.
func (h *hostile) shortBody(t *testing.T) {
	conn, err := net.Dial("tcp", strings.TrimPrefix(h.srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"tool_name":"short"}`
	fmt.Fprintf(conn, "POST /v1/entries HTTP/1.1\r\nHost: short\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		h.secrets["admin"], len(body)+100, body)
	conn.(*net.TCPConn).CloseWrite()
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("short body: no answer: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var ae apiError
	if resp.StatusCode != http.StatusBadRequest || json.Unmarshal(b, &ae) != nil || ae.Error.Code != "invalid_argument" {
		t.Errorf("short body: %d %s, want 400 invalid_argument", resp.StatusCode, b)
	}
	t.Logf("short body: %d %s", resp.StatusCode, b)
}

// isTimeout says whether err is a network timeout: our read deadline, not
// the server's cut.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
