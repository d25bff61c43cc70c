package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/mcpproxy"
)

// buildMCPServer builds the test MCP server of mcpproxy/testdata.
func buildMCPServer(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to build the test MCP server: %v", err)
	}
	out := filepath.Join(t.TempDir(), "mcpserver")
	cmd := exec.Command(goBin, "build", "-o", out, "github.com/tooltrail/tooltrail/mcpproxy/testdata/mcpserver")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build the test MCP server: %v\n%s", err, b)
	}
	return out
}

// mcpChild returns the command that runs this test binary as
// `tooltrail mcp args...` with env added.
func mcpChild(args []string, env ...string) *exec.Cmd {
	all, _ := json.Marshal(append([]string{"mcp"}, args...))
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), childArgsEnv+"="+string(all)), env...)
	cmd.Stderr = os.Stderr
	return cmd
}

// answerWatch is a client transport that, when a tools/call answer
// arrives and before the client has it, asks the log whether the call's
// entry is there.
type answerWatch struct {
	mcp.Transport
	lookup func(id jsonrpc.ID) bool
	mu     sync.Mutex
	calls  map[jsonrpc.ID]bool // ids of the tools/calls sent
	early  []any               // ids whose answer came before their entry
}

func (w *answerWatch) Connect(ctx context.Context) (mcp.Connection, error) {
	c, err := w.Transport.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &watchedConn{Connection: c, w: w}, nil
}

type watchedConn struct {
	mcp.Connection
	w *answerWatch
}

func (c *watchedConn) Write(ctx context.Context, m jsonrpc.Message) error {
	if r, ok := m.(*jsonrpc.Request); ok && r.Method == "tools/call" {
		c.w.mu.Lock()
		if c.w.calls == nil {
			c.w.calls = map[jsonrpc.ID]bool{}
		}
		c.w.calls[r.ID] = true
		c.w.mu.Unlock()
	}
	return c.Connection.Write(ctx, m)
}

func (c *watchedConn) Read(ctx context.Context) (jsonrpc.Message, error) {
	m, err := c.Connection.Read(ctx)
	if r, ok := m.(*jsonrpc.Response); ok && err == nil && r.Error == nil {
		c.w.mu.Lock()
		call := c.w.calls[r.ID]
		c.w.mu.Unlock()
		if call && !c.w.lookup(r.ID) {
			c.w.mu.Lock()
			c.w.early = append(c.w.early, r.ID.Raw())
			c.w.mu.Unlock()
		}
	}
	return m, err
}

