package httpapi_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/httpapi"
)

// export is one POST /v1/traces.
type export struct {
	as          string // token name; "" for none
	contentType string
	encoding    string // Content-Encoding
	body        []byte
}

func (a *authEnv) export(t *testing.T, x export) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, a.srv.URL+"/v1/traces", bytes.NewReader(x.body))
	if err != nil {
		t.Fatal(err)
	}
	if x.contentType != "" {
		req.Header.Set("Content-Type", x.contentType)
	}
	if x.encoding != "" {
		req.Header.Set("Content-Encoding", x.encoding)
	}
	if x.as != "" {
		req.Header.Set("Authorization", "Bearer "+a.secrets[x.as])
	}
	resp, err := a.srv.Client().Do(req)
	if err != nil {
		t.Fatalf("POST /v1/traces: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: b}
}

// partial decodes the ExportTraceServiceResponse of a 200 answer.
func partial(t *testing.T, a answer) (rejected int64, message string) {
	t.Helper()
	if a.status != http.StatusOK {
		t.Fatalf("status %d, want 200; body %q", a.status, a.body)
	}
	resp := ptraceotlp.NewExportResponse()
	var err error
	switch ct := a.header.Get("Content-Type"); ct {
	case "application/json":
		err = resp.UnmarshalJSON(a.body)
	case "application/x-protobuf":
		err = resp.UnmarshalProto(a.body)
	default:
		t.Fatalf("Content-Type %q", ct)
	}
	if err != nil {
		t.Fatalf("answer %q: %v", a.body, err)
	}
	return resp.PartialSuccess().RejectedSpans(), resp.PartialSuccess().ErrorMessage()
}

// toolTraces returns traces of n tool spans of tool, whose call ids are
// prefix and their index, as an instrumented agent sends them.
func toolTraces(n int, tool, prefix string, setup func(a pcommon.Map)) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "agent")
	spans := rs.ScopeSpans().AppendEmpty().Spans()
	for i := range n {
		s := spans.AppendEmpty()
		s.SetTraceID(pcommon.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
		s.SetSpanID(pcommon.SpanID{1, 2, 3, 4, 5, 6, 7, byte(i)})
		s.SetName("execute_tool " + tool)
		a := s.Attributes()
		a.PutStr("gen_ai.operation.name", "execute_tool")
		a.PutStr("gen_ai.tool.name", tool)
		if prefix != "" {
			a.PutStr("gen_ai.tool.call.id", prefix+itoa(int64(i)))
		}
		a.PutStr("gen_ai.tool.call.arguments", `{"i": `+itoa(int64(i))+`}`)
		if setup != nil {
			setup(a)
		}
	}
	return td
}

