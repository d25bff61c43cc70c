package mcpproxy

import (
	"context"
	"log/slog"
	"time"

	"github.com/tooltrail/tooltrail"
)

// Recorder makes one call durable and returns its receipt: a *tooltrail.Log
// for a local store, a *client.Client for a tooltrail server.
type Recorder interface {
	Record(ctx context.Context, call tooltrail.Call) (tooltrail.Receipt, error)
}

// Defaults of Config.
const (
	DefaultRecordTimeout = 10 * time.Second
	DefaultSummaryBytes  = 2048
)

// CodeNotRecorded is the JSON-RPC error code of a tools/call whose result
// the proxy withheld because it could not record the call. It lies in the
// range JSON-RPC leaves to servers.
const CodeNotRecorded = -32050

// CodeUpstream is the JSON-RPC error code the proxy answers with when the
// MCP server did not answer a request: it exited, could not be reached, or
// took longer than the call timeout.
const CodeUpstream = -32051

// Keys of a tools/call request's _meta that the proxy reads.
const (
	MetaTaskID    = "tooltrail/task_id"   // a string: the entry's task_id
	MetaConfirmed = "tooltrail/confirmed" // true: a person approved the call
	// MetaRelatedTask is MCP's own key for the task a request belongs to;
	// its taskId is the entry's task_id when tooltrail/task_id is absent.
	MetaRelatedTask = "io.modelcontextprotocol/related-task"
)

// Config says where a Proxy records and how.
type Config struct {
	// Recorder records the calls. Required.
	Recorder Recorder
	// Session is the session_id of the entries when the connections have
	// no MCP session id of their own (stdio). Empty: one is made per Proxy.
	Session string
	// User is the user_id of every entry.
	User string
	// Confirmed marks every call as confirmed by a person.
	Confirmed bool
	// FailOpen passes a result on even when its call could not be
	// recorded, and says so on the Logger and in Metrics.
	FailOpen bool
	// RecordTimeout bounds the time spent recording one call, retries
	// included; zero takes DefaultRecordTimeout.
	RecordTimeout time.Duration
	// CallTimeout, when positive, bounds how long the server may take to
	// answer a tools/call: past it the call is cancelled upstream,
	// recorded as timed out, and the agent gets an error.
	CallTimeout time.Duration
	// SummaryBytes bounds the result_summary made of a result; zero takes
	// DefaultSummaryBytes.
	SummaryBytes int
	// Logger receives what the proxy has to say (never on stdout, which
	// may be the agent's protocol stream). Nil: slog.Default().
	Logger *slog.Logger
	// Metrics counts what the proxy does. Nil: counted nowhere.
	Metrics *Metrics
}

func (c Config) withDefaults() Config {
	if c.RecordTimeout <= 0 {
		c.RecordTimeout = DefaultRecordTimeout
	}
	if c.SummaryBytes <= 0 {
		c.SummaryBytes = DefaultSummaryBytes
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Metrics == nil {
		c.Metrics = NewMetrics(nil)
	}
	return c
}