// TestMCPEndToEnd runs a real SDK client against the test MCP server
// through `tooltrail mcp` as a child process, recording into a real
// server: every call is in the log with its fields before the client has
// its answer; with the server stopped the next result is withheld, and
// recording resumes when it is back; the log verifies.
func TestMCPEndToEnd(t *testing.T) {
	serverBin := buildMCPServer(t)
	dir := t.TempDir()
	srv := startServer(t, dir)
	admin := srv.client(t)
	r := run(t, noEnv, "", "token", "create", "--data", dir, "--role", "writer", "--name", "mcp-proxy")
	if r.code != 0 {
		t.Fatalf("token create: %s", r.stderr)
	}
	writer := strings.TrimSpace(r.stdout)

	const session = "e2e-session"
	watch := &answerWatch{lookup: func(id jsonrpc.ID) bool {
		page, err := admin.Query(context.Background(), tooltrail.Filter{SessionID: session, Limit: 500})
		for _, e := range page.Entries {
			if err == nil && strings.HasPrefix(e.CallID, "mcp:"+session+":") && strings.TrimPrefix(e.CallID, "mcp:"+session+":") == jsonText(id) {
				return true
			}
		}
		return false
	}}
	watch.Transport = &mcp.CommandTransport{Command: mcpChild(
		[]string{"--server", srv.url, "--user", "alice", "--session", session, "--record-timeout", "1s", "--", serverBin},
		"TOOLTRAIL_TOKEN="+writer)}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "e2e", Version: "1"}, nil).Connect(t.Context(), watch, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()

	calls := []struct {
		params  *mcp.CallToolParams
		summary string
	}{
		{&mcp.CallToolParams{Name: "echo", Arguments: map[string]any{"text": "hello"}}, "echo: hello"},
		{&mcp.CallToolParams{Name: "slow", Arguments: map[string]any{"ms": 200, "steps": 2}}, "worked 200 ms"},
		{&mcp.CallToolParams{Name: "fail", Arguments: map[string]any{}}, "error: the disk is full"},
		{&mcp.CallToolParams{Name: "image"}, "[image image/png, 67 bytes]\na transparent pixel"},
	}
	for _, c := range calls {
		if _, err := cs.CallTool(t.Context(), c.params); err != nil {
			t.Fatalf("%s: %v", c.params.Name, err)
		}
	}
	page, err := admin.Query(t.Context(), tooltrail.Filter{SessionID: session})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Entries) != len(calls) {
		t.Fatalf("the log holds %d entries of the session, want %d", len(page.Entries), len(calls))
	}
	for i, c := range calls {
		e := page.Entries[len(calls)-1-i]
		if e.ToolName != c.params.Name || e.ResultSummary != c.summary || e.UserID != "alice" || e.SessionID != session {
			t.Errorf("entry %d = %+v, want tool %s, summary %q", i, e, c.params.Name, c.summary)
		}
	}
	if len(watch.early) > 0 {
		t.Errorf("the client had the answers of %v before their entries were in the log", watch.early)
	}

	// The tooltrail server goes away: the next result is withheld.
	addr := strings.TrimPrefix(srv.url, "http://")
	srv.stop(t)
	_, err = cs.CallTool(t.Context(), &mcp.CallToolParams{Name: "echo", Arguments: map[string]any{"text": "unrecorded"}})
	var we *jsonrpc.Error
	if !errors.As(err, &we) || we.Code != mcpproxy.CodeNotRecorded || strings.Contains(we.Message, "echo: unrecorded") {
		t.Fatalf("with the server down, CallTool = %v; want error %d without the result", err, mcpproxy.CodeNotRecorded)
	}
	// It comes back on the same address: recording resumes.
	srv = startServer(t, dir, "--addr", addr)
	res, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: "echo", Arguments: map[string]any{"text": "back"}})
	if err != nil || res.Content[0].(*mcp.TextContent).Text != "echo: back" {
		t.Fatalf("after the server came back, CallTool = %v, %v", res, err)
	}
	if n, err := srv.client(t).Count(t.Context(), tooltrail.Filter{SessionID: session}); err != nil || n != int64(len(calls)+1) {
		t.Fatalf("count = %d, %v; want %d", n, err, len(calls)+1)
	}
	cs.Close()
	srv.stop(t)
	if r := run(t, noEnv, "", "verify", "--data", dir); r.code != 0 {
		t.Fatalf("verify: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestMCPLocalStore records into a local store rather than a server, and
// the log verifies with the keys made beside it.
func TestMCPLocalStore(t *testing.T) {
	serverBin := buildMCPServer(t)
	dir := t.TempDir()
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "local", Version: "1"}, nil).Connect(t.Context(),
		&mcp.CommandTransport{Command: mcpChild([]string{"--data", dir, "--", serverBin})}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: "echo", Arguments: map[string]any{"password": "hunter2", "text": "x"}}); err != nil {
		t.Fatal(err)
	}
	cs.Close()
	st := openStore(t, dir)
	log, err := tooltrail.New(t.Context(), st, tooltrail.Config{})
	if err != nil {
		t.Fatal(err)
	}
	page, err := log.Query(t.Context(), tooltrail.Filter{})
	log.Close()
	st.Close()
	if err != nil || len(page.Entries) != 1 {
		t.Fatalf("the local store holds %+v, %v", page, err)
	}
	if e := page.Entries[0]; e.ToolName != "echo" || strings.Contains(string(e.Arguments), "hunter2") {
		t.Errorf("entry = %+v; want echo with the password redacted", e)
	}
	if r := run(t, noEnv, "", "verify", "--data", dir); r.code != 0 {
		t.Fatalf("verify: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestMCPUsage refuses command lines that cannot work, saying why.
func TestMCPUsage(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"mcp"}, "name the MCP server"},
		{[]string{"mcp", "--upstream", "http://127.0.0.1:1/mcp", "--", "server"}, "not both"},
		{[]string{"mcp", "--server", "http://127.0.0.1:1", "--data", "x", "--", "server"}, "not both"},
		{[]string{"mcp", "--upstream", "ftp://x", "--listen", "127.0.0.1:0"}, "not an http(s) URL"},
		{[]string{"mcp", "--record-timeout", "0s", "--", "server"}, "--record-timeout"},
	} {
		r := run(t, noEnv, "", tt.args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want usage error with %q", tt.args, r.code, r.stderr, tt.want)
		}
	}
}

// jsonText is a JSON-RPC id as the proxy writes it in call ids.
func jsonText(id jsonrpc.ID) string {
	b, _ := json.Marshal(id.Raw())
	return string(b)
}
