package mcpproxy

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os/exec"
	"sync"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Dialer opens a new connection to the MCP server, one for each session of
// an HTTPFront. header holds the agent's headers of the request that began
// the session (an HTTP server upstream sends on its Authorization).
type Dialer func(ctx context.Context, header http.Header) (mcp.Connection, error)

// maxRequestBody bounds one POST of the agent, as the SDK's own server
// does by default.
const maxRequestBody = 16 << 20

// HTTPFront serves MCP's streamable HTTP transport to agents and proxies
// each session to a connection of its own to the MCP server, recording
// its tools/calls. It uses the SDK's StreamableServerTransport for each
// session, so that the agent's side is the SDK's own.
type HTTPFront struct {
	proxy  *Proxy
	dial   Dialer
	ctx    context.Context
	logger *slog.Logger

	mu       sync.Mutex
	sessions map[string]*frontSession
	closed   bool
	wg       sync.WaitGroup
}

type frontSession struct {
	transport *mcp.StreamableServerTransport
	cancel    context.CancelFunc
}

// NewHTTPFront returns a front whose sessions live until the agent ends
// them (DELETE), the server closes, or ctx ends.
func NewHTTPFront(ctx context.Context, p *Proxy, dial Dialer) *HTTPFront {
	return &HTTPFront{proxy: p, dial: dial, ctx: ctx, logger: p.cfg.Logger, sessions: make(map[string]*frontSession)}
}

// ServeHTTP serves one request of MCP's streamable HTTP transport: a POST
// without a session id begins a session, the others go to their session.
func (h *HTTPFront) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// A page in a browser must not reach a server on loopback through DNS
	// rebinding, as MCP's security practices say.
	if la, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok && isLoopback(la.String()) && !isLoopback(r.Host) {
		http.Error(w, fmt.Sprintf("Forbidden: invalid Host header %q", r.Host), http.StatusForbidden)
		return
	}
	if r.Body != nil {
		r.Body = http.MaxBytesReader(w, r.Body, maxRequestBody)
	}
	id := r.Header.Get("Mcp-Session-Id")
	switch {
	case r.Method != http.MethodPost && r.Method != http.MethodGet && r.Method != http.MethodDelete:
		w.Header().Set("Allow", "GET, POST, DELETE")
		http.Error(w, "method not allowed: MCP's streamable HTTP transport takes GET, POST and DELETE", http.StatusMethodNotAllowed)
	case id == "" && r.Method == http.MethodPost:
		h.begin(w, r)
	case id == "":
		http.Error(w, "Bad Request: missing Mcp-Session-Id header", http.StatusBadRequest)
	default:
		h.mu.Lock()
		fs := h.sessions[id]
		h.mu.Unlock()
		if fs == nil {
			http.Error(w, "session not found (it ended, or the proxy restarted): initialize a new one", http.StatusNotFound)
			return
		}
		if r.Method == http.MethodDelete {
			fs.cancel()
			w.WriteHeader(http.StatusNoContent)
			return
		}
		fs.transport.ServeHTTP(w, r)
	}
}

// begin starts a session: a connection to the server, a transport for the
// agent, and a Serve between them; then the transport answers the request.
func (h *HTTPFront) begin(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		http.Error(w, "the proxy is shutting down", http.StatusServiceUnavailable)
		return
	}
	h.mu.Unlock()
	ctx, cancel := context.WithCancel(h.ctx)
	up, err := h.dial(ctx, r.Header.Clone())
	if err != nil {
		cancel()
		h.logger.Error("could not connect to the MCP server for a new session", "err", err)
		http.Error(w, "Bad Gateway: tooltrail mcp could not connect to the MCP server: "+err.Error(), http.StatusBadGateway)
		return
	}
	t := &mcp.StreamableServerTransport{SessionID: rand.Text()}
	agent, err := t.Connect(ctx)
	if err != nil {
		cancel()
		up.Close()
		http.Error(w, "Internal Server Error: "+err.Error(), http.StatusInternalServerError)
		return
	}
	fs := &frontSession{transport: t, cancel: cancel}
	h.mu.Lock()
	h.sessions[t.SessionID] = fs
	h.mu.Unlock()
	h.wg.Go(func() {
		defer cancel()
		if err := h.proxy.Serve(ctx, agent, up); err != nil && ctx.Err() == nil {
			h.logger.Warn("session ended", "session", t.SessionID, "err", err)
		}
		h.mu.Lock()
		delete(h.sessions, t.SessionID)
		h.mu.Unlock()
	})
	t.ServeHTTP(w, r)
}

// Close ends every session and waits for their calls to be recorded.
func (h *HTTPFront) Close() {
	h.mu.Lock()
	h.closed = true
	for _, fs := range h.sessions {
		fs.cancel()
	}
	h.mu.Unlock()
	h.wg.Wait()
}

func isLoopback(hostport string) bool {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// HTTPUpstream returns a Dialer of an MCP server that serves the
// streamable HTTP transport at endpoint, through the SDK's
// StreamableClientTransport. The agent's Authorization header, when it
// sent one, goes on to the server.
func HTTPUpstream(endpoint string, client *http.Client) Dialer {
	if client == nil {
		client = http.DefaultClient
	}
	return func(ctx context.Context, header http.Header) (mcp.Connection, error) {
		hc := &httpUpstreamConn{}
		rt := client.Transport
		if rt == nil {
			rt = http.DefaultTransport
		}
		c := *client
		c.Transport = &upstreamHeaders{base: rt, conn: hc, auth: header.Get("Authorization")}
		t := &mcp.StreamableClientTransport{Endpoint: endpoint, HTTPClient: &c}
		conn, err := t.Connect(ctx)
		if err != nil {
			return nil, fmt.Errorf("connect to %s: %w", endpoint, err)
		}
		hc.Connection = conn
		return hc, nil
	}
}

// httpUpstreamConn is the SDK's streamable client connection, told the
// negotiated protocol version, which the SDK learns only through its own
// Client.
type httpUpstreamConn struct {
	mcp.Connection
	mu      sync.Mutex
	version string
}

func (c *httpUpstreamConn) concurrentWrites() {}

func (c *httpUpstreamConn) protocolVersion(v string) {
	c.mu.Lock()
	c.version = v
	c.mu.Unlock()
}

func (c *httpUpstreamConn) negotiated() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.version
}

// upstreamHeaders adds to each request to the server the headers the SDK
// sets only when its own Client drives it: MCP-Protocol-Version, and the
// agent's Authorization.
type upstreamHeaders struct {
	base http.RoundTripper
	conn *httpUpstreamConn
	auth string
}

func (u *upstreamHeaders) RoundTrip(r *http.Request) (*http.Response, error) {
	v := u.conn.negotiated()
	if (v != "" && r.Header.Get("Mcp-Protocol-Version") == "") || (u.auth != "" && r.Header.Get("Authorization") == "") {
		r = r.Clone(r.Context())
		if v != "" && r.Header.Get("Mcp-Protocol-Version") == "" {
			r.Header.Set("Mcp-Protocol-Version", v)
		}
		if u.auth != "" && r.Header.Get("Authorization") == "" {
			r.Header.Set("Authorization", u.auth)
		}
	}
	return u.base.RoundTrip(r)
}

// CommandUpstream returns a Dialer that starts a new server process for
// each session with newCmd.
func CommandUpstream(newCmd func() *exec.Cmd, maxLine int) Dialer {
	return func(ctx context.Context, _ http.Header) (mcp.Connection, error) {
		return StartCommand(newCmd(), maxLine)
	}
}
