package webui_test

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tooltrail/tooltrail"
)

// exportIDs returns the ids of an export body.
func exportIDs(t *testing.T, format, body string) []string {
	t.Helper()
	var ids []string
	switch format {
	case "csv":
		recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if err != nil {
			t.Fatalf("csv: %v\n%s", err, body)
		}
		if len(recs) == 0 || recs[0][0] != "id" {
			t.Fatalf("csv without its header:\n%s", body)
		}
		for _, r := range recs[1:] {
			ids = append(ids, r[0])
		}
	default:
		for line := range strings.Lines(body) {
			var en tooltrail.Entry
			if err := json.Unmarshal([]byte(line), &en); err != nil {
				t.Fatalf("ndjson line %q: %v", line, err)
			}
			ids = append(ids, strconv.FormatInt(en.ID, 10))
		}
	}
	return ids
}

func TestExport(t *testing.T) {
	e := newEnv(t, nil)
	seed(t, e)
	for _, tc := range []struct {
		as, query, format, ctype string
		ids                      []string
	}{
		{"reader", "format=ndjson", "ndjson", "application/x-ndjson", []string{"6", "5", "4", "3", "2", "1"}},
		{"reader", "", "ndjson", "application/x-ndjson", []string{"6", "5", "4", "3", "2", "1"}},
		{"reader", "format=csv&tool_name=read", "csv", "text/csv; charset=utf-8", []string{"3", "1"}},
		{"reader", "format=ndjson&user_id=bob&confirmed_only=true", "ndjson", "application/x-ndjson", []string{"3"}},
		{"reader", "format=csv&range=custom&start=2026-01-02T05:00:00&limit=1&cursor=AQY&back=AQc", "csv", "text/csv; charset=utf-8", []string{"6", "5", "4", "3"}},
		{"alice-reader", "format=csv", "csv", "text/csv; charset=utf-8", []string{"6", "4", "1"}},
		{"admin", "format=ndjson&session_id=s3", "ndjson", "application/x-ndjson", []string{"6", "5"}},
	} {
		t.Run(tc.as+"?"+tc.query, func(t *testing.T) {
			a := e.get(t, tc.as, "/export?"+tc.query)
			want(t, a, http.StatusOK)
			if ct := a.header.Get("Content-Type"); ct != tc.ctype {
				t.Errorf("Content-Type %q, want %q", ct, tc.ctype)
			}
			if cd := a.header.Get("Content-Disposition"); cd != `attachment; filename="tooltrail-export.`+tc.format+`"` {
				t.Errorf("Content-Disposition %q", cd)
			}
			if got := exportIDs(t, tc.format, a.body); !slices.Equal(got, tc.ids) {
				t.Errorf("exported %v, want %v", got, tc.ids)
			}
		})
	}
	want(t, e.get(t, "reader", "/export?format=xml"), http.StatusBadRequest, "format: &#34;xml&#34; is not an export format")
	want(t, e.get(t, "reader", "/export?start=never"), http.StatusBadRequest, "start: &#34;never&#34; is not a time")
	want(t, e.get(t, "alice-reader", "/export?user_id=bob"), http.StatusForbidden)
}

func TestStream(t *testing.T) {
	e := newEnv(t, nil)
	seed(t, e)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.srv.URL+"/stream?tool_name=shell", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.AddCookie(&http.Cookie{Name: "tooltrail_session", Value: e.secrets["alice-reader"]})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("status %d, Content-Type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	rd := bufio.NewReader(resp.Body)
	if line, err := rd.ReadString('\n'); err != nil || !strings.HasPrefix(line, ":") {
		t.Fatalf("first line %q, %v", line, err)
	}
	// Not shell, not alice's, then both: only the last reaches the stream.
	e.record(t, tooltrail.Call{ToolName: "read_file", UserID: "alice"}, time.Second)
	e.record(t, tooltrail.Call{ToolName: "shell", UserID: "bob"}, time.Second)
	e.record(t, tooltrail.Call{ToolName: "shell", UserID: "alice", Arguments: map[string]any{"cmd": "date"}}, time.Second)
	var data string
	for data == "" {
		line, err := rd.ReadString('\n')
		if err != nil {
			t.Fatalf("read the stream: %v", err)
		}
		if strings.HasPrefix(line, "id: ") && line != "id: 9\n" {
			t.Fatalf("the stream sent %q; want only entry 9", line)
		}
		data, _ = strings.CutPrefix(strings.TrimSpace(line), "data: ")
		if data == strings.TrimSpace(line) {
			data = ""
		}
	}
	var en tooltrail.Entry
	if err := json.Unmarshal([]byte(data), &en); err != nil {
		t.Fatal(err)
	}
	if en.ID != 9 || en.UserID != "alice" || en.ToolName != "shell" {
		t.Errorf("streamed %+v, want entry 9", en)
	}
}

// TestStreamEndsOnRevocation: a live view outlives the check of the
// request that opened it, so it checks its token again while it runs.
func TestStreamEndsOnRevocation(t *testing.T) {
	e := newEnv(t, nil)
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.srv.URL+"/stream", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.AddCookie(&http.Cookie{Name: "tooltrail_session", Value: e.secrets["reader"]})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if _, err := e.store.RevokeToken(t.Context(), "reader", t0); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		t.Fatalf("the stream did not end cleanly: %v", err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("the stream of a revoked token went on for %v", took)
	}
}
