package httpapi_test

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/auth"
	"github.com/tooltrail/tooltrail/httpapi"
)

func TestExport(t *testing.T) {
	a := newAuthEnv(t, httpapi.Config{})
	for i, u := range []string{"alice", "bob", "alice", "carol", "alice"} {
		tool := "fs.read"
		if i == 3 {
			tool = "=HYPERLINK(\"http://evil\")"
		}
		a.record(t, `{"tool_name":`+strconv.Quote(tool)+`,"user_id":"`+u+`","arguments":{"i":`+itoa(int64(i))+`}}`)
	}
	status, body, h := a.call(t, "reader", "GET", "/v1/export?format=ndjson&user_id=alice", "")
	if status != http.StatusOK || h.Get("Content-Type") != "application/x-ndjson" {
		t.Fatalf("ndjson export: %d %q %s", status, h.Get("Content-Type"), body)
	}
	var ids []int64
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		var e tooltrail.Entry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		ids = append(ids, e.ID)
	}
	if len(ids) != 3 || ids[0] != 5 || ids[2] != 1 {
		t.Errorf("ndjson export of alice: ids %v, want 5 3 1", ids)
	}
	status, body, h = a.call(t, "reader", "GET", "/v1/export?format=csv", "")
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if status != http.StatusOK || err != nil || len(rows) != 6 || rows[0][0] != "id" || !strings.HasPrefix(h.Get("Content-Type"), "text/csv") {
		t.Fatalf("csv export: %d %v %d rows %q", status, err, len(rows), body)
	}
	if rows[2][2] != `'=HYPERLINK("http://evil")` {
		t.Errorf("a formula in a CSV cell was not neutralised: %q", rows[2][2])
	}
	if _, body, _ := a.call(t, "alice-reader", "GET", "/v1/export", ""); strings.Count(body, "\n") != 3 || strings.Contains(body, `"bob"`) {
		t.Errorf("a bound reader's export: %s", body)
	}
	for _, tc := range []struct{ path, want string }{
		{"/v1/export?format=xml", "format"},
		{"/v1/export?limit=5", "limit"},
		{"/v1/export?format=csv&format=ndjson", "format: is given 2 times"},
		{"/v1/export?user_id=bob&format=csv", ""},
	} {
		as := "reader"
		if tc.want == "" {
			as, tc.want = "alice-reader", "permission_denied"
		}
		if status, body, _ := a.call(t, as, "GET", tc.path, ""); status/100 != 4 || !strings.Contains(body, tc.want) {
			t.Errorf("GET %s as %s: %d %s", tc.path, as, status, body)
		}
	}
	if status, _, _ := a.call(t, "writer", "GET", "/v1/export", ""); status != http.StatusForbidden {
		t.Errorf("a writer's export: %d", status)
	}
}

func TestStream(t *testing.T) {
	a := newAuthEnv(t, httpapi.Config{})
	a.record(t, `{"tool_name":"before","user_id":"alice"}`)
	req, _ := http.NewRequest("GET", a.srv.URL+"/v1/entries/stream?user_id=alice", nil)
	req.Header.Set("Authorization", "Bearer "+a.secrets["reader"])
	resp, err := a.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("stream: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	events := make(chan string, 10)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				events <- d
			}
		}
		close(events)
	}()
	time.Sleep(100 * time.Millisecond) // the stream has read the head
	a.record(t, `{"tool_name":"bob's","user_id":"bob"}`)
	a.record(t, `{"tool_name":"after","user_id":"alice"}`)
	select {
	case d := <-events:
		var e tooltrail.Entry
		if err := json.Unmarshal([]byte(d), &e); err != nil || e.ID != 3 || e.ToolName != "after" {
			t.Errorf("the first event is %s, want entry 3 (alice's, recorded after the stream began)", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no event within 5 s of a record")
	}
}

// TestStreamEndsOnRevocation revokes the token of an open stream: the
// stream ends within auth.RecheckEvery and sends nothing recorded after.
func TestStreamEndsOnRevocation(t *testing.T) {
	a := newAuthEnv(t, httpapi.Config{})
	req, _ := http.NewRequest("GET", a.srv.URL+"/v1/entries/stream", nil)
	req.Header.Set("Authorization", "Bearer "+a.secrets["reader"])
	resp, err := a.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	ended := make(chan []string)
	go func() {
		var data []string
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				data = append(data, d)
			}
		}
		ended <- data
	}()
	if _, err := a.store.RevokeToken(t.Context(), "reader", time.Now()); err != nil {
		t.Fatal(err)
	}
	select {
	case data := <-ended:
		if len(data) != 0 {
			t.Errorf("the stream sent %v after its token was revoked", data)
		}
	case <-time.After(auth.RecheckEvery + 3*time.Second):
		t.Fatal("the stream of a revoked token stayed open")
	}
	a.record(t, `{"tool_name":"after"}`)
}
