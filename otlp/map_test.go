package otlp_test

import (
	"encoding/json"
	"errors"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/otlp"
)

var (
	traceID = pcommon.TraceID{0x5b, 0x8e, 0xff, 0xf7, 0x98, 0x03, 0x81, 0x03, 0xd2, 0x69, 0xb6, 0x33, 0x81, 0x3f, 0xc6, 0x0c}
	spanID  = pcommon.SpanID{0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69, 0x78}
)

const derivedCallID = "otel:5b8efff798038103d269b633813fc60c:0f1e2d3c4b5a6978"

// oneSpan returns traces with one span, made by setup, whose resource has
// the attributes of resource.
func oneSpan(setup func(s ptrace.Span), resource map[string]any) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	if err := rs.Resource().Attributes().FromRaw(resource); err != nil {
		panic(err)
	}
	s := rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	s.SetTraceID(traceID)
	s.SetSpanID(spanID)
	s.SetName("execute_tool")
	s.Attributes().PutStr(otlp.AttrOperationName, otlp.OperationExecuteTool)
	setup(s)
	return td
}

func TestMap(t *testing.T) {
	tests := []struct {
		name     string
		cfg      otlp.Config
		resource map[string]any
		setup    func(s ptrace.Span)
		want     tooltrail.Call
		wantErr  string // the attribute a rejection names
	}{
		{
			name: "AllAttributes",
			setup: func(s ptrace.Span) {
				a := s.Attributes()
				a.PutStr(otlp.AttrToolName, "get_weather")
				a.PutStr(otlp.AttrToolCallID, "call_1")
				a.PutStr(otlp.AttrToolArguments, `{"location": "Paris"}`)
				a.PutStr(otlp.AttrToolResult, "rainy")
				a.PutStr(otlp.AttrConversationID, "conv_1")
				a.PutStr(otlp.AttrEndUserID, "alice")
			},
			want: tooltrail.Call{ToolName: "get_weather", CallID: "call_1", Arguments: json.RawMessage(`{"location": "Paris"}`),
				ResultSummary: "rainy", SessionID: "conv_1", UserID: "alice"},
		},
		{
			name:  "DerivedCallID",
			setup: func(s ptrace.Span) { s.Attributes().PutStr(otlp.AttrToolName, "ls") },
			want:  tooltrail.Call{ToolName: "ls", CallID: derivedCallID},
		},
		{
			name: "StructuredArgumentsAndResult",
			setup: func(s ptrace.Span) {
				a := s.Attributes()
				a.PutStr(otlp.AttrToolName, "book")
				args := a.PutEmptyMap(otlp.AttrToolArguments)
				args.PutStr("to", "CDG")
				args.PutInt("n", 2)
				res := a.PutEmptySlice(otlp.AttrToolResult)
				res.AppendEmpty().SetStr("ok")
				res.AppendEmpty().SetBool(true)
			},
			want: tooltrail.Call{ToolName: "book", CallID: derivedCallID, Arguments: map[string]any{"to": "CDG", "n": int64(2)},
				ResultSummary: `["ok",true]`},
		},
		{
			name: "ArgumentsPlainString",
			setup: func(s ptrace.Span) {
				s.Attributes().PutStr(otlp.AttrToolName, "search")
				s.Attributes().PutStr(otlp.AttrToolArguments, "weather in Paris")
			},
			want: tooltrail.Call{ToolName: "search", CallID: derivedCallID, Arguments: "weather in Paris"},
		},
		{
			name: "ArgumentsCutShortStayAString",
			setup: func(s ptrace.Span) {
				s.Attributes().PutStr(otlp.AttrToolName, "search")
				s.Attributes().PutStr(otlp.AttrToolArguments, `{"q": "weath`)
			},
			want: tooltrail.Call{ToolName: "search", CallID: derivedCallID, Arguments: `{"q": "weath`},
		},
		{
			name: "ArgumentsScalarJSONStaysAString",
			setup: func(s ptrace.Span) {
				s.Attributes().PutStr(otlp.AttrToolName, "square")
				s.Attributes().PutStr(otlp.AttrToolArguments, "42")
			},
			want: tooltrail.Call{ToolName: "square", CallID: derivedCallID, Arguments: "42"},
		},
		{
			name: "ContentFromEvents",
			setup: func(s ptrace.Span) {
				s.Attributes().PutStr(otlp.AttrToolName, "read_file")
				e := s.Events().AppendEmpty()
				e.SetName("gen_ai.tool.call")
				e.Attributes().PutEmptyMap(otlp.AttrToolArguments).PutStr("path", "notes.txt")
				e = s.Events().AppendEmpty()
				e.SetName("gen_ai.tool.result")
				e.Attributes().PutStr(otlp.AttrToolResult, "412 bytes")
			},
			want: tooltrail.Call{ToolName: "read_file", CallID: derivedCallID, Arguments: map[string]any{"path": "notes.txt"}, ResultSummary: "412 bytes"},
		},
		{
			name: "ErrorStatus",
			setup: func(s ptrace.Span) {
				s.Attributes().PutStr(otlp.AttrToolName, "fetch")
				s.Attributes().PutStr(otlp.AttrErrorType, "timeout")
				s.Status().SetCode(ptrace.StatusCodeError)
				s.Status().SetMessage("no answer in 5 s")
			},
			want: tooltrail.Call{ToolName: "fetch", CallID: derivedCallID, ResultSummary: "error: timeout: no answer in 5 s"},
		},
		{
			name: "ErrorFromExceptionEvent",
			setup: func(s ptrace.Span) {
				s.Attributes().PutStr(otlp.AttrToolName, "fetch")
				s.Attributes().PutStr(otlp.AttrToolResult, "partial page")
				s.Status().SetCode(ptrace.StatusCodeError)
				e := s.Events().AppendEmpty()
				e.SetName("exception")
				e.Attributes().PutStr("exception.type", "ConnectionResetError")
				e.Attributes().PutStr("exception.message", "reset by peer")
			},
			want: tooltrail.Call{ToolName: "fetch", CallID: derivedCallID, ResultSummary: "error: ConnectionResetError: reset by peer; result: partial page"},
		},
		{
			name: "ErrorWithoutDetail",
			setup: func(s ptrace.Span) {
				s.Attributes().PutStr(otlp.AttrToolName, "fetch")
				s.Status().SetCode(ptrace.StatusCodeError)
			},
			want: tooltrail.Call{ToolName: "fetch", CallID: derivedCallID, ResultSummary: "error"},
		},
		{
			name: "ConfiguredAttributes",
			cfg:  otlp.Config{UserAttribute: "user.id", TaskAttribute: "app.task.id", ConfirmedAttribute: "app.confirmed"},
			setup: func(s ptrace.Span) {
				a := s.Attributes()
				a.PutStr(otlp.AttrToolName, "rm")
				a.PutStr(otlp.AttrEndUserID, "not-this-one")
				a.PutStr("user.id", "bob")
				a.PutInt("app.task.id", 77)
				a.PutBool("app.confirmed", true)
			},
			want: tooltrail.Call{ToolName: "rm", CallID: derivedCallID, UserID: "bob", TaskID: "77", Confirmed: true},
		},
		{
			name:     "ResourceAttributes",
			cfg:      otlp.Config{ConfirmedAttribute: "app.confirmed"},
			resource: map[string]any{"enduser.id": "carol", "gen_ai.conversation.id": "conv_r", "app.confirmed": "true"},
			setup:    func(s ptrace.Span) { s.Attributes().PutStr(otlp.AttrToolName, "ls") },
			want:     tooltrail.Call{ToolName: "ls", CallID: derivedCallID, UserID: "carol", SessionID: "conv_r", Confirmed: true},
		},
		{
			name:    "ErrToolNameRequired",
			setup:   func(s ptrace.Span) {},
			wantErr: otlp.AttrToolName,
		},
		{
			name:    "ErrToolNameNotAString",
			setup:   func(s ptrace.Span) { s.Attributes().PutInt(otlp.AttrToolName, 7) },
			wantErr: otlp.AttrToolName,
		},
		{
			name: "ErrUserNotAString",
			setup: func(s ptrace.Span) {
				s.Attributes().PutStr(otlp.AttrToolName, "ls")
				s.Attributes().PutEmptyMap(otlp.AttrEndUserID)
			},
			wantErr: otlp.AttrEndUserID,
		},
		{
			name: "ErrConfirmedNotABoolean",
			cfg:  otlp.Config{ConfirmedAttribute: "app.confirmed"},
			setup: func(s ptrace.Span) {
				s.Attributes().PutStr(otlp.AttrToolName, "ls")
				s.Attributes().PutStr("app.confirmed", "yes")
			},
			wantErr: "app.confirmed",
		},
		{
			name: "ErrNoIDs",
			setup: func(s ptrace.Span) {
				s.Attributes().PutStr(otlp.AttrToolName, "ls")
				s.SetTraceID(pcommon.NewTraceIDEmpty())
			},
			wantErr: otlp.AttrToolCallID,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := otlp.Map(oneSpan(tt.setup, tt.resource), tt.cfg)
			if b.Received != 1 || b.Ignored != 0 || len(b.Tools) != 1 {
				t.Fatalf("received %d, ignored %d, tools %d; want 1, 0, 1", b.Received, b.Ignored, len(b.Tools))
			}
			s := b.Tools[0]
			if tt.wantErr != "" {
				var fe *tooltrail.FieldError
				if !errors.As(s.Err, &fe) || fe.Field != tt.wantErr || !errors.Is(s.Err, tooltrail.ErrInvalidArgument) {
					t.Fatalf("err = %v, want a FieldError naming %s", s.Err, tt.wantErr)
				}
				return
			}
			if s.Err != nil {
				t.Fatal(s.Err)
			}
			if diff := cmp.Diff(tt.want, s.Call); diff != "" {
				t.Errorf("call (-want +got):\n%s", diff)
			}
		})
	}
}

