package httpapi

import "github.com/prometheus/client_golang/prometheus"

// otlpMetrics counts the spans of POST /v1/traces.
type otlpMetrics struct {
	received prometheus.Counter
	recorded prometheus.Counter
	ignored  prometheus.Counter
	rejected prometheus.Counter
}

func newOTLPMetrics() otlpMetrics {
	counter := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help})
	}
	return otlpMetrics{
		received: counter("tooltrail_otlp_spans_received_total", "Spans of OTLP export requests that decoded."),
		recorded: counter("tooltrail_otlp_tool_spans_recorded_total", "Tool execution spans recorded as entries (or found recorded already, for a repeated export)."),
		ignored:  counter("tooltrail_otlp_spans_ignored_total", "Spans that are not tool executions, left out."),
		rejected: counter("tooltrail_otlp_spans_rejected_total", "Tool execution spans refused (answered in partial_success)."),
	}
}

func (o otlpMetrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{o.received, o.recorded, o.ignored, o.rejected}
}