func protoBody(t testing.TB, td ptrace.Traces) []byte {
	t.Helper()
	b, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func gzipBody(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestTraces_recordedPayload posts a JSON export recorded from an
// instrumented agent, checks every field of what it recorded and the
// partial success that names the span it refused, and posts it again.
func TestTraces_recordedPayload(t *testing.T) {
	a := newAuthEnv(t, httpapi.Config{})
	body, err := os.ReadFile("../otlp/testdata/agent-export.json")
	if err != nil {
		t.Fatal(err)
	}
	for round := range 2 {
		ans := a.export(t, export{as: "writer", contentType: "application/json", body: body})
		rejected, msg := partial(t, ans)
		if rejected != 1 || !strings.Contains(msg, "1 of 3 tool spans") || !strings.Contains(msg, "99aabbccddeeff00") ||
			!strings.Contains(msg, "gen_ai.tool.name: is required") {
			t.Errorf("round %d: rejected %d, message %q; want the span without a tool name named", round, rejected, msg)
		}
	}
	p := a.query(t, "limit=10")
	want := []tooltrail.Entry{
		{ID: 2, ToolName: "book_flight", Arguments: json.RawMessage(`{"passengers":2,"refundable":true,"to":"CDG"}`),
			ResultSummary: "error: timeout: airline API did not answer within 1.5 s", SessionID: "conv_5j66UpCpwteGg4YSxUnt7lPY",
			UserID: "alice", CallID: "otel:5b8efff798038103d269b633813fc60c:1122334455667788"},
		{ID: 1, ToolName: "get_weather", Arguments: json.RawMessage(`{"date":"2026-12-04","location":"Paris"}`),
			ResultSummary: "rainy, 57°F", SessionID: "conv_5j66UpCpwteGg4YSxUnt7lPY", UserID: "alice", CallID: "call_mszuSIzqtI65i1wAUOE8w5H4"},
	}
	for i := range p.Entries {
		p.Entries[i].Timestamp = want[0].Timestamp
		if len(p.Entries[i].Salt) != 16 {
			t.Errorf("entry %d has a salt of %d bytes, want 16", p.Entries[i].ID, len(p.Entries[i].Salt))
		}
		p.Entries[i].Salt = nil
	}
	if diff := cmp.Diff(want, p.Entries); diff != "" {
		t.Errorf("entries after two exports (-want +got):\n%s", diff)
	}
}

// TestTraces_protobufGzip exports protobuf, gzipped, as the SDK exporters
// do by default, and checks the empty full-success answer.
func TestTraces_protobufGzip(t *testing.T) {
	a := newAuthEnv(t, httpapi.Config{})
	body := gzipBody(t, protoBody(t, toolTraces(3, "read_file", "c-", nil)))
	ans := a.export(t, export{as: "writer", contentType: "application/x-protobuf", encoding: "gzip", body: body})
	if n, msg := partial(t, ans); n != 0 || msg != "" {
		t.Errorf("partial success %d %q, want none", n, msg)
	}
	if n := a.count(t, "tool_name=read_file"); n != 3 {
		t.Errorf("%d entries, want 3", n)
	}
	if e := a.entry(t, 3); e.CallID != "c-2" || string(e.Arguments) != `{"i":2}` {
		t.Errorf("entry 3: %+v", e)
	}
}

// TestTraces_rejects checks the spans refused one by one, while the rest
// of their request is recorded.
func TestTraces_rejects(t *testing.T) {
	a := newAuthEnv(t, httpapi.Config{})
	first := protoBody(t, toolTraces(1, "rm", "same-", nil))
	if n, _ := partial(t, a.export(t, export{as: "writer", contentType: "application/x-protobuf", body: first})); n != 0 {
		t.Fatalf("first export rejected %d", n)
	}
	tests := []struct {
		name     string
		as       string
		td       ptrace.Traces
		rejected int64
		want     string
	}{
		{name: "ErrConflict", as: "writer", td: toolTraces(1, "rm", "same-", func(a pcommon.Map) { a.PutStr("gen_ai.tool.call.result", "other") }),
			rejected: 1, want: "gen_ai.tool.call.id: conflict"},
		{name: "ErrOtherUser", as: "alice-writer", td: toolTraces(2, "ls", "", func(a pcommon.Map) { a.PutStr("enduser.id", "bob") }),
			rejected: 2, want: `enduser.id: this token acts only as user "alice"`},
		{name: "ErrReservedToolName", as: "writer", td: toolTraces(1, "tooltrail.purge", "", nil), rejected: 1, want: "gen_ai.tool.name: names starting with"},
		{name: "ErrArgumentsTooDeep", as: "writer", td: toolTraces(1, "deep", "", func(a pcommon.Map) {
			a.PutStr("gen_ai.tool.call.arguments", strings.Repeat("[", 70)+strings.Repeat("]", 70))
		}), rejected: 1, want: "gen_ai.tool.call.arguments:"},
		{name: "BoundUser", as: "alice-writer", td: toolTraces(1, "whoami", "", nil)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, msg := partial(t, a.export(t, export{as: tt.as, contentType: "application/x-protobuf", body: protoBody(t, tt.td)}))
			if n != tt.rejected || !strings.Contains(msg, tt.want) {
				t.Errorf("rejected %d %q, want %d saying %q", n, msg, tt.rejected, tt.want)
			}
		})
	}
	if p := a.query(t, "tool_name=whoami"); len(p.Entries) != 1 || p.Entries[0].UserID != "alice" {
		t.Errorf("the bound writer's span: %+v, want it recorded as alice's", p.Entries)
	}
	if n := a.count(t, ""); n != 2 {
		t.Errorf("%d entries, want the first and the bound writer's", n)
	}
}

// TestTraces_badInput sends what an exporter should not, and checks that
// each is refused as OTLP/HTTP says, that the server still takes
// exports, and that nothing recorded before is lost.
func TestTraces_badInput(t *testing.T) {
	const limit = 64 << 10
	a := newAuthEnv(t, httpapi.Config{OTLPMaxBodyBytes: limit})
	good := protoBody(t, toolTraces(2, "keep", "k-", nil))
	if n, _ := partial(t, a.export(t, export{as: "writer", contentType: "application/x-protobuf", body: good})); n != 0 {
		t.Fatal("the good export was refused")
	}
	big := toolTraces(1, "big", "", func(m pcommon.Map) { m.PutStr("gen_ai.tool.call.result", strings.Repeat("x", limit)) })
	tests := []struct {
		name   string
		x      export
		status int
		code   int32 // of the Status body; 0: a JSON error of the API
	}{
		{"ErrWrongContentType", export{as: "writer", contentType: "text/plain", body: good}, 415, 0},
		{"ErrNoContentType", export{as: "writer", body: good}, 415, 0},
		{"ErrGarbageProtobuf", export{as: "writer", contentType: "application/x-protobuf", body: []byte("\xff\xff\xff\xff\xff")}, 400, 3},
		{"ErrGarbageJSON", export{as: "writer", contentType: "application/json", body: []byte(`{"resourceSpans": [{`)}, 400, 3},
		{"ErrNotGzip", export{as: "writer", contentType: "application/x-protobuf", encoding: "gzip", body: good}, 400, 3},
		{"ErrCutGzip", export{as: "writer", contentType: "application/x-protobuf", encoding: "gzip", body: gzipBody(t, good)[:20]}, 400, 3},
		{"ErrUnknownEncoding", export{as: "writer", contentType: "application/x-protobuf", encoding: "br", body: good}, 415, 3},
		{"ErrHugeBody", export{as: "writer", contentType: "application/x-protobuf", body: protoBody(t, big)}, 413, 8},
		{"ErrGzipBomb", export{as: "writer", contentType: "application/x-protobuf", encoding: "gzip", body: gzipBody(t, make([]byte, 50<<20))}, 413, 8},
		{"ErrNoToken", export{contentType: "application/x-protobuf", body: good}, 401, 0},
		{"ErrReaderToken", export{as: "reader", contentType: "application/x-protobuf", body: good}, 403, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ans := a.export(t, tt.x)
			if ans.status != tt.status {
				t.Fatalf("status %d, want %d; body %q", ans.status, tt.status, ans.body)
			}
			if tt.code == 0 {
				if ct := ans.header.Get("Content-Type"); ct != "application/json" || !bytes.Contains(ans.body, []byte(`"error"`)) {
					t.Errorf("Content-Type %q, body %s; want an API error", ct, ans.body)
				}
				return
			}
			var st spb.Status
			if err := unmarshalStatus(ans, &st); err != nil || st.Code != tt.code || st.Message == "" {
				t.Errorf("status body %v (%v), want code %d and a message", &st, err, tt.code)
			}
		})
	}
	if n, _ := partial(t, a.export(t, export{as: "writer", contentType: "application/x-protobuf", body: good})); n != 0 {
		t.Error("the good export is refused after the bad ones")
	}
	if n := a.count(t, ""); n != 2 {
		t.Errorf("%d entries, want the good export's 2, recorded once", n)
	}
}

