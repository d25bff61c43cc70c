package httpapi_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tooltrail/tooltrail/httpapi"
)

func TestRouting(t *testing.T) {
	e := newEnv(t)
	for _, tt := range []struct {
		name, method, path string
		allow              []string
	}{
		{"ErrMethodDeleteEntries", http.MethodDelete, "/v1/entries", []string{"GET", "POST"}},
		{"ErrMethodPutEntry", http.MethodPut, "/v1/entries/1", []string{"GET"}},
		{"ErrMethodPostTools", http.MethodPost, "/v1/tools", []string{"GET"}},
		{"ErrMethodGetPurge", http.MethodGet, "/v1/purge", []string{"POST"}},
		{"ErrMethodPostHealthz", http.MethodPost, "/healthz", []string{"GET"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := e.do(t, tt.method, tt.path, "", "")
			wantError(t, a, http.StatusMethodNotAllowed, "invalid_argument", tt.method)
			for _, m := range tt.allow {
				if !strings.Contains(a.header.Get("Allow"), m) {
					t.Errorf("Allow %q lacks %s", a.header.Get("Allow"), m)
				}
			}
		})
	}
	for _, path := range []string{"/", "/v1", "/v1/", "/v1/nope", "/v1/entries/", "/v1/entries/1/extra", "/v2/entries"} {
		t.Run("ErrNotFound"+path, func(t *testing.T) {
			wantError(t, e.get(t, path), http.StatusNotFound, "not_found")
		})
	}
}

func TestMaxBodyBytes(t *testing.T) {
	e := newEnv(t)
	srv := httptest.NewServer(httpapi.New(e.log, httpapi.Config{MaxBodyBytes: 100, Logger: slog.New(slog.DiscardHandler)}))
	defer srv.Close()
	e.srv = srv // e.do sends to the small server now
	t.Run("CreatedUnderLimit", func(t *testing.T) {
		e.record(t, `{"tool_name":"`+strings.Repeat("a", 60)+`"}`)
	})
	t.Run("ErrTooLarge", func(t *testing.T) {
		a := e.post(t, "/v1/entries", `{"tool_name":"`+strings.Repeat("a", 100)+`"}`)
		wantError(t, a, http.StatusRequestEntityTooLarge, "too_large", "100 bytes")
		if !a.close {
			t.Errorf("the server keeps the connection of an unread body open")
		}
	})
}

func TestHealthz(t *testing.T) {
	e := newEnv(t)
	t.Run("OK", func(t *testing.T) {
		e.record(t, `{"tool_name":"a"}`)
		e.record(t, `{"tool_name":"b"}`)
		a := e.get(t, "/healthz")
		if got, want := strings.TrimSpace(string(a.body)), `{"status":"ok","tree_size":0}`; a.status != 200 || got != want {
			t.Errorf("before a signature: status %d body %s, want 200 %s (the signed size, not the head's)", a.status, got, want)
		}
		e.sign(t)
		a = e.get(t, "/healthz")
		if got, want := strings.TrimSpace(string(a.body)), `{"status":"ok","tree_size":2}`; a.status != 200 || got != want {
			t.Errorf("status %d body %s, want 200 %s", a.status, got, want)
		}
	})
	t.Run("ErrUnavailableWhenStoreClosed", func(t *testing.T) {
		e.log.Close()
		e.store.Close()
		a := e.get(t, "/healthz")
		wantError(t, a, http.StatusServiceUnavailable, "unavailable")
		if a.header.Get("Retry-After") != "1" {
			t.Errorf("Retry-After %q, want 1", a.header.Get("Retry-After"))
		}
	})
}

func TestMetrics(t *testing.T) {
	e := newEnv(t)
	e.record(t, `{"tool_name":"a"}`)
	e.record(t, `{"tool_name":"b"}`)
	e.get(t, "/v1/entries/1")
	e.get(t, "/v1/entries/2")
	e.get(t, "/no/such/path")
	a := e.get(t, "/metrics")
	if a.status != http.StatusOK {
		t.Fatalf("status %d", a.status)
	}
	body := string(a.body)
	for _, want := range []string{
		"tooltrail_records_total 2\n",
		"tooltrail_batch_size_bucket",
		"tooltrail_commit_seconds_bucket",
		"tooltrail_queue_depth 0\n",
		"tooltrail_store_errors_total 0\n",
		`tooltrail_http_requests_total{code="201",route="POST /v1/entries"} 2` + "\n",
		`tooltrail_http_requests_total{code="200",route="GET /v1/entries/{id}"} 2` + "\n",
		`tooltrail_http_requests_total{code="404",route="unmatched"} 1` + "\n",
		`tooltrail_http_request_seconds_bucket{route="GET /v1/entries/{id}",le="+Inf"} 2` + "\n",
		"go_goroutines",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if strings.Contains(body, "/v1/entries/1") || strings.Contains(body, "/no/such/path") {
		t.Errorf("metrics label raw paths:\n%s", grepLines(body, "route="))
	}
	t.Run("OwnRegistry", func(t *testing.T) {
		other := newEnv(t)
		b := string(other.get(t, "/metrics").body)
		if !strings.Contains(b, "tooltrail_records_total 0\n") {
			t.Errorf("a second server shares counters with the first:\n%s", grepLines(b, "tooltrail_records_total"))
		}
	})
}

func TestRequestLog(t *testing.T) {
	e := newEnv(t)
	e.record(t, `{"tool_name":"shell","arguments":{"password":"hunter2-secret"},"result_summary":"summary-secret","session_id":"sess-secret"}`)
	e.get(t, "/v1/entries?session_id=sess-secret")
	e.get(t, "/v1/entries/abc-secret")
	logs := e.logs.String()
	for _, want := range []string{
		`"msg":"http request","method":"POST","route":"POST /v1/entries","status":201,"duration":`,
		`"route":"GET /v1/entries","status":200`,
		`"route":"GET /v1/entries/{id}","status":400`,
		`"bytes":`,
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("request log lacks %s; log:\n%s", want, logs)
		}
	}
	if strings.Contains(logs, "secret") {
		t.Errorf("request log shows user data:\n%s", logs)
	}
}

// TestHostileBodies checks bodies that encoding/json would accept but
// change, or reject with a message that names no field.
func TestHostileBodies(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name, body, path string
		status           int
		wantInMessage    string
	}{
		{"ErrLoneSurrogateInCallID", `{"tool_name":"t","call_id":"k\ud800"}`, "/v1/entries", 400, "surrogate"},
		{"ErrLoneSurrogateInArguments", `{"tool_name":"t","arguments":{"a":"\udfff"}}`, "/v1/entries", 400, "surrogate"},
		{"ErrTenThousandLevels", `{"tool_name":"t","arguments":` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `}`, "/v1/entries", 400, "arguments:"},
		{"ErrLongNumber", `{"tool_name":"t","arguments":[` + strings.Repeat("1", 200) + `]}`, "/v1/entries", 400, "arguments:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := http.Post(e.srv.URL+tt.path, "application/json", strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body struct {
				Error struct{ Code, Message string } `json:"error"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.status || !strings.Contains(body.Error.Message, tt.wantInMessage) {
				t.Errorf("status %d, message %q; want %d with %q", resp.StatusCode, body.Error.Message, tt.status, tt.wantInMessage)
			}
		})
	}
	t.Run("UncleanPathIsJSON404", func(t *testing.T) {
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := client.Get(e.srv.URL + "/v1//entries")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			t.Errorf("GET /v1//entries: %d %s, want a JSON 404", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	})
}
