package mcpproxy

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/tooltrail/tooltrail"
)

// Proxy records the tools/calls of MCP sessions; Serve runs one session.
// It is safe for concurrent use.
type Proxy struct {
	cfg Config
}

// New returns a Proxy that records through cfg.Recorder. Errors: a Config
// without a Recorder.
func New(cfg Config) (*Proxy, error) {
	if cfg.Recorder == nil {
		return nil, errors.New("mcpproxy: Config.Recorder is required")
	}
	return &Proxy{cfg: cfg.withDefaults()}, nil
}

// Metrics returns what the proxy counts into.
func (p *Proxy) Metrics() *Metrics { return p.cfg.Metrics }

// Serve passes messages between agent (the connection of the agent's MCP
// client) and server (the MCP server's) until either side closes or ctx
// ends, recording every tools/call. Calls still unanswered then are
// recorded as such, and the agent gets an error for each while it is still
// there. Both connections are closed when Serve returns. It returns nil
// when a side closed, ctx.Err() when ctx ended, or the read error that
// broke a connection.
func (p *Proxy) Serve(ctx context.Context, agent, server mcp.Connection) error {
	s := &session{
		cfg:      p.cfg,
		agent:    agent,
		server:   server,
		fallback: p.cfg.Session,
		pending:  make(map[jsonrpc.ID]*pendingCall),
		initIDs:  make(map[jsonrpc.ID]bool),
	}
	if s.fallback == "" {
		s.fallback = "mcp-" + rand.Text()[:16]
	}
	_, s.asyncWrites = server.(concurrentWriter)
	return s.run(ctx)
}

// concurrentWriter is a server connection whose Write of a call waits for
// more than the bytes to leave (an HTTP request), so that calls are
// written side by side rather than one after another.
type concurrentWriter interface {
	concurrentWrites()
}

// versionListener is a server connection that wants the protocol version
// that the initialize answer negotiated (to send it as a header).
type versionListener interface {
	protocolVersion(v string)
}

// rawWriter is an agent connection that can write a line jsonrpc.Message
// cannot say: an error answer whose id is null.
type rawWriter interface {
	WriteRaw(ctx context.Context, line []byte) error
}

// session is one Serve: the calls in flight between its two connections.
type session struct {
	cfg         Config
	agent       mcp.Connection
	server      mcp.Connection
	fallback    string
	asyncWrites bool

	mu      sync.Mutex
	pending map[jsonrpc.ID]*pendingCall
	initIDs map[jsonrpc.ID]bool

	inflight sync.WaitGroup // recordings and writes begun by the pumps
}

// pendingCall is a tools/call sent to the server and not yet settled.
type pendingCall struct {
	id      jsonrpc.ID
	call    toolCall
	started time.Time
	timer   *time.Timer
	// settled is set, under session.mu, once the call is answered,
	// cancelled, timed out or abandoned: whichever comes first records it.
	settled bool
	// settledAt is when a call was cancelled or timed out; its entry in
	// pending stays a while so that a late answer is dropped, not passed.
	settledAt time.Time
}

// lateWindow is how long a cancelled or timed-out call is remembered so
// that its late answer is dropped rather than passed on unrecorded.
const lateWindow = 10 * time.Minute

type side int

const (
	agentSide side = iota
	serverSide
)

type ended struct {
	side side
	err  error
}

func (s *session) run(ctx context.Context) error {
	s.cfg.Metrics.sessions.Inc()
	defer s.cfg.Metrics.sessions.Dec()
	pumpCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan ended, 2)
	go func() { done <- ended{agentSide, s.fromAgent(pumpCtx)} }()
	go func() { done <- ended{serverSide, s.fromServer(pumpCtx)} }()
	first := <-done
	// Recording outlives ctx: what was answered is still recorded, within
	// RecordTimeout.
	rctx := context.WithoutCancel(ctx)
	if first.side == serverSide {
		s.abandon(rctx, "the MCP server closed the connection before answering", true)
		s.inflight.Wait()
		cancel()
		s.server.Close()
		s.agent.Close()
	} else {
		cancel()
		s.server.Close()
		s.agent.Close()
		s.abandon(rctx, "the agent closed the connection before the answer", false)
	}
	<-done
	s.inflight.Wait()
	s.abandon(rctx, "the session ended before the answer", false)
	s.inflight.Wait()
	err := first.err
	if errors.Is(err, io.EOF) || errors.Is(err, mcp.ErrConnectionClosed) {
		err = nil
	}
	if err == nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	return err
}

