package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"time"

	"github.com/tooltrail/tooltrail/mcpproxy"
)

// mcpCommand audits an MCP server: tooltrail mcp [flags] -- CMD ARGS...
type mcpCommand struct {
	remote        remoteFlags
	data          string
	store         string
	redactConfig  string
	user          string
	session       string
	confirmed     bool
	failOpen      bool
	recordTimeout time.Duration
	callTimeout   time.Duration
	summaryBytes  int
	listen        string
	upstream      string
	metricsAddr   string
	command       []string
}

func (c *mcpCommand) define(fs *flag.FlagSet) {
	fs.StringVar(&c.remote.server, "server", "", "`URL` of the tooltrail server to record into, with a writer token in TOOLTRAIL_TOKEN (default "+defaultServer+" unless --data or --store is given)")
	fs.StringVar(&c.remote.token, "token", "", "bearer `TOKEN` to send; prefer TOOLTRAIL_TOKEN, which other users cannot see in ps")
	fs.StringVar(&c.data, "data", "", "record into the local store of data `DIR` instead of a server (its keys sign and redact, as serve's do)")
	fs.StringVar(&c.store, "store", "", "record into the store at `URL` (sqlite:PATH or postgres://...) instead of a server; the keys are those of --data")
	fs.StringVar(&c.redactConfig, "redact-config", "", "`FILE` of redaction rules for a local store, as serve takes it")
	fs.StringVar(&c.user, "user", "", "user `ID` on whose behalf the agent calls the tools (the entries' user_id)")
	fs.StringVar(&c.session, "session", "", "session `ID` of the entries on stdio, where MCP has none (default: a new id each run)")
	fs.BoolVar(&c.confirmed, "confirmed", false, "mark every call as approved by a person (a call's _meta \"tooltrail/confirmed\": true marks one)")
	fs.BoolVar(&c.failOpen, "fail-open", false, "pass results on even when their call could not be recorded (the log is then incomplete; never for compliance)")
	fs.DurationVar(&c.recordTimeout, "record-timeout", mcpproxy.DefaultRecordTimeout, "how long to try to record one call, retries included, before its result is withheld")
	fs.DurationVar(&c.callTimeout, "call-timeout", 0, "cancel and record as timed out a tools/call the server has not answered within this `DURATION` (0: wait as long as the agent does)")
	fs.IntVar(&c.summaryBytes, "summary-bytes", mcpproxy.DefaultSummaryBytes, "longest result_summary made of a result, in `BYTES`")
	fs.StringVar(&c.listen, "listen", "", "serve MCP's streamable HTTP transport on `HOST:PORT` (at /mcp, metrics at /metrics) instead of stdio")
	fs.StringVar(&c.upstream, "upstream", "", "`URL` of an MCP server on streamable HTTP to audit, instead of a command")
	fs.StringVar(&c.metricsAddr, "metrics-addr", "", "on stdio, serve /metrics on `HOST:PORT`")
}

func (c *mcpCommand) setArgs(args []string) { c.command = args }

func (c *mcpCommand) run(ctx context.Context, s *streams) error {
	if err := c.check(); err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(s.stderr, nil))
	rec, closeRec, err := c.recorder(ctx, s, logger)
	if err != nil {
		return err
	}
	defer func() {
		if err := closeRec(); err != nil {
			logger.Error("closing the log", "err", err)
		}
	}()
	if c.failOpen {
		fmt.Fprintln(s.stderr, "tooltrail mcp: WARNING: --fail-open: a result whose call cannot be recorded is passed to the agent ALL THE SAME, "+
			"so the audit log may miss calls; a compliance setup must fail closed (leave --fail-open out)")
	}
	metrics := mcpproxy.NewMetrics(nil)
	p, err := mcpproxy.New(mcpproxy.Config{
		Recorder: rec, Session: c.session, User: c.user, Confirmed: c.confirmed, FailOpen: c.failOpen,
		RecordTimeout: c.recordTimeout, CallTimeout: c.callTimeout, SummaryBytes: c.summaryBytes,
		Logger: logger, Metrics: metrics,
	})
	if err != nil {
		return err
	}
	if c.listen != "" {
		return c.serveHTTP(ctx, s, p, logger)
	}
	if c.metricsAddr != "" {
		stop, err := serveMetrics(c.metricsAddr, metrics, logger)
		if err != nil {
			return err
		}
		defer stop()
	}
	server, err := c.dial()(ctx, nil)
	if err != nil {
		return err
	}
	agent := mcpproxy.NewLineConn(s.stdin, s.stdout, nil, 0)
	err = p.Serve(ctx, agent, server)
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// check refuses command lines that name no server to audit, or two.
func (c *mcpCommand) check() error {
	switch {
	case len(c.command) == 0 && c.upstream == "":
		return usagef("name the MCP server to audit: tooltrail mcp [flags] -- CMD ARGS..., or --upstream URL")
	case len(c.command) > 0 && c.upstream != "":
		return usagef("give the MCP server as a command or as --upstream, not both")
	case c.remote.server != "" && (c.data != "" || c.store != ""):
		return usagef("give --server, or --data/--store for a local store, not both")
	case c.recordTimeout <= 0:
		return usagef("--record-timeout must be positive, got %v", c.recordTimeout)
	case c.callTimeout < 0:
		return usagef("--call-timeout must be 0 or more, got %v", c.callTimeout)
	case c.summaryBytes < 64 || c.summaryBytes > 64<<10:
		return usagef("--summary-bytes must be from 64 to 65536, got %d", c.summaryBytes)
	}
	if c.upstream != "" {
		u, err := url.Parse(c.upstream)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return usagef("--upstream %q is not an http(s) URL of an MCP server", redactURL(c.upstream))
		}
	}
	return nil
}

