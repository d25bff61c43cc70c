package mcpproxy

import (
	"bufio"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"
)

// rawRig is a proxy whose two peers are the test itself, line by line.
type rawRig struct {
	rec     *switchRecorder
	agentW  io.WriteCloser
	agentR  *bufio.Reader
	serverW io.WriteCloser
	serverR *bufio.Reader
	served  chan error
}

func newRawRig(t *testing.T) *rawRig {
	t.Helper()
	rec := &switchRecorder{log: newLog(t)}
	p, err := New(Config{Recorder: rec, Session: rigSession, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	agentConn, agentR, agentW := pipeConn()
	serverConn, serverR, serverW := pipeConn()
	r := &rawRig{rec: rec, agentW: agentW, agentR: bufio.NewReader(agentR), serverW: serverW, serverR: bufio.NewReader(serverR), served: make(chan error, 1)}
	go func() { r.served <- p.Serve(t.Context(), agentConn, serverConn) }()
	t.Cleanup(func() { agentW.Close(); serverW.Close() })
	return r
}

func writeLine(t *testing.T, w io.Writer, line string) {
	t.Helper()
	if _, err := io.WriteString(w, line+"\n"); err != nil {
		t.Fatal(err)
	}
}

// readJSON reads one line and decodes it, failing the test after 5s.
func readJSON(t *testing.T, r *bufio.Reader) map[string]any {
	t.Helper()
	type lineErr struct {
		s   string
		err error
	}
	ch := make(chan lineErr, 1)
	go func() { s, err := r.ReadString('\n'); ch <- lineErr{s, err} }()
	select {
	case le := <-ch:
		if le.err != nil {
			t.Fatalf("read: %v", le.err)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(le.s), &m); err != nil {
			t.Fatalf("the proxy wrote a line that is not JSON: %q", le.s)
		}
		return m
	case <-time.After(5 * time.Second):
		t.Fatal("nothing to read within 5s")
		return nil
	}
}

// TestMalformedFromTheAgent answers each bad line with the JSON-RPC error
// it calls for, and carries on.
func TestMalformedFromTheAgent(t *testing.T) {
	r := newRawRig(t)
	for _, tt := range []struct {
		name, line string
		code       float64
		id         any
	}{
		{"not JSON", `{"jsonrpc":"2.0","id":1,"method":`, -32700, nil},
		{"binary", "\x00\x01\x02", -32700, nil},
		{"wrong version", `{"jsonrpc":"1.0","id":5,"method":"tools/call"}`, -32600, 5.0},
		{"a number", `42`, -32600, nil},
		{"empty batch", `[]`, -32600, nil},
		{"method not a string", `{"jsonrpc":"2.0","id":"a","method":5}`, -32600, "a"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			writeLine(t, r.agentW, tt.line)
			m := readJSON(t, r.agentR)
			e, _ := m["error"].(map[string]any)
			if e == nil || e["code"] != tt.code || m["id"] != tt.id {
				t.Fatalf("answer to %q = %v, want error %v with id %v", tt.line, m, tt.code, tt.id)
			}
		})
	}
	// The proxy still works: a tools/call goes through and is recorded.
	writeLine(t, r.agentW, `{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"echo","arguments":{"text":"still here"}}}`)
	req := readJSON(t, r.serverR)
	if req["method"] != "tools/call" || req["id"] != 9.0 {
		t.Fatalf("the server got %v", req)
	}
	writeLine(t, r.serverW, `{"jsonrpc":"2.0","id":9,"result":{"content":[{"type":"text","text":"echo: still here"}]}}`)
	if m := readJSON(t, r.agentR); m["id"] != 9.0 || m["result"] == nil {
		t.Fatalf("the agent got %v", m)
	}
	if es := entries(t, r.rec.log); len(es) != 1 || es[0].ResultSummary != "echo: still here" {
		t.Fatalf("entries = %+v", es)
	}
}

// TestMalformedFromTheServer drops bad lines of the server; a bad answer
// to a tools/call is recorded as such and the agent gets an error.
func TestMalformedFromTheServer(t *testing.T) {
	r := newRawRig(t)
	writeLine(t, r.serverW, `this is not JSON`)
	writeLine(t, r.agentW, `{"jsonrpc":"2.0","id":"c1","method":"tools/call","params":{"name":"echo","arguments":{"text":"x"}}}`)
	readJSON(t, r.serverR)
	writeLine(t, r.serverW, `{"jsonrpc":"2.0","id":"c1","result":{"content":[{"type":"text"`)
	writeLine(t, r.serverW, `{"jsonrpc":"2.1","id":"c1","result":{}}`)
	m := readJSON(t, r.agentR)
	e, _ := m["error"].(map[string]any)
	if m["id"] != "c1" || e == nil || e["code"] != float64(CodeUpstream) || !strings.Contains(e["message"].(string), "malformed") {
		t.Fatalf("the agent got %v", m)
	}
	es := waitEntries(t, r.rec.log, 1)
	if !strings.Contains(es[0].ResultSummary, "malformed") || es[0].CallID != `mcp:`+rigSession+`:"c1"` {
		t.Fatalf("entry = %+v", es[0])
	}
	// A notification from the server still passes.
	writeLine(t, r.serverW, `{"jsonrpc":"2.0","method":"notifications/tools/list_changed"}`)
	if m := readJSON(t, r.agentR); m["method"] != "notifications/tools/list_changed" {
		t.Fatalf("the agent got %v", m)
	}
}

// TestServerExitsMidCall records the calls in flight when the server goes
// and gives the agent an error for each.
func TestServerExitsMidCall(t *testing.T) {
	r := newRawRig(t)
	writeLine(t, r.agentW, `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"deploy","arguments":{"env":"prod"}}}`)
	readJSON(t, r.serverR)
	r.serverW.Close()
	m := readJSON(t, r.agentR)
	if e, _ := m["error"].(map[string]any); e == nil || !strings.Contains(e["message"].(string), "closed the connection") {
		t.Fatalf("the agent got %v", m)
	}
	es := waitEntries(t, r.rec.log, 1)
	if es[0].ToolName != "deploy" || string(es[0].Arguments) != `{"env":"prod"}` {
		t.Fatalf("entry = %+v", es[0])
	}
	select {
	case err := <-r.served:
		if err != nil {
			t.Errorf("Serve = %v, want nil when the server closes", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after the server closed")
	}
}
