package mcpproxy

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/tooltrail/tooltrail/internal/mcptest"
)

// TestHTTPFront puts the proxy's streamable HTTP front before a
// streamable HTTP server, and calls it with the SDK's client, for each
// protocol version the SDK speaks.
func TestHTTPFront(t *testing.T) {
	for _, version := range []string{"", "2025-11-25", "2025-06-18", "2025-03-26"} {
		t.Run("protocol "+version, func(t *testing.T) {
			srv := mcptest.NewServer()
			upstream := httptest.NewServer(mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return srv }, nil))
			defer upstream.Close()
			rec := &switchRecorder{log: newLog(t)}
			p, err := New(Config{Recorder: rec, User: "bob", Logger: quietLogger()})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(t.Context())
			front := NewHTTPFront(ctx, p, HTTPUpstream(upstream.URL, nil))
			hs := httptest.NewServer(front)
			defer func() { hs.Close(); cancel(); front.Close() }()

			cs, err := mcp.NewClient(&mcp.Implementation{Name: "http-client", Version: "1"}, nil).
				Connect(t.Context(), &mcp.StreamableClientTransport{Endpoint: hs.URL}, &mcp.ClientSessionOptions{ProtocolVersion: version})
			if err != nil {
				t.Fatal(err)
			}
			tools, err := cs.ListTools(t.Context(), nil)
			if err != nil || len(tools.Tools) != 4 {
				t.Fatalf("ListTools = %v, %v", tools, err)
			}
			res, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: "echo", Arguments: map[string]any{"text": "over http"}})
			if err != nil || res.Content[0].(*mcp.TextContent).Text != "echo: over http" {
				t.Fatalf("CallTool = %v, %v", res, err)
			}
			es := entries(t, rec.log)
			if len(es) != 1 || es[0].ToolName != "echo" || es[0].UserID != "bob" || es[0].SessionID == "" ||
				!strings.HasPrefix(es[0].CallID, "mcp:"+es[0].SessionID+":") {
				t.Fatalf("entries = %+v", es)
			}
			if cs.ID() != "" && es[0].SessionID != cs.ID() {
				t.Errorf("session_id = %q, want the MCP session %q", es[0].SessionID, cs.ID())
			}
			cs.Close()
		})
	}
}

// TestHTTPFrontRefuses answers what is not a session's request with the
// HTTP error the transport calls for.
func TestHTTPFrontRefuses(t *testing.T) {
	rec := &switchRecorder{log: newLog(t)}
	p, _ := New(Config{Recorder: rec, Logger: quietLogger()})
	front := NewHTTPFront(t.Context(), p, HTTPUpstream("http://127.0.0.1:1/mcp", nil))
	hs := httptest.NewServer(front)
	defer hs.Close()
	for _, tt := range []struct {
		method, session, host string
		want                  int
	}{
		{http.MethodGet, "", "", http.StatusBadRequest},
		{http.MethodGet, "no-such-session", "", http.StatusNotFound},
		{http.MethodPut, "", "", http.StatusMethodNotAllowed},
		{http.MethodPost, "", "evil.example", http.StatusForbidden},
	} {
		req, _ := http.NewRequest(tt.method, hs.URL, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}`))
		if tt.session != "" {
			req.Header.Set("Mcp-Session-Id", tt.session)
		}
		if tt.host != "" {
			req.Host = tt.host
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("%s session %q host %q: %d, want %d", tt.method, tt.session, tt.host, resp.StatusCode, tt.want)
		}
	}
}
