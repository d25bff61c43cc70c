package httpapi_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"strconv"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/tooltrail/tooltrail/httpapi"
)

// benchBatch is the number of tool spans of one export in the benchmarks:
// about what an SDK's batch processor sends from a busy agent.
const benchBatch = 100

// BenchmarkTracesIngest compares recording a batch of tool calls as one
// OTLP export (POST /v1/traces, protobuf) with recording the same calls
// one POST /v1/entries each, on SQLite: spans/s is the figure to compare.
func BenchmarkTracesIngest(b *testing.B) {
	e := newEnv(b)
	srv := httptest.NewServer(httpapi.New(e.log, httpapi.Config{Metrics: httpapi.NewMetrics(), Logger: slog.New(slog.DiscardHandler)}))
	b.Cleanup(srv.Close)
	cl := srv.Client()
	post := func(path, ct string, body []byte) {
		resp, err := cl.Post(srv.URL+path, ct, bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			b.Fatalf("POST %s: %d", path, resp.StatusCode)
		}
	}
	round := 0
	b.Run("otlp", func(b *testing.B) {
		for b.Loop() {
			round++
			post("/v1/traces", "application/x-protobuf", protoBody(b, benchTraces(round)))
		}
		b.ReportMetric(float64(b.N*benchBatch)/b.Elapsed().Seconds(), "spans/s")
	})
	b.Run("entries", func(b *testing.B) {
		for b.Loop() {
			round++
			for i := range benchBatch {
				body, _ := json.Marshal(map[string]any{
					"tool_name": "read_file", "arguments": map[string]any{"path": "/srv/data/" + strconv.Itoa(i)},
					"result_summary": "412 bytes", "session_id": "conv-" + strconv.Itoa(round), "user_id": "alice",
					"call_id": "e-" + strconv.Itoa(round) + "-" + strconv.Itoa(i),
				})
				post("/v1/entries", "application/json", body)
			}
		}
		b.ReportMetric(float64(b.N*benchBatch)/b.Elapsed().Seconds(), "spans/s")
	})
}

// benchTraces returns one export of benchBatch tool spans of round.
func benchTraces(round int) ptrace.Traces {
	td := ptrace.NewTraces()
	spans := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans()
	for i := range benchBatch {
		s := spans.AppendEmpty()
		s.SetTraceID(pcommon.TraceID{byte(round), byte(round >> 8), byte(round >> 16), 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
		s.SetSpanID(pcommon.SpanID{1, 2, 3, 4, 5, 6, 7, byte(i)})
		s.SetName("execute_tool read_file")
		a := s.Attributes()
		a.PutStr("gen_ai.operation.name", "execute_tool")
		a.PutStr("gen_ai.tool.name", "read_file")
		a.PutStr("gen_ai.tool.call.arguments", `{"path": "/srv/data/`+strconv.Itoa(i)+`"}`)
		a.PutStr("gen_ai.tool.call.result", "412 bytes")
		a.PutStr("gen_ai.conversation.id", "conv-"+strconv.Itoa(round))
		a.PutStr("enduser.id", "alice")
	}
	return td
}