// fromAgent passes the agent's messages to the server and notes the
// tools/calls among them.
func (s *session) fromAgent(ctx context.Context) error {
	for {
		msg, err := s.agent.Read(ctx)
		if err != nil {
			var me *MalformedError
			if errors.As(err, &me) {
				s.cfg.Metrics.malformed.WithLabelValues("agent").Inc()
				s.cfg.Logger.Warn("the agent sent a line that is not JSON-RPC; answered with an error", "err", me.Err)
				s.answerMalformed(ctx, me)
				continue
			}
			return err
		}
		switch m := msg.(type) {
		case *jsonrpc.Request:
			switch {
			case m.IsCall() && m.Method == "tools/call":
				s.track(m)
			case m.IsCall() && m.Method == "initialize":
				s.mu.Lock()
				s.initIDs[m.ID] = true
				s.mu.Unlock()
			case m.Method == "notifications/cancelled":
				s.cancelled(ctx, m)
			}
			s.toServer(ctx, m)
		case *jsonrpc.Response:
			if err := s.server.Write(ctx, m); err != nil {
				s.cfg.Logger.Warn("could not pass an answer on to the MCP server", "id", m.ID.Raw(), "err", err)
			}
		}
	}
}

// toServer writes one request of the agent to the server; when that
// fails, the agent gets an error for it, and a tools/call is recorded as
// failed.
func (s *session) toServer(ctx context.Context, m *jsonrpc.Request) {
	write := func() {
		err := s.server.Write(ctx, m)
		if err == nil || !m.IsCall() {
			if err != nil {
				s.cfg.Logger.Warn("could not pass a notification on to the MCP server", "method", m.Method, "err", err)
			}
			return
		}
		reason := fmt.Sprintf("the MCP server could not be reached: %v", err)
		if pc := s.settle(m.ID); pc != nil {
			s.settleFailed(ctx, pc, reason, CodeUpstream)
			return
		}
		s.answerError(ctx, m.ID, CodeUpstream, "tooltrail mcp: "+reason)
	}
	if s.asyncWrites && m.IsCall() && m.Method != "initialize" {
		s.inflight.Go(write)
		return
	}
	write()
}

// fromServer passes the server's messages to the agent; answers to
// tools/calls are passed only once recorded.
func (s *session) fromServer(ctx context.Context) error {
	for {
		msg, err := s.server.Read(ctx)
		if err != nil {
			var me *MalformedError
			if errors.As(err, &me) {
				s.cfg.Metrics.malformed.WithLabelValues("server").Inc()
				s.cfg.Logger.Warn("the MCP server sent a line that is not JSON-RPC; dropped", "err", me.Err)
				if me.ID.IsValid() {
					if pc := s.settle(me.ID); pc != nil {
						s.inflight.Go(func() {
							s.settleFailed(ctx, pc, "the MCP server answered with a malformed message: "+me.Err.Error(), CodeUpstream)
						})
					}
				}
				continue
			}
			return err
		}
		switch m := msg.(type) {
		case *jsonrpc.Response:
			s.mu.Lock()
			pc, tracked := s.pending[m.ID]
			late := tracked && pc.settled
			if tracked {
				delete(s.pending, m.ID)
				pc.settled = true
			}
			isInit := s.initIDs[m.ID]
			delete(s.initIDs, m.ID)
			s.mu.Unlock()
			switch {
			case late:
				s.cfg.Metrics.late.Inc()
				s.cfg.Logger.Info("dropped the answer to a tools/call already cancelled or timed out", "tool", pc.call.name, "id", m.ID.Raw())
			case tracked:
				if pc.timer != nil {
					pc.timer.Stop()
				}
				s.inflight.Go(func() { s.deliver(ctx, pc, m) })
			default:
				if isInit {
					s.noteVersion(m)
				}
				s.toAgent(ctx, m)
			}
		case *jsonrpc.Request:
			s.toAgent(ctx, m)
		}
	}
}