// recorder returns where the calls are recorded: the local store, or the
// server.
func (c *mcpCommand) recorder(ctx context.Context, s *streams, logger *slog.Logger) (mcpproxy.Recorder, func() error, error) {
	if c.data != "" || c.store != "" {
		data := c.data
		if data == "" {
			var err error
			if data, err = defaultDataDir(); err != nil {
				return nil, nil, usagef("--data is needed for the keys, also with --store: %w", err)
			}
		}
		l, err := openLocalLog(ctx, data, c.store, c.redactConfig, logger)
		if err != nil {
			return nil, nil, err
		}
		fmt.Fprintf(s.stderr, "tooltrail mcp: recording into the local store of %s\n", data)
		return l, func() error { return l.Close(ctx) }, nil
	}
	if c.remote.server == "" {
		c.remote.server = defaultServer
	}
	cl, err := c.remote.client()
	if err != nil {
		return nil, nil, err
	}
	if c.remote.token == "" {
		fmt.Fprintln(s.stderr, "tooltrail mcp: no TOOLTRAIL_TOKEN is set; the server will refuse to record (make a writer token with 'tooltrail token create --role writer')")
	}
	fmt.Fprintf(s.stderr, "tooltrail mcp: recording into the server at %s\n", redactURL(c.remote.server))
	return cl, func() error { return nil }, nil
}

// dial returns how to reach the MCP server: its command, a new process a
// session, or its URL.
func (c *mcpCommand) dial() mcpproxy.Dialer {
	if c.upstream != "" {
		return mcpproxy.HTTPUpstream(c.upstream, &http.Client{})
	}
	return mcpproxy.CommandUpstream(func() *exec.Cmd {
		cmd := exec.Command(c.command[0], c.command[1:]...)
		cmd.Env = mcpproxy.ServerEnv(os.Environ())
		cmd.Stderr = os.Stderr
		return cmd
	}, 0)
}

// serveHTTP serves the streamable HTTP front until ctx ends.
func (c *mcpCommand) serveHTTP(ctx context.Context, s *streams, p *mcpproxy.Proxy, logger *slog.Logger) error {
	loopback, err := isLoopback(c.listen)
	if err != nil {
		return err
	}
	if !loopback {
		fmt.Fprintf(s.stderr, "tooltrail mcp: warning: %s is reachable beyond this machine and the front has no authentication of its own; anyone who reaches it can call the tools\n", c.listen)
	}
	ln, err := net.Listen("tcp", c.listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	front := mcpproxy.NewHTTPFront(ctx, p, c.dial())
	mux := http.NewServeMux()
	mux.Handle("/mcp", front)
	mux.Handle("GET /metrics", p.Metrics().Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: readHeaderTimeout, MaxHeaderBytes: maxHeaderBytes,
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Fprintf(s.stdout, "tooltrail mcp listening on http://%s/mcp\n", ln.Addr())
	select {
	case <-ctx.Done():
	case err = <-served:
	}
	// Sessions end first, so that the calls they answered are recorded.
	front.Close()
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	return errors.Join(err, srv.Shutdown(sctx))
}

// serveMetrics serves /metrics on addr until stop is called.
func serveMetrics(addr string, m *mcpproxy.Metrics, logger *slog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--metrics-addr: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: readHeaderTimeout}
	go srv.Serve(ln)
	logger.Info("serving metrics", "url", "http://"+ln.Addr().String()+"/metrics")
	return func() { srv.Close() }, nil
}