// TestMap_ignores checks that spans other than tool executions are counted
// and left out.
func TestMap_ignores(t *testing.T) {
	td := ptrace.NewTraces()
	spans := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans()
	spans.AppendEmpty().SetName("GET /")                                            // no GenAI at all
	spans.AppendEmpty().Attributes().PutStr(otlp.AttrOperationName, "chat")         // an inference
	spans.AppendEmpty().Attributes().PutInt(otlp.AttrOperationName, 1)              // not a string
	spans.AppendEmpty().Attributes().PutStr(otlp.AttrOperationName, "Execute_Tool") // not the value
	spans.AppendEmpty().Attributes().PutStr(otlp.AttrOperationName, "execute_tool") // a tool span
	b := otlp.Map(td, otlp.Config{})
	if b.Received != 5 || b.Ignored != 4 || len(b.Tools) != 1 {
		t.Errorf("received %d, ignored %d, tools %d; want 5, 4, 1", b.Received, b.Ignored, len(b.Tools))
	}
}

// TestMap_recordedPayload maps a JSON export recorded from an instrumented
// agent: an agent span and an inference span (ignored), two tool calls
// (one failed) and a tool span without a tool name (rejected).
func TestMap_recordedPayload(t *testing.T) {
	body, err := os.ReadFile("testdata/agent-export.json")
	if err != nil {
		t.Fatal(err)
	}
	td, err := otlp.Decode(otlp.JSON, body)
	if err != nil {
		t.Fatal(err)
	}
	b := otlp.Map(td, otlp.Config{})
	if b.Received != 5 || b.Ignored != 2 || len(b.Tools) != 3 {
		t.Fatalf("received %d, ignored %d, tools %d; want 5, 2, 3", b.Received, b.Ignored, len(b.Tools))
	}
	want := []tooltrail.Call{
		{ToolName: "get_weather", CallID: "call_mszuSIzqtI65i1wAUOE8w5H4", Arguments: json.RawMessage(`{"location": "Paris", "date": "2026-12-04"}`),
			ResultSummary: "rainy, 57°F", SessionID: "conv_5j66UpCpwteGg4YSxUnt7lPY", UserID: "alice"},
		{ToolName: "book_flight", CallID: "otel:5b8efff798038103d269b633813fc60c:1122334455667788",
			Arguments:     map[string]any{"to": "CDG", "passengers": int64(2), "refundable": true},
			ResultSummary: "error: timeout: airline API did not answer within 1.5 s", SessionID: "conv_5j66UpCpwteGg4YSxUnt7lPY", UserID: "alice"},
	}
	for i, w := range want {
		if b.Tools[i].Err != nil {
			t.Fatalf("span %d: %v", i, b.Tools[i].Err)
		}
		if diff := cmp.Diff(w, b.Tools[i].Call); diff != "" {
			t.Errorf("span %d (-want +got):\n%s", i, diff)
		}
	}
	if s := b.Tools[2]; s.Err == nil || s.SpanID != "99aabbccddeeff00" {
		t.Errorf("the span without a tool name: %+v, want it rejected", s)
	}
}