// noteVersion tells a server connection that wants it the protocol
// version of an initialize answer.
func (s *session) noteVersion(m *jsonrpc.Response) {
	vl, ok := s.server.(versionListener)
	if !ok || m.Error != nil {
		return
	}
	var r struct {
		ProtocolVersion string `json:"protocolVersion"`
	}
	if json.Unmarshal(m.Result, &r) == nil && r.ProtocolVersion != "" {
		vl.protocolVersion(r.ProtocolVersion)
	}
}

func (s *session) toAgent(ctx context.Context, m jsonrpc.Message) {
	if err := s.agent.Write(ctx, m); err != nil {
		s.cfg.Logger.Warn("could not pass a message on to the agent", "err", err)
	}
}

// track notes a tools/call request before it goes to the server.
func (s *session) track(m *jsonrpc.Request) {
	tc := parseToolCall(m.Params)
	tc.confirmed = tc.confirmed || s.cfg.Confirmed
	pc := &pendingCall{id: m.ID, call: tc, started: time.Now()}
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, old := range s.pending {
		if old.settled && time.Since(old.settledAt) > lateWindow {
			delete(s.pending, id)
		}
	}
	if old, ok := s.pending[m.ID]; ok && !old.settled {
		// The agent reused the id of a call still in flight: the server
		// cannot tell the two answers apart either. The first is recorded
		// as such; the second is tracked.
		s.cfg.Logger.Warn("the agent reused the JSON-RPC id of a tools/call still in flight", "id", m.ID.Raw())
		old.settled = true
		ctx := context.Background()
		s.inflight.Go(func() {
			s.recordOnly(ctx, old, "the agent sent another request with this JSON-RPC id before the answer; the answer that follows is the later request's")
		})
	}
	if s.cfg.CallTimeout > 0 {
		pc.timer = time.AfterFunc(s.cfg.CallTimeout, func() { s.timedOut(pc) })
	}
	s.pending[m.ID] = pc
}

// settle takes the call of id out of the calls in flight, for the one
// that settles it; nil when there is none or it is settled already.
func (s *session) settle(id jsonrpc.ID) *pendingCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	pc, ok := s.pending[id]
	if !ok || pc.settled {
		return nil
	}
	pc.settled = true
	if pc.timer != nil {
		pc.timer.Stop()
	}
	delete(s.pending, id)
	return pc
}

// settleLate settles a call but keeps it among the pending ones for a
// while, so that its answer, if one still comes, is dropped.
func (s *session) settleLate(pc *pendingCall) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if pc.settled {
		return false
	}
	pc.settled, pc.settledAt = true, time.Now()
	if pc.timer != nil {
		pc.timer.Stop()
	}
	return true
}

// cancelled records a tools/call the agent cancelled: the agent expects
// no answer, and one that comes is dropped.
func (s *session) cancelled(ctx context.Context, m *jsonrpc.Request) {
	var p struct {
		RequestID any    `json:"requestId"`
		Reason    string `json:"reason"`
	}
	if json.Unmarshal(m.Params, &p) != nil {
		return
	}
	id, err := jsonrpc.MakeID(p.RequestID)
	if err != nil {
		return
	}
	s.mu.Lock()
	pc := s.pending[id]
	s.mu.Unlock()
	if pc == nil || !s.settleLate(pc) {
		return
	}
	summary := "cancelled by the agent before the answer"
	if p.Reason != "" {
		summary += ": " + p.Reason
	}
	s.inflight.Go(func() { s.recordOnly(ctx, pc, summary) })
}

// timedOut settles a call the server did not answer within CallTimeout:
// the server is told to cancel it, the agent gets an error.
func (s *session) timedOut(pc *pendingCall) {
	if !s.settleLate(pc) {
		return
	}
	ctx := context.Background()
	reason := fmt.Sprintf("the MCP server did not answer within %s", s.cfg.CallTimeout)
	if n, err := jsonrpc2Notification("notifications/cancelled", map[string]any{"requestId": pc.id.Raw(), "reason": "tooltrail mcp: " + reason}); err == nil {
		if err := s.server.Write(ctx, n); err != nil {
			s.cfg.Logger.Warn("could not tell the MCP server to cancel a call that timed out", "err", err)
		}
	}
	s.inflight.Go(func() { s.settleFailed(ctx, pc, "timed out: "+reason, CodeUpstream) })
}

