package httpapi

import (
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/tooltrail/tooltrail"
)

// Metrics counts what the log's sequencer and the HTTP server do. It
// implements [tooltrail.Observer] and holds its own Prometheus registry,
// never the global default one, so that several servers (or tests) in one
// process do not share counters. Its methods are safe for concurrent use.
//
// It exports:
//
//	tooltrail_records_total             calls committed (appended or replayed)
//	tooltrail_batch_size                calls per committed batch
//	tooltrail_commit_seconds            time one batch took to commit
//	tooltrail_queue_depth               calls waiting for the sequencer
//	tooltrail_store_errors_total        batches the store failed to commit
//	tooltrail_http_requests_total       requests, by route pattern and status code
//	tooltrail_http_request_seconds      request duration, by route pattern
//	tooltrail_otlp_spans_received_total       spans of OTLP export requests
//	tooltrail_otlp_tool_spans_recorded_total  tool spans recorded (or replayed)
//	tooltrail_otlp_spans_ignored_total        spans that are not tool executions
//	tooltrail_otlp_spans_rejected_total       tool spans refused
//
// and the Go runtime and process collectors, and whatever a store reports
// through Watch.
type Metrics struct {
	registry       *prometheus.Registry
	records        prometheus.Counter
	batchSize      prometheus.Histogram
	commitSeconds  prometheus.Histogram
	storeErrors    prometheus.Counter
	requests       *prometheus.CounterVec
	requestSeconds *prometheus.HistogramVec
	otlp           otlpMetrics

	// log is the Log whose queue depth tooltrail_queue_depth reports; nil
	// until New attaches one.
	log atomic.Pointer[tooltrail.Log]
}

var _ tooltrail.Observer = (*Metrics)(nil)

// NewMetrics returns Metrics with every metric registered in a new
// registry of its own. It cannot fail.
func NewMetrics() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		records: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tooltrail_records_total",
			Help: "Calls committed to the log, appended or replayed.",
		}),
		batchSize: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "tooltrail_batch_size",
			Help:    "Calls per committed batch.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 12),
		}),
		commitSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "tooltrail_commit_seconds",
			Help:    "Time one batch took to commit.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2, 16),
		}),
		storeErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tooltrail_store_errors_total",
			Help: "Batches the store failed to commit; every call of such a batch failed.",
		}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tooltrail_http_requests_total",
			Help: "HTTP requests, by route pattern and status code.",
		}, []string{"route", "code"}),
		requestSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "tooltrail_http_request_seconds",
			Help:    "HTTP request duration, by route pattern.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route"}),
		otlp: newOTLPMetrics(),
	}
	queueDepth := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "tooltrail_queue_depth",
		Help: "Calls waiting for the log's sequencer.",
	}, m.queueDepth)
	m.registry.MustRegister(
		m.records, m.batchSize, m.commitSeconds, m.storeErrors, queueDepth,
		m.requests, m.requestSeconds,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	m.registry.MustRegister(m.otlp.collectors()...)
	return m
}

// Committed counts a batch of n calls that committed in took. It
// implements [tooltrail.Observer].
func (m *Metrics) Committed(n int, took time.Duration) {
	m.records.Add(float64(n))
	m.batchSize.Observe(float64(n))
	m.commitSeconds.Observe(took.Seconds())
}

// Failed counts a batch that failed to commit. It implements
// [tooltrail.Observer].
func (m *Metrics) Failed(n int, err error) {
	m.storeErrors.Inc()
}

// Watch exports one number a store (or anything else) reports: a gauge,
// or a counter when counter is set, read from value at every scrape, which
// must be cheap and safe for concurrent use. Errors: a name that is
// registered already, or one the registry refuses as a metric name.
func (m *Metrics) Watch(name, help string, counter bool, value func() float64) error {
	var c prometheus.Collector
	if counter {
		c = prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, value)
	} else {
		c = prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, value)
	}
	if err := m.registry.Register(c); err != nil {
		return fmt.Errorf("metric %s: %w", name, err)
	}
	return nil
}

// attach makes tooltrail_queue_depth report the queue depth of log.
func (m *Metrics) attach(log *tooltrail.Log) { m.log.Store(log) }

func (m *Metrics) queueDepth() float64 {
	if l := m.log.Load(); l != nil {
		return float64(l.QueueDepth())
	}
	return 0
}

// observeRequest counts one HTTP request of the given route pattern.
func (m *Metrics) observeRequest(route string, status int, took time.Duration) {
	m.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
	m.requestSeconds.WithLabelValues(route).Observe(took.Seconds())
}
