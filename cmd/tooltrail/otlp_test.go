package main

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/tooltrail/tooltrail"
)

// agentSpans returns the spans an instrumented agent makes for one turn:
// an agent span, an inference span and two tool executions, one of which
// fails, following the OpenTelemetry GenAI conventions.
func agentSpans(t *testing.T) []sdktrace.ReadOnlySpan {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	defer tp.Shutdown(context.Background())
	tr := tp.Tracer("agent")
	ctx, agent := tr.Start(context.Background(), "invoke_agent planner", trace.WithAttributes(
		attribute.String("gen_ai.operation.name", "invoke_agent"), attribute.String("gen_ai.conversation.id", "conv-1")))
	_, chat := tr.Start(ctx, "chat gpt-4o", trace.WithAttributes(attribute.String("gen_ai.operation.name", "chat")))
	chat.End()
	_, tool := tr.Start(ctx, "execute_tool read_file", trace.WithSpanKind(trace.SpanKindInternal), trace.WithAttributes(
		attribute.String("gen_ai.operation.name", "execute_tool"),
		attribute.String("gen_ai.tool.name", "read_file"),
		attribute.String("gen_ai.tool.call.id", "call_abc"),
		attribute.String("gen_ai.tool.call.arguments", `{"path": "notes.txt"}`),
		attribute.String("gen_ai.tool.call.result", "412 bytes"),
		attribute.String("gen_ai.conversation.id", "conv-1"),
		attribute.String("enduser.id", "alice"),
		attribute.String("app.task.id", "task-9"),
		attribute.Bool("app.confirmed", true),
	))
	tool.End()
	_, failing := tr.Start(ctx, "execute_tool http_get", trace.WithAttributes(
		attribute.String("gen_ai.operation.name", "execute_tool"),
		attribute.String("gen_ai.tool.name", "http_get"),
		attribute.String("gen_ai.tool.call.arguments", `{"url": "https://example.com/"}`),
		attribute.String("gen_ai.conversation.id", "conv-1"),
		attribute.String("enduser.id", "alice"),
		attribute.String("error.type", "timeout"),
	))
	failing.RecordError(errors.New("no answer within 5 s"))
	failing.SetStatus(codes.Error, "no answer within 5 s")
	failing.End()
	agent.End()
	return rec.Ended()
}

// TestServe_otlpExport starts serve, exports an agent's spans to it with
// the OpenTelemetry SDK's OTLP/HTTP exporter and a writer token, checks
// every field of the entries, and exports the same spans again, in
// protobuf and in JSON, which records nothing new.
func TestServe_otlpExport(t *testing.T) {
	dir := t.TempDir()
	srv := startServer(t, dir, "--otlp-task-attribute", "app.task.id", "--otlp-confirmed-attribute", "app.confirmed")
	tok := run(t, noEnv, "", "token", "create", "--data", dir, "--role", "writer", "--name", "otel-collector")
	if tok.code != 0 {
		t.Fatalf("token create: %s", tok.stderr)
	}
	secret := strings.TrimSpace(tok.stdout)
	spans := agentSpans(t)
	ctx := t.Context()
	cl := srv.client(t)
	for i, opts := range [][]otlptracehttp.Option{
		{otlptracehttp.WithCompression(otlptracehttp.GzipCompression)},
		{otlptracehttp.WithCompression(otlptracehttp.GzipCompression)},
		{otlptracehttp.WithEncoding(otlptracehttp.EncodingJSON)},
	} {
		exp, err := otlptracehttp.New(ctx, append(opts,
			otlptracehttp.WithEndpointURL(srv.url+"/v1/traces"),
			otlptracehttp.WithHeaders(map[string]string{"Authorization": "Bearer " + secret}),
			otlptracehttp.WithRetry(otlptracehttp.RetryConfig{Enabled: false}))...)
		if err != nil {
			t.Fatal(err)
		}
		if err := exp.ExportSpans(ctx, spans); err != nil {
			t.Fatalf("export %d: %v", i, err)
		}
		if err := exp.Shutdown(ctx); err != nil {
			t.Fatal(err)
		}
		page, err := cl.Query(ctx, tooltrail.Filter{SessionID: "conv-1"})
		if err != nil {
			t.Fatal(err)
		}
		failed := spans[2] // the order the spans ended in
		want := []tooltrail.Entry{
			{ToolName: "http_get", Arguments: json.RawMessage(`{"url":"https://example.com/"}`),
				ResultSummary: "error: timeout: no answer within 5 s", SessionID: "conv-1", UserID: "alice",
				CallID: "otel:" + failed.SpanContext().TraceID().String() + ":" + failed.SpanContext().SpanID().String()},
			{ToolName: "read_file", Arguments: json.RawMessage(`{"path":"notes.txt"}`), ResultSummary: "412 bytes",
				Confirmed: true, SessionID: "conv-1", TaskID: "task-9", UserID: "alice", CallID: "call_abc"},
		}
		if diff := cmp.Diff(want, page.Entries, cmpopts.IgnoreFields(tooltrail.Entry{}, "ID", "Timestamp", "Salt")); diff != "" {
			t.Errorf("after export %d (-want +got):\n%s", i, diff)
		}
	}
	n, err := cl.Count(ctx, tooltrail.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	// The token's creation is an entry too.
	if n != 3 {
		t.Errorf("%d entries after three exports of the same spans, want the two tool calls and the token's", n)
	}
	if n, err := cl.Count(ctx, tooltrail.Filter{ToolName: "gpt"}); err != nil || n != 0 {
		t.Errorf("the inference span was recorded (%d, %v); only tool spans are", n, err)
	}
}