// abandon settles every call still in flight with reason; the agent gets
// an error for each when tellAgent.
func (s *session) abandon(ctx context.Context, reason string, tellAgent bool) {
	s.mu.Lock()
	var left []*pendingCall
	for id, pc := range s.pending {
		if !pc.settled {
			pc.settled = true
			if pc.timer != nil {
				pc.timer.Stop()
			}
			left = append(left, pc)
		}
		delete(s.pending, id)
	}
	s.mu.Unlock()
	for _, pc := range left {
		s.inflight.Go(func() {
			if tellAgent {
				s.settleFailed(ctx, pc, reason, CodeUpstream)
			} else {
				s.recordOnly(ctx, pc, reason)
			}
		})
	}
}

// deliver records an answered call, then passes the answer on; when the
// call cannot be recorded the agent gets an error instead (or, failing
// open, the answer and a warning).
func (s *session) deliver(ctx context.Context, pc *pendingCall, resp *jsonrpc.Response) {
	err := s.record(ctx, pc, summarize(resp, s.cfg.SummaryBytes))
	switch {
	case err == nil:
		s.cfg.Metrics.calls.WithLabelValues(OutcomeRecorded).Inc()
		s.toAgent(ctx, resp)
	case s.cfg.FailOpen:
		s.cfg.Metrics.calls.WithLabelValues(OutcomeUnrecorded).Inc()
		s.cfg.Logger.Error("FAIL-OPEN: a tools/call result was passed to the agent WITHOUT being recorded in the audit log",
			"tool", pc.call.name, "id", pc.id.Raw(), "err", err)
		s.toAgent(ctx, resp)
	default:
		s.cfg.Metrics.calls.WithLabelValues(OutcomeWithheld).Inc()
		s.cfg.Logger.Error("a tools/call could not be recorded; its result was withheld and the agent got an error",
			"tool", pc.call.name, "id", pc.id.Raw(), "err", err)
		s.answerError(ctx, pc.id, CodeNotRecorded, fmt.Sprintf(
			"tooltrail: the result of tools/call %q was withheld because the call could not be recorded in the audit log: %v", pc.call.name, err))
	}
}

// settleFailed records a call that got no answer from the server, then
// gives the agent an error that says why (and whether it was recorded).
func (s *session) settleFailed(ctx context.Context, pc *pendingCall, reason string, code int64) {
	msg := "tooltrail mcp: " + reason
	if err := s.record(ctx, pc, reason); err != nil {
		s.cfg.Logger.Error("a failed tools/call could not be recorded", "tool", pc.call.name, "id", pc.id.Raw(), "reason", reason, "err", err)
		msg += fmt.Sprintf("; and the call could not be recorded in the audit log: %v", err)
		if s.cfg.FailOpen {
			s.cfg.Metrics.calls.WithLabelValues(OutcomeUnrecorded).Inc()
		} else {
			s.cfg.Metrics.calls.WithLabelValues(OutcomeWithheld).Inc()
		}
	} else {
		s.cfg.Metrics.calls.WithLabelValues(OutcomeRecorded).Inc()
	}
	s.answerError(ctx, pc.id, code, msg)
}

// recordOnly records a call whose answer no one waits for.
func (s *session) recordOnly(ctx context.Context, pc *pendingCall, reason string) {
	if err := s.record(ctx, pc, reason); err != nil {
		s.cfg.Metrics.calls.WithLabelValues(OutcomeWithheld).Inc()
		s.cfg.Logger.Error("a tools/call could not be recorded", "tool", pc.call.name, "id", pc.id.Raw(), "reason", reason, "err", err)
		return
	}
	s.cfg.Metrics.calls.WithLabelValues(OutcomeRecorded).Inc()
}

func (s *session) answerError(ctx context.Context, id jsonrpc.ID, code int64, msg string) {
	s.toAgent(ctx, &jsonrpc.Response{ID: id, Error: &jsonrpc.Error{Code: code, Message: msg}})
}

