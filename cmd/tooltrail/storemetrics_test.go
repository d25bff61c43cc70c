package main

import (
	"io"
	"net/http"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/tooltrail/tooltrail/internal/pgtest"
)

// TestServe_storeMetrics records through serve on each store and checks
// that /metrics reports the store's own work as an operator would read it:
// SQLite's indexer and checkpointer, PostgreSQL's append paths.
func TestServe_storeMetrics(t *testing.T) {
	tests := []struct {
		name  string
		start func(t *testing.T) *testServer
		// want: each metric, and the least value it must show after the
		// records (0 when it may still be 0).
		want map[string]float64
	}{
		{"SQLite", func(t *testing.T) *testServer { return startServer(t, t.TempDir()) }, map[string]float64{
			"tooltrail_sqlite_index_waiting":             0,
			"tooltrail_sqlite_index_move_failures_total": 0,
			"tooltrail_sqlite_wal_frames":                1,
			"tooltrail_sqlite_checkpoints_total":         1,
			"tooltrail_sqlite_checkpoint_failures_total": 0,
			"tooltrail_sqlite_checkpoints_locked_total":  0,
		}},
		{"PostgreSQL", func(t *testing.T) *testServer {
			base := pgtest.URL(t)
			storeURL, schema := freshStore(t, base)
			dir := t.TempDir()
			seedPostgresToken(t, base, schema, dir)
			return startServer(t, dir, "--store", storeURL)
		}, map[string]float64{
			"tooltrail_postgres_appends_unlocked_total": 1,
			"tooltrail_postgres_appends_raced_total":    0,
			"tooltrail_postgres_appends_locked_total":   1,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := tt.start(t)
			for range 5 {
				srv.mustRun(t, "record", "--tool", "read_file")
			}
			// The checkpointer's rounds come every 100 ms after commits.
			var body string
			for deadline := time.Now().Add(5 * time.Second); ; {
				body = scrape(t, srv)
				if v, ok := metricValue(body, "tooltrail_sqlite_checkpoints_total"); tt.name != "SQLite" || (ok && v >= 1) || time.Now().After(deadline) {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			for name, least := range tt.want {
				v, ok := metricValue(body, name)
				if !ok {
					t.Errorf("/metrics has no %s", name)
					continue
				}
				if v < least {
					t.Errorf("%s = %v, want at least %v", name, v, least)
				}
			}
		})
	}
}

// scrape returns the body of GET /metrics on srv, with its admin token.
func scrape(t *testing.T, srv *testServer) string {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.url+"/metrics", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+srv.token(t))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %d, %v\n%s", resp.StatusCode, err, b)
	}
	return string(b)
}

// metricValue returns the value of an unlabelled metric in a Prometheus
// text exposition.
func metricValue(body, name string) (float64, bool) {
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` (\S+)$`).FindStringSubmatch(body)
	if m == nil {
		return 0, false
	}
	v, err := strconv.ParseFloat(m[1], 64)
	return v, err == nil
}
