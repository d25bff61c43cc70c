package mcpproxy

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/internal/mcptest"
)

// TestRecordsEveryCall calls each kind of tool through the proxy and
// checks the entry of each, and that it was in the log before the client
// had the answer.
func TestRecordsEveryCall(t *testing.T) {
	r := newRig(t, Config{User: "alice"}, nil)
	tests := []struct {
		name      string
		params    *mcp.CallToolParams
		wantArgs  string
		summary   string
		isError   bool
		rpcError  bool
		task      string
		confirmed bool
	}{
		{name: "fast", params: &mcp.CallToolParams{Name: "echo", Arguments: map[string]any{"text": "hi"}},
			wantArgs: `{"text":"hi"}`, summary: "echo: hi"},
		{name: "slow with progress", params: &mcp.CallToolParams{Name: "slow", Arguments: map[string]any{"ms": 50, "steps": 2}},
			wantArgs: `{"ms":50,"steps":2}`, summary: "worked 50 ms"},
		{name: "failing tool", params: &mcp.CallToolParams{Name: "fail", Arguments: map[string]any{}},
			wantArgs: `{}`, summary: "error: the disk is full", isError: true},
		{name: "image", params: &mcp.CallToolParams{Name: "image"},
			summary: "[image image/png, 67 bytes]\na transparent pixel"},
		{name: "unknown tool", params: &mcp.CallToolParams{Name: "rm_rf", Arguments: map[string]any{"path": "/"}},
			wantArgs: `{"path":"/"}`, summary: `unknown tool "rm_rf"`, rpcError: true},
		{name: "task and approval in _meta", params: &mcp.CallToolParams{Name: "echo", Arguments: map[string]any{"text": "ok"},
			Meta: mcp.Meta{MetaTaskID: "task-7", MetaConfirmed: true}},
			wantArgs: `{"text":"ok"}`, summary: "echo: ok", task: "task-7", confirmed: true},
		{name: "MCP's related task", params: &mcp.CallToolParams{Name: "echo", Arguments: map[string]any{"text": "t"},
			Meta: mcp.Meta{MetaRelatedTask: map[string]any{"taskId": "mcp-task-1"}}},
			wantArgs: `{"text":"t"}`, summary: "echo: t", task: "mcp-task-1"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := r.client.CallTool(t.Context(), tt.params)
			if tt.rpcError {
				if err == nil && !res.IsError {
					t.Fatalf("CallTool succeeded, want an error")
				}
			} else if err != nil {
				t.Fatal(err)
			} else if res.IsError != tt.isError {
				t.Fatalf("IsError = %v, want %v", res.IsError, tt.isError)
			}
			es := entries(t, r.log)
			if len(es) != i+1 {
				t.Fatalf("the log holds %d entries after %d calls", len(es), i+1)
			}
			e := es[i]
			if e.ToolName != tt.params.Name || e.UserID != "alice" || e.SessionID != rigSession || e.TaskID != tt.task || e.Confirmed != tt.confirmed {
				t.Errorf("entry = %+v", e)
			}
			if !strings.Contains(e.ResultSummary, tt.summary) {
				t.Errorf("result_summary = %q, want it to contain %q", e.ResultSummary, tt.summary)
			}
			if got := string(e.Arguments); tt.wantArgs != "" && got != tt.wantArgs {
				t.Errorf("arguments = %s, want %s", got, tt.wantArgs)
			}
			if !strings.HasPrefix(e.CallID, "mcp:"+rigSession+":") {
				t.Errorf("call_id = %q", e.CallID)
			}
			r.mu.Lock()
			before := r.seen[e.CallID]
			r.mu.Unlock()
			if !before {
				t.Errorf("the client had the answer of %s before its entry was in the log", e.CallID)
			}
		})
	}
	if got := testutil.ToFloat64(r.proxy.Metrics().calls.WithLabelValues(OutcomeRecorded)); got != float64(len(tests)) {
		t.Errorf("tooltrail_mcp_calls_total{outcome=recorded} = %v, want %d", got, len(tests))
	}
}

