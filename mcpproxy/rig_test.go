package mcpproxy

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/internal/mcptest"
	"github.com/tooltrail/tooltrail/sqlite"
)

// newLog returns a Log on a new SQLite store, closed when the test ends.
func newLog(t testing.TB) *tooltrail.Log {
	t.Helper()
	st, err := sqlite.Open(t.Context(), sqlite.Config{Path: filepath.Join(t.TempDir(), "tooltrail.db")})
	if err != nil {
		t.Fatal(err)
	}
	log, err := tooltrail.New(t.Context(), st, tooltrail.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close(); st.Close() })
	return log
}

// switchRecorder records into a Log, or fails with err while one is set;
// flaky makes the next records commit and then report failure, as a lost
// answer would.
type switchRecorder struct {
	log   *tooltrail.Log
	mu    sync.Mutex
	err   error
	flaky int
	calls int
}

func (r *switchRecorder) Record(ctx context.Context, c tooltrail.Call) (tooltrail.Receipt, error) {
	r.mu.Lock()
	err, flaky := r.err, r.flaky > 0
	if flaky {
		r.flaky--
	}
	r.calls++
	r.mu.Unlock()
	if err != nil {
		return tooltrail.Receipt{}, err
	}
	rc, err := r.log.Record(ctx, c)
	if flaky && err == nil {
		return tooltrail.Receipt{}, errors.Join(errors.New("the answer was lost on the way"), tooltrail.ErrUnavailable)
	}
	return rc, err
}

func (r *switchRecorder) fail(err error) {
	r.mu.Lock()
	r.err = err
	r.mu.Unlock()
}

// pipeConn returns a LineConn and the two ends its peer reads and writes.
func pipeConn() (conn *LineConn, peerR io.ReadCloser, peerW io.WriteCloser) {
	toPeerR, toPeerW := io.Pipe()
	fromPeerR, fromPeerW := io.Pipe()
	return NewLineConn(fromPeerR, toPeerW, closers{toPeerW, fromPeerR}, 0), toPeerR, fromPeerW
}

type closers []io.Closer

func (cs closers) Close() error {
	var errs []error
	for _, c := range cs {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}

// rig is a proxy between a real SDK client and the real SDK test server,
// on pipes, recording into a real Log.
type rig struct {
	log    *tooltrail.Log
	rec    *switchRecorder
	proxy  *Proxy
	client *mcp.ClientSession
	served chan error
	// seen holds, for each tools/call answer the client received, whether
	// its entry was in the log at that moment.
	mu   sync.Mutex
	seen map[string]bool
}

const rigSession = "rig-session"

func newRig(t *testing.T, cfg Config, opts *mcp.ClientOptions) *rig {
	t.Helper()
	ctx := t.Context()
	r := &rig{log: newLog(t), served: make(chan error, 1), seen: map[string]bool{}}
	r.rec = &switchRecorder{log: r.log}
	cfg.Recorder = r.rec
	if cfg.Session == "" {
		cfg.Session = rigSession
	}
	if cfg.Logger == nil {
		cfg.Logger = quietLogger()
	}
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r.proxy = p

	serverConn, srvR, srvW := pipeConn()
	go mcptest.NewServer().Run(context.WithoutCancel(ctx), &mcp.IOTransport{Reader: srvR, Writer: srvW})
	agentConn, cliR, cliW := pipeConn()
	go func() { r.served <- p.Serve(context.WithoutCancel(ctx), agentConn, serverConn) }()

	tr := &checkingTransport{inner: &mcp.IOTransport{Reader: cliR, Writer: cliW}, check: r.check}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "rig-client", Version: "1"}, opts).Connect(ctx, tr, nil)
	if err != nil {
		t.Fatal(err)
	}
	r.client = cs
	t.Cleanup(func() {
		cs.Close()
		select {
		case <-r.served:
		case <-time.After(20 * time.Second):
			t.Error("the proxy did not stop within 20s of the client closing")
		}
	})
	return r
}

// check notes whether the entry of a tools/call answer is in the log as
// the answer reaches the client.
func (r *rig) check(m jsonrpc.Message) {
	resp, ok := m.(*jsonrpc.Response)
	if !ok {
		return
	}
	id := callID(rigSession, resp.ID, 1)
	page, err := r.log.Query(context.Background(), tooltrail.Filter{SessionID: rigSession, Limit: 1000})
	found := false
	for _, e := range page.Entries {
		found = found || e.CallID == id
	}
	r.mu.Lock()
	r.seen[id] = found && err == nil
	r.mu.Unlock()
}

// checkingTransport runs check on every message the client reads, before
// the client gets it.
type checkingTransport struct {
	inner mcp.Transport
	check func(jsonrpc.Message)
}

func (t *checkingTransport) Connect(ctx context.Context) (mcp.Connection, error) {
	c, err := t.inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &checkingConn{Connection: c, check: t.check}, nil
}

type checkingConn struct {
	mcp.Connection
	check func(jsonrpc.Message)
}

func (c *checkingConn) Read(ctx context.Context) (jsonrpc.Message, error) {
	m, err := c.Connection.Read(ctx)
	if err == nil {
		c.check(m)
	}
	return m, err
}

// entries returns the log's entries, oldest first.
func entries(t *testing.T, log *tooltrail.Log) []tooltrail.Entry {
	t.Helper()
	page, err := log.Query(t.Context(), tooltrail.Filter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	es := page.Entries
	for i, j := 0, len(es)-1; i < j; i, j = i+1, j-1 {
		es[i], es[j] = es[j], es[i]
	}
	return es
}

// waitEntries waits until the log holds n entries and returns them.
func waitEntries(t *testing.T, log *tooltrail.Log, n int) []tooltrail.Entry {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		es := entries(t, log)
		if len(es) >= n || time.Now().After(deadline) {
			if len(es) != n {
				t.Fatalf("the log holds %d entries, want %d: %+v", len(es), n, es)
			}
			return es
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// quietLogger drops what the proxy says; the tests check what it does.
func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
