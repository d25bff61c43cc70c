package mcpproxy

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Outcomes of a tools/call, the label of tooltrail_mcp_calls_total.
const (
	OutcomeRecorded   = "recorded"   // recorded, then the answer passed on
	OutcomeWithheld   = "withheld"   // not recorded: the agent got an error (fail closed)
	OutcomeUnrecorded = "unrecorded" // not recorded, the answer passed on all the same (fail open)
)

// Metrics counts what proxies do, in a Prometheus registry of its own:
//
//	tooltrail_mcp_calls_total{outcome}      tools/call answers, by what became of them
//	tooltrail_mcp_record_seconds            time to make one call durable, retries included
//	tooltrail_mcp_record_errors_total       attempts to record that failed
//	tooltrail_mcp_malformed_total{from}     lines that were not JSON-RPC, from the agent or the server
//	tooltrail_mcp_late_answers_total        answers to calls already cancelled or timed out, dropped
//	tooltrail_mcp_sessions                  sessions open now
//
// Its methods are safe for concurrent use.
type Metrics struct {
	registry      *prometheus.Registry
	calls         *prometheus.CounterVec
	recordSeconds prometheus.Histogram
	recordErrors  prometheus.Counter
	malformed     *prometheus.CounterVec
	late          prometheus.Counter
	sessions      prometheus.Gauge
}

// NewMetrics returns Metrics registered in a new registry, and also in
// reg when it is not nil. It cannot fail.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tooltrail_mcp_calls_total",
			Help: "tools/call answers, by outcome: recorded, withheld (not recorded, the agent got an error) or unrecorded (not recorded, passed on under --fail-open).",
		}, []string{"outcome"}),
		recordSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "tooltrail_mcp_record_seconds",
			Help:    "Time to make one tools/call durable in the log, retries included.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
		}),
		recordErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tooltrail_mcp_record_errors_total",
			Help: "Attempts to record a tools/call that failed.",
		}),
		malformed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tooltrail_mcp_malformed_total",
			Help: "Lines that were not JSON-RPC messages, by who sent them (agent or server).",
		}, []string{"from"}),
		late: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tooltrail_mcp_late_answers_total",
			Help: "Answers to tools/calls already cancelled or timed out, dropped.",
		}),
		sessions: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "tooltrail_mcp_sessions",
			Help: "MCP sessions open now.",
		}),
	}
	cs := []prometheus.Collector{m.calls, m.recordSeconds, m.recordErrors, m.malformed, m.late, m.sessions}
	m.registry.MustRegister(cs...)
	if reg != nil {
		for _, c := range cs {
			reg.MustRegister(c)
		}
	}
	for _, o := range []string{OutcomeRecorded, OutcomeWithheld, OutcomeUnrecorded} {
		m.calls.WithLabelValues(o)
	}
	for _, f := range []string{"agent", "server"} {
		m.malformed.WithLabelValues(f)
	}
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}