// TestFailClosed withholds the result of a call that cannot be recorded,
// and records again once the log is back.
func TestFailClosed(t *testing.T) {
	r := newRig(t, Config{RecordTimeout: 300 * time.Millisecond}, nil)
	r.rec.fail(errors.Join(errors.New("the server is down"), tooltrail.ErrUnavailable))
	_, err := r.client.CallTool(t.Context(), &mcp.CallToolParams{Name: "echo", Arguments: map[string]any{"text": "secret result"}})
	var we *jsonrpc.Error
	if !errors.As(err, &we) || we.Code != CodeNotRecorded || !strings.Contains(we.Message, "withheld") || strings.Contains(we.Message, "secret result") {
		t.Fatalf("CallTool error = %v, want a JSON-RPC error %d that withholds the result", err, CodeNotRecorded)
	}
	if r.rec.calls < 2 {
		t.Errorf("the proxy tried %d times to record an unavailable call, want retries", r.rec.calls)
	}
	if n := len(entries(t, r.log)); n != 0 {
		t.Fatalf("the log holds %d entries", n)
	}
	r.rec.fail(nil)
	res, err := r.client.CallTool(t.Context(), &mcp.CallToolParams{Name: "echo", Arguments: map[string]any{"text": "back"}})
	if err != nil || res.Content[0].(*mcp.TextContent).Text != "echo: back" {
		t.Fatalf("CallTool once the log is back = %v, %v", res, err)
	}
	waitEntries(t, r.log, 1)
	m := r.proxy.Metrics()
	if w, rec := testutil.ToFloat64(m.calls.WithLabelValues(OutcomeWithheld)), testutil.ToFloat64(m.calls.WithLabelValues(OutcomeRecorded)); w != 1 || rec != 1 {
		t.Errorf("withheld %v, recorded %v; want 1 and 1", w, rec)
	}
}

// TestFailOpen passes the result on and counts it as unrecorded.
func TestFailOpen(t *testing.T) {
	r := newRig(t, Config{RecordTimeout: 100 * time.Millisecond, FailOpen: true}, nil)
	r.rec.fail(tooltrail.ErrUnavailable)
	res, err := r.client.CallTool(t.Context(), &mcp.CallToolParams{Name: "echo", Arguments: map[string]any{"text": "x"}})
	if err != nil || res.Content[0].(*mcp.TextContent).Text != "echo: x" {
		t.Fatalf("CallTool = %v, %v; want the result under fail-open", res, err)
	}
	if got := testutil.ToFloat64(r.proxy.Metrics().calls.WithLabelValues(OutcomeUnrecorded)); got != 1 {
		t.Errorf("unrecorded = %v, want 1", got)
	}
}

// TestRetriedRecordIsIdempotent loses the answer of a record that
// committed: the retry, with the same call id, gets the first receipt and
// the log holds one entry.
func TestRetriedRecordIsIdempotent(t *testing.T) {
	r := newRig(t, Config{}, nil)
	r.rec.flaky = 1
	if _, err := r.client.CallTool(t.Context(), &mcp.CallToolParams{Name: "echo", Arguments: map[string]any{"text": "once"}}); err != nil {
		t.Fatal(err)
	}
	if es := entries(t, r.log); len(es) != 1 || r.rec.calls != 2 {
		t.Fatalf("after a lost answer and a retry: %d entries, %d records; want 1 and 2", len(es), r.rec.calls)
	}
}

