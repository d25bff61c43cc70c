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
// SQLite's indexer, eraser and checkpointer, PostgreSQL's append paths.
func TestServe_storeMetrics(t *testing.T) {
	// want: each metric's least and greatest value after five records, one
	// command each (a greatest below 0: no bound); settled: when the
	// background work has caught up.
	type bounds [2]float64
	tests := []struct {
		name    string
		start   func(t *testing.T) *testServer
		want    map[string]bounds
		settled func(body string) bool
	}{
		{"SQLite", func(t *testing.T) *testServer { return startServer(t, t.TempDir()) }, map[string]bounds{
			"tooltrail_sqlite_index_waiting":             {0, 0},
			"tooltrail_sqlite_index_move_failures_total": {0, 0},
			"tooltrail_sqlite_erase_waiting":             {0, 0},
			"tooltrail_sqlite_erase_failures_total":      {0, 0},
			"tooltrail_sqlite_wal_frames":                {1, -1},
			"tooltrail_sqlite_checkpoints_total":         {1, -1},
			"tooltrail_sqlite_checkpoint_failures_total": {0, 0},
			"tooltrail_sqlite_checkpoints_locked_total":  {0, 0},
		}, func(body string) bool {
			ck, _ := metricValue(body, "tooltrail_sqlite_checkpoints_total")
			waiting, ok := metricValue(body, "tooltrail_sqlite_index_waiting")
			return ck >= 1 && ok && waiting == 0
		}},
		{"PostgreSQL", func(t *testing.T) *testServer {
			base := pgtest.URL(t)
			storeURL, schema := freshStore(t, base)
			dir := t.TempDir()
			seedPostgresToken(t, base, schema, dir)
			return startServer(t, dir, "--store", storeURL)
		}, map[string]bounds{
			// The first batch locks (the server knows no head yet); the
			// other four go in one round trip each, as no other server
			// appends.
			"tooltrail_postgres_appends_unlocked_total": {4, 4},
			"tooltrail_postgres_appends_raced_total":    {0, 0},
			"tooltrail_postgres_appends_locked_total":   {1, 1},
		}, func(string) bool { return true }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := tt.start(t)
			for range 5 {
				srv.mustRun(t, "record", "--tool", "read_file")
			}
			// The checkpointer's rounds come every 100 ms after commits.
			body := scrape(t, srv)
			for deadline := time.Now().Add(5 * time.Second); !tt.settled(body) && time.Now().Before(deadline); {
				time.Sleep(50 * time.Millisecond)
				body = scrape(t, srv)
			}
			for name, b := range tt.want {
				v, ok := metricValue(body, name)
				switch {
				case !ok:
					t.Errorf("/metrics has no %s", name)
				case v < b[0] || (b[1] >= 0 && v > b[1]):
					t.Errorf("%s = %v, want %v to %v", name, v, b[0], b[1])
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
