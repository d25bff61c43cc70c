package postgres_test

import (
	"context"
	"os"
	"slices"
	"strconv"
	"sync"
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
	ctx := context.Background()
	var (
		log    *tooltrail.Log
		old    int
		cutoff time.Time
	)
	if schema := os.Getenv("TOOLTRAIL_BENCH_SCHEMA"); schema != "" {
		// A data set BenchmarkRead built: purge its oldest tenth (this
		// changes it for later runs).
		log, _ = openBenchLog(b, url, schema, false)
		head, err := log.Head(ctx)
		if err != nil {
			b.Fatal(err)
		}
		e, err := log.Entry(ctx, head.Size/10+1)
		if err != nil {
			b.Fatal(err)
		}
		cutoff = e.Timestamp
		before, err := log.Count(ctx, tooltrail.Filter{End: cutoff.Add(-time.Microsecond)})
		if err != nil {
			b.Fatal(err)
		}
		old = int(before)
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

	{ // once (run with -benchtime 1x): a purge can only happen once on this data
		var (
			mu        sync.Mutex
			latencies []time.Duration
			wg        sync.WaitGroup
		)
		stop := make(chan struct{})
		for range 16 {
			wg.Go(func() {
				for {
					select {
					case <-stop:
						return
					default:
					}
					begin := time.Now()
					if _, err := log.Record(ctx, tooltrail.Call{ToolName: "during_purge", SessionID: "s"}); err != nil {
						b.Error(err)
						return
					}
					mu.Lock()
					latencies = append(latencies, time.Since(begin))
					mu.Unlock()
				}
			})
		}
		begin := time.Now()
		deleted, err := log.PurgeBefore(ctx, cutoff)
		purge := time.Since(begin)
		close(stop)
		wg.Wait()
		if err != nil {
			b.Fatal(err)
		}
		if deleted != int64(old) {
			b.Errorf("purge deleted %d, want %d", deleted, old)
		}
		slices.Sort(latencies)
		p := func(q float64) time.Duration { return latencies[int(q*float64(len(latencies)-1))] }
		b.ReportMetric(purge.Seconds(), "purge-s")
		b.ReportMetric(float64(len(latencies))/purge.Seconds(), "writes/s")
		b.ReportMetric(float64(p(0.5).Microseconds())/1000, "write-p50-ms")
		b.ReportMetric(float64(p(0.99).Microseconds())/1000, "write-p99-ms")
		b.ReportMetric(float64(latencies[len(latencies)-1].Microseconds())/1000, "write-max-ms")
	}
}