// TestPassThrough compares what a client gets through the proxy with what
// it gets from the server directly, and sees progress and log messages
// arrive.
func TestPassThrough(t *testing.T) {
	progress := make(chan *mcp.ProgressNotificationParams, 10)
	logs := make(chan *mcp.LoggingMessageParams, 10)
	opts := &mcp.ClientOptions{
		ProgressNotificationHandler: func(_ context.Context, req *mcp.ProgressNotificationClientRequest) { progress <- req.Params },
		LoggingMessageHandler:       func(_ context.Context, req *mcp.LoggingMessageRequest) { logs <- req.Params },
	}
	r := newRig(t, Config{}, opts)
	direct := directClient(t, opts)
	for _, tt := range []struct {
		name string
		call func(cs *mcp.ClientSession) (any, error)
	}{
		{"tools/list", func(cs *mcp.ClientSession) (any, error) { return cs.ListTools(t.Context(), nil) }},
		{"resources/list", func(cs *mcp.ClientSession) (any, error) { return cs.ListResources(t.Context(), nil) }},
		{"resources/read", func(cs *mcp.ClientSession) (any, error) {
			return cs.ReadResource(t.Context(), &mcp.ReadResourceParams{URI: "test://readme"})
		}},
		{"prompts/get", func(cs *mcp.ClientSession) (any, error) {
			return cs.GetPrompt(t.Context(), &mcp.GetPromptParams{Name: "greet"})
		}},
		{"ping", func(cs *mcp.ClientSession) (any, error) { return nil, cs.Ping(t.Context(), nil) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			want, werr := tt.call(direct)
			got, gerr := tt.call(r.client)
			if (werr == nil) != (gerr == nil) {
				t.Fatalf("direct error %v, through the proxy %v", werr, gerr)
			}
			wj, _ := json.Marshal(want)
			gj, _ := json.Marshal(got)
			if diff := cmp.Diff(string(wj), string(gj)); diff != "" {
				t.Errorf("through the proxy differs (-direct +proxy):\n%s", diff)
			}
		})
	}
	params := &mcp.CallToolParams{Name: "slow", Arguments: map[string]any{"ms": 40, "steps": 2},
		Meta: mcp.Meta{mcp.MetaKeyLogLevel: "info"}}
	params.SetProgressToken("p-1")
	if _, err := r.client.CallTool(t.Context(), params); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 2; i++ {
		select {
		case p := <-progress:
			if p.ProgressToken != "p-1" || p.Progress != float64(i) || p.Total != 2 {
				t.Errorf("progress %d = %+v", i, p)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("progress notification %d did not arrive", i)
		}
	}
	select {
	case l := <-logs:
		if l.Data != "done working" || l.Logger != "slow" {
			t.Errorf("log message = %+v", l)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the log message did not arrive")
	}
}

// directClient connects a client to the test server without the proxy.
func directClient(t *testing.T, opts *mcp.ClientOptions) *mcp.ClientSession {
	t.Helper()
	ct, st := mcp.NewInMemoryTransports()
	srv := mcptest.NewServer()
	ss, err := srv.Connect(t.Context(), st, nil)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "rig-client", Version: "1"}, opts).Connect(t.Context(), ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close(); ss.Wait() })
	return cs
}

// TestCancelledAndTimedOut records a call the agent cancelled and one the
// server did not answer in time.
func TestCancelledAndTimedOut(t *testing.T) {
	r := newRig(t, Config{CallTimeout: 300 * time.Millisecond}, nil)
	ctx, cancel := context.WithCancel(t.Context())
	go func() { time.Sleep(100 * time.Millisecond); cancel() }()
	if _, err := r.client.CallTool(ctx, &mcp.CallToolParams{Name: "slow", Arguments: map[string]any{"ms": 2000}}); err == nil {
		t.Fatal("a cancelled call succeeded")
	}
	es := waitEntries(t, r.log, 1)
	if !strings.Contains(es[0].ResultSummary, "cancelled by the agent") {
		t.Errorf("result_summary of the cancelled call = %q", es[0].ResultSummary)
	}

	_, err := r.client.CallTool(t.Context(), &mcp.CallToolParams{Name: "slow", Arguments: map[string]any{"ms": 3000}})
	var we *jsonrpc.Error
	if !errors.As(err, &we) || we.Code != CodeUpstream || !strings.Contains(we.Message, "did not answer within 300ms") {
		t.Fatalf("CallTool past the call timeout = %v", err)
	}
	es = waitEntries(t, r.log, 2)
	if !strings.HasPrefix(es[1].ResultSummary, "timed out") {
		t.Errorf("result_summary of the timed-out call = %q", es[1].ResultSummary)
	}
}
