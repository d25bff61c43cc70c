package postgres_test

import (
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/internal/pgtest"
	"github.com/tooltrail/tooltrail/storetest"
)

// BenchmarkPurgeWhileRecording builds a log of TOOLTRAIL_BENCH_PURGE_ENTRIES
// entries (default 500,000) in a new schema, the oldest tenth before a
// cutoff, or takes the data set in TOOLTRAIL_BENCH_SCHEMA, then purges that
// tenth while 16 writers keep recording, and
// reports how long the purge took and the writers' latency meanwhile. Run
// it with -benchtime 1x.
func BenchmarkPurgeWhileRecording(b *testing.B) {
	url := pgtest.URL(b)
	n := 500_000
	if v, err := strconv.Atoi(os.Getenv("TOOLTRAIL_BENCH_PURGE_ENTRIES")); err == nil && v > 0 {
		n = v
	}
	var (
		log    *tooltrail.Log
		old    int
		cutoff time.Time
	)
	if schema := os.Getenv("TOOLTRAIL_BENCH_SCHEMA"); schema != "" {
		// A data set BenchmarkRead built: purge its oldest tenth (this
		// changes it for later runs).
		log, _ = openBenchLog(b, url, schema, false)
		cutoff, old = storetest.PurgeCutoff(b, log)
	} else {
		log, _ = openBenchLog(b, url, pgtest.FreshSchema(b, url), false)
		old = n / 10
		storetest.RecordConcurrently(b, log, 1000, old)
		time.Sleep(5 * time.Millisecond)
		cutoff = time.Now()
		time.Sleep(5 * time.Millisecond)
		took := storetest.RecordConcurrently(b, log, 1000, n-old)
		b.Logf("built %d entries (%d before the cutoff) in %v", n, old, took)
	}
	storetest.BenchPurgeWhileRecording(b, log, cutoff, old, nil)
}
