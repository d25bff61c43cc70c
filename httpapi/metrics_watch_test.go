package httpapi

import (
	"testing"
)

// TestMetricsWatch checks that a watched number is read at every gather,
// as a gauge or a counter, and that a name taken already is refused.
func TestMetricsWatch(t *testing.T) {
	m := NewMetrics()
	n := 1.0
	if err := m.Watch("test_waiting", "A gauge.", false, func() float64 { return n }); err != nil {
		t.Fatal(err)
	}
	if err := m.Watch("test_done_total", "A counter.", true, func() float64 { return 2 * n }); err != nil {
		t.Fatal(err)
	}
	n = 21
	got := map[string]float64{}
	families, err := m.registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		for _, mt := range f.GetMetric() {
			switch {
			case mt.GetGauge() != nil:
				got[f.GetName()] = mt.GetGauge().GetValue()
			case mt.GetCounter() != nil:
				got[f.GetName()] = mt.GetCounter().GetValue()
			}
		}
	}
	if got["test_waiting"] != 21 || got["test_done_total"] != 42 {
		t.Errorf("gathered test_waiting %v, test_done_total %v; want 21 and 42", got["test_waiting"], got["test_done_total"])
	}
	for _, tt := range []struct{ name, metric string }{
		{"Taken", "test_waiting"},
		{"TakenByMetrics", "tooltrail_records_total"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := m.Watch(tt.metric, "again", false, func() float64 { return 0 }); err == nil {
				t.Errorf("Watch(%q) = nil, want an error", tt.metric)
			}
		})
	}
}