func unmarshalStatus(a answer, st *spb.Status) error {
	if a.header.Get("Content-Type") == "application/json" {
		return json.Unmarshal(a.body, st)
	}
	return proto.Unmarshal(a.body, st)
}

// TestTraces_unavailable checks that an export the log cannot commit is a
// 503 with Retry-After, which exporters retry.
func TestTraces_unavailable(t *testing.T) {
	a := newAuthEnv(t, httpapi.Config{})
	a.log.Close()
	for _, ct := range []string{"application/x-protobuf", "application/json"} {
		body := protoBody(t, toolTraces(2, "late", "l-", nil))
		if ct == "application/json" {
			var err error
			if body, err = ptraceotlp.NewExportRequestFromTraces(toolTraces(2, "late", "l-", nil)).MarshalJSON(); err != nil {
				t.Fatal(err)
			}
		}
		ans := a.export(t, export{as: "writer", contentType: ct, body: body})
		if ans.status != http.StatusServiceUnavailable || ans.header.Get("Retry-After") == "" || ans.header.Get("Content-Type") != ct {
			t.Errorf("%s: status %d, Retry-After %q, Content-Type %q; want 503, a wait, %s", ct, ans.status,
				ans.header.Get("Retry-After"), ans.header.Get("Content-Type"), ct)
		}
		var st spb.Status
		if err := unmarshalStatus(ans, &st); err != nil || st.Code != 14 {
			t.Errorf("%s: status body %v (%v), want code 14", ct, &st, err)
		}
	}
}

// TestTraces_metrics checks the span counters of /metrics.
func TestTraces_metrics(t *testing.T) {
	a := newAuthEnv(t, httpapi.Config{Metrics: httpapi.NewMetrics()})
	body, err := os.ReadFile("../otlp/testdata/agent-export.json")
	if err != nil {
		t.Fatal(err)
	}
	partial(t, a.export(t, export{as: "writer", contentType: "application/json", body: body}))
	_, text, _ := a.call(t, "", "GET", "/metrics", "")
	for _, want := range []string{
		"tooltrail_otlp_spans_received_total 5", "tooltrail_otlp_tool_spans_recorded_total 2",
		"tooltrail_otlp_spans_ignored_total 2", "tooltrail_otlp_spans_rejected_total 1",
		`tooltrail_http_requests_total{code="200",route="POST /v1/traces"} 1`,
	} {
		if !strings.Contains(text, want+"\n") {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}