// answerMalformed answers a line of the agent's that is not a message: a
// parse error, or an invalid request, with the line's id when it had one.
func (s *session) answerMalformed(ctx context.Context, me *MalformedError) {
	code, text := int64(jsonrpc.CodeInvalidRequest), "Invalid Request"
	if me.Parse() {
		code, text = jsonrpc.CodeParseError, "Parse error"
	}
	msg := fmt.Sprintf("%s: %v", text, me.Err)
	if me.ID.IsValid() {
		s.answerError(ctx, me.ID, code, msg)
		return
	}
	rw, ok := s.agent.(rawWriter)
	if !ok {
		return
	}
	line, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": nil, "error": map[string]any{"code": code, "message": msg}})
	if err == nil {
		if err := rw.WriteRaw(ctx, line); err != nil {
			s.cfg.Logger.Warn("could not answer the agent's malformed line", "err", err)
		}
	}
}

func jsonrpc2Notification(method string, params any) (*jsonrpc.Request, error) {
	b, err := json.Marshal(params)
	if err != nil {
		return nil, err
	}
	return &jsonrpc.Request{Method: method, Params: b}, nil
}

// sessionID is the session_id of the entries: the agent's MCP session,
// else the server's, else the proxy's own.
func (s *session) sessionID() string {
	if id := s.agent.SessionID(); id != "" {
		return id
	}
	if id := s.server.SessionID(); id != "" {
		return id
	}
	return s.fallback
}

// record makes the entry of a call durable, retrying what may pass on a
// second try within RecordTimeout. A call_id taken by another content (an
// id the agent reused) moves on to the next attempt's id; arguments the
// log refuses (too large, too deep) are replaced by a note saying so.
func (s *session) record(ctx context.Context, pc *pendingCall, summary string) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.RecordTimeout)
	defer cancel()
	began := time.Now()
	defer func() { s.cfg.Metrics.recordSeconds.Observe(time.Since(began).Seconds()) }()
	session := s.sessionID()
	call := tooltrail.Call{
		ToolName:      cut(pc.call.name, maxToolName),
		ResultSummary: summary,
		Confirmed:     pc.call.confirmed,
		SessionID:     cut(session, maxCallID),
		TaskID:        cut(pc.call.taskID, maxCallID),
		UserID:        s.cfg.User,
	}
	if pc.call.arguments != nil {
		call.Arguments = pc.call.arguments
	}
	attempt, backoff, shrunk := 1, 50*time.Millisecond, false
	for {
		call.CallID = callID(session, pc.id, attempt)
		_, err := s.cfg.Recorder.Record(ctx, call)
		if err == nil {
			return nil
		}
		s.cfg.Metrics.recordErrors.Inc()
		switch {
		case errors.Is(err, tooltrail.ErrConflict) && attempt < maxAttempts:
			attempt++
			continue
		case (errors.Is(err, tooltrail.ErrTooLarge) || errors.Is(err, tooltrail.ErrInvalidArgument)) && call.Arguments != nil && !shrunk:
			shrunk = true
			note, _ := json.Marshal(map[string]any{
				"tooltrail_arguments_omitted": fmt.Sprintf("the log refused the arguments (%d bytes of JSON): %v", len(pc.call.arguments), err),
			})
			call.Arguments = json.RawMessage(note)
			continue
		case retryable(err):
			wait := min(backoff, time.Until(deadline(ctx)))
			if wait <= 0 {
				return err
			}
			s.cfg.Logger.Debug("recording failed; trying again", "err", err, "in", wait)
			select {
			case <-ctx.Done():
				return err
			case <-time.After(wait):
			}
			backoff = min(2*backoff, time.Second)
		default:
			return err
		}
	}
}

// maxAttempts bounds the call ids tried for one call whose id the agent
// reused.
const maxAttempts = 5

// maxToolName is the log's default limit on tool_name.
const maxToolName = 256

func deadline(ctx context.Context) time.Time {
	d, _ := ctx.Deadline()
	return d
}

// retryable reports whether a failed record may pass on another try: the
// store or server was unavailable, rate-limited, or not reached at all.
func retryable(err error) bool {
	for _, final := range []error{tooltrail.ErrInvalidArgument, tooltrail.ErrTooLarge, tooltrail.ErrConflict,
		tooltrail.ErrUnauthenticated, tooltrail.ErrPermissionDenied, context.Canceled, context.DeadlineExceeded} {
		if errors.Is(err, final) {
			return false
		}
	}
	return true
}
