package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/tooltrail/tooltrail/internal/pgtest"
)

// TestBench_smoke runs the load generator briefly against a real server
// and in-process, so that it keeps working; it asserts no timing.
func TestBench_smoke(t *testing.T) {
	srvDir := t.TempDir()
	srv := startServer(t, srvDir)
	r := srv.run(t, "bench", "--callers", "4", "--records", "200", "--json")
	var res benchResult
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &res) != nil || res.Mode != "http" || res.Records != 200 || res.Failed != 0 || res.P99Ms <= 0 {
		t.Fatalf("bench over HTTP: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	if n := srv.mustRun(t, "count").stdout; n != "200\n" {
		t.Errorf("after the bench the log holds %q entries, want 200", n)
	}
	libDir := t.TempDir()
	r = run(t, noEnv, "", "bench", "--library", "--data", libDir, "--callers", "2", "--records", "100")
	if r.code != 0 || !strings.Contains(r.stdout, "library") {
		t.Errorf("bench in the library: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	// Verify time: on the data set just built (no server signed it), and
	// on the server's store with the key in its data directory.
	for _, dir := range []string{libDir, srvDir} {
		r = run(t, noEnv, "", "bench", "--verify", "--library", "--data", dir, "--json")
		var vr verifyResult
		if r.code != 0 || json.Unmarshal([]byte(r.stdout), &vr) != nil || vr.Checked < 100 || vr.Entries != vr.Checked || vr.Problems != 0 {
			t.Errorf("bench --verify --data %s: exit %d %q %q", dir, r.code, r.stdout, r.stderr)
		}
	}
	if r := run(t, noEnv, "", "bench", "--verify"); r.code != exitUsage || !strings.Contains(r.stderr, "--library") {
		t.Errorf("bench --verify without --library: exit %d %q", r.code, r.stderr)
	}
	// The log holds the first run's entries now: a second run needs --force.
	if r := srv.run(t, "bench", "--records", "50"); r.code != exitUsage || !strings.Contains(r.stderr, "already holds 200 entries") {
		t.Errorf("bench into a log with entries, without --force: exit %d %q", r.code, r.stderr)
	}
	r = srv.run(t, "bench", "--callers", "2", "--records", "50", "--rate", "500", "--json", "--force")
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &res) != nil || res.Rate != 500 || res.Failed != 0 {
		t.Errorf("bench --rate: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	if res.Seconds < 0.09 {
		t.Errorf("50 records at 500/s took %.3f s; the schedule was not kept", res.Seconds)
	}
	r = srv.run(t, "bench", "--read", "3")
	if r.code != 0 || !strings.Contains(r.stdout, "first page: tool_name substring") || !strings.Contains(r.stdout, "count: user_id") {
		t.Errorf("bench --read: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	if r := run(t, noEnv, "", "bench", "--callers", "0"); r.code != exitUsage {
		t.Errorf("bench --callers 0: exit %d", r.code)
	}
}

func TestPercentile(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i))
	}
	for _, tc := range []struct {
		p    float64
		want time.Duration
	}{{0.5, 50}, {0.99, 99}, {0.999, 100}, {0, 1}, {1, 100}} {
		if got := percentile(d, tc.p); got != tc.want {
			t.Errorf("percentile(1..100, %v) = %v, want %v", tc.p, got, tc.want)
		}
	}
	if got := percentile([]time.Duration{7}, 0.99); got != 7 {
		t.Errorf("percentile of one = %v", got)
	}
}

// TestBenchVersusSeed runs the side-by-side comparison briefly on the test
// PostgreSQL: every design records all its calls, the summary has a row
// per design and concurrency with the seed's ratio 1, and the schemas it
// made are gone after. It asserts no timing.
func TestBenchVersusSeed(t *testing.T) {
	base := pgtest.URL(t)
	t.Setenv(childArgvEnv, "1")
	schemas := func() int {
		conn := pgtest.Connect(t, base, "")
		var n int
		if err := conn.QueryRow(t.Context(), "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'tooltrail_bench_%'").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := schemas()
	r := run(t, noEnv, "", "bench", "--versus-seed", "--store", base, "--callers", "2,3", "--records", "60", "--rounds", "1", "--json")
	if r.code != 0 {
		t.Fatalf("bench --versus-seed: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	var out struct {
		Runs    []seedRun `json:"runs"`
		Summary []seedRow `json:"summary"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("output %q: %v", r.stdout, err)
	}
	if len(out.Runs) != 6 || len(out.Summary) != 6 {
		t.Fatalf("got %d runs and %d summary rows, want 6 and 6: %s", len(out.Runs), len(out.Summary), r.stdout)
	}
	for _, run := range out.Runs {
		if run.Records != 60 || run.Failed != 0 || run.RecordsPerSec <= 0 {
			t.Errorf("run %+v: want 60 records, none failed", run)
		}
	}
	for _, row := range out.Summary {
		if row.Design == "seed" && row.Ratio != 1 {
			t.Errorf("the seed's own ratio is %v", row.Ratio)
		}
		if row.Ratio <= 0 {
			t.Errorf("row %+v has no ratio", row)
		}
	}
	if after := schemas(); after != before {
		t.Errorf("%d bench schemas before, %d after: the comparison left some behind", before, after)
	}
	for _, args := range [][]string{
		{"bench", "--versus-seed"},
		{"bench", "--versus-seed", "--store", base, "--designs", "mysql"},
		{"bench", "--callers", "2,3"},
	} {
		if r := run(t, noEnv, "", args...); r.code != exitUsage {
			t.Errorf("%v: exit %d, want a usage error\n%s", args, r.code, r.stderr)
		}
	}
}
