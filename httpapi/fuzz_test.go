package httpapi_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tooltrail/tooltrail"
)

// FuzzPostEntries feeds arbitrary bodies to POST /v1/entries: the server
// never answers 5xx, every error has the API's shape, and an entry it
// created reads back as the body said.
func FuzzPostEntries(f *testing.F) {
	for _, seed := range []string{
		`{"tool_name":"shell"}`,
		`{"tool_name":"web.fetch","arguments":{"url":"https://example.com","n":[1,2.5e3,-0]},"result_summary":"ok","confirmed":true,"session_id":"s","task_id":"t","user_id":"u","call_id":"c"}`,
		`{"tool_name":"a","arguments":null,"session_id":null}`,
		`{"tool_name":"a","arguments":"\ud800 <&> \u2028"}`,
		`{"tool_name":"a","arguments":{"k":1,"k":2}}`,
		`{"tool_name":"a","tool_name":"b"}`,
		`{"Tool_Name":"a"}`,
		`{"tool_name":1}`,
		`{"tool_name":"a"} x`,
		`{"tool_name":"a","arguments":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}`,
		"{\"tool_name\":\"a\xff\"}",
		`{"tool_name":"\u0000"}`,
		`[]`, `null`, ``, `{`, `{"tool_name":"a","confirmed":null}`,
		`{"tool_name":"a","arguments":123456789012345678901234567890}`,
	} {
		f.Add([]byte(seed))
	}
	e := newEnv(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/v1/entries", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rr := httptest.NewRecorder()
		start := time.Now()
		e.handler.ServeHTTP(rr, req)
		if took := time.Since(start); took > 2*time.Second {
			t.Fatalf("SLOW %v for %q", took, body)
		}
		switch rr.Code {
		case http.StatusCreated, http.StatusOK:
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusConflict:
			var ae apiError
			if err := json.Unmarshal(rr.Body.Bytes(), &ae); err != nil || ae.Error.Code == "" || ae.Error.Message == "" {
				t.Fatalf("status %d with a body not in the error shape: %s", rr.Code, rr.Body)
			}
			return
		default:
			t.Fatalf("status %d for body %q: %s", rr.Code, body, rr.Body)
		}
		var rc tooltrail.Receipt
		if err := json.Unmarshal(rr.Body.Bytes(), &rc); err != nil {
			t.Fatalf("receipt %s: %v", rr.Body, err)
		}
		if rr.Code == http.StatusOK {
			return // a replay of an earlier input's call_id
		}
		// The body passed the strict decoder, so a plain one reads it alike.
		var in struct {
			ToolName      *string         `json:"tool_name"`
			Arguments     json.RawMessage `json:"arguments"`
			ResultSummary *string         `json:"result_summary"`
			Confirmed     *bool           `json:"confirmed"`
			SessionID     *string         `json:"session_id"`
			TaskID        *string         `json:"task_id"`
			UserID        *string         `json:"user_id"`
			CallID        *string         `json:"call_id"`
		}
		if err := json.Unmarshal(body, &in); err != nil {
			t.Fatalf("server took a body json.Unmarshal refuses: %q: %v", body, err)
		}
		get := httptest.NewRequest(http.MethodGet, "/v1/entries/"+strconv.FormatInt(rc.ID, 10), nil)
		rr = httptest.NewRecorder()
		e.handler.ServeHTTP(rr, get)
		if rr.Code != http.StatusOK {
			t.Fatalf("GET entry %d: status %d: %s", rc.ID, rr.Code, rr.Body)
		}
		var got tooltrail.Entry
		if err := json.Unmarshal(rr.Body.Bytes(), &got); err != nil {
			t.Fatalf("entry %s: %v", rr.Body, err)
		}
		str := func(p *string) string {
			if p == nil {
				return ""
			}
			return *p
		}
		want := tooltrail.Entry{
			ID: rc.ID, Timestamp: rc.Timestamp, ToolName: str(in.ToolName), ResultSummary: str(in.ResultSummary),
			Confirmed: in.Confirmed != nil && *in.Confirmed, SessionID: str(in.SessionID), TaskID: str(in.TaskID),
			UserID: str(in.UserID), CallID: str(in.CallID),
		}
		gotArgs, wantArgs := jsonValue(t, got.Arguments), jsonValue(t, in.Arguments)
		if len(got.Salt) != tooltrail.SaltSize {
			t.Errorf("entry read back with a salt of %d bytes", len(got.Salt))
		}
		got.Arguments, got.Leaf, got.Salt = nil, nil, nil
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("entry read back (-want +got):\n%s", diff)
		}
		if !bytes.Equal(wantArgs, gotArgs) {
			t.Errorf("arguments read back %s, want %s", gotArgs, wantArgs)
		}
	})
}

// jsonValue returns JSON in a normal form, to compare what two encodings
// say: decoded with numbers kept as written, and encoded again (object keys
// sorted). nil and null give nil.
func jsonValue(t *testing.T, b []byte) []byte {
	t.Helper()
	if len(b) == 0 || string(b) == "null" {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	out, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("encode %s: %v", b, err)
	}
	return out
}
