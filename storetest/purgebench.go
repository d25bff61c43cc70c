package storetest

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tooltrail/tooltrail"
)

// PurgeCutoff returns the time before which the oldest tenth of the tree's
// entries lie among those still live, and how many entries that is: what
// BenchPurgeWhileRecording purges on a data set built before (again after
// each purge).
func PurgeCutoff(b *testing.B, log *tooltrail.Log) (time.Time, int) {
	b.Helper()
	ctx := context.Background()
	head, err := log.Head(ctx)
	if err != nil {
		b.Fatal(err)
	}
	live, err := log.Count(ctx, tooltrail.Filter{})
	if err != nil {
		b.Fatal(err)
	}
	first := head.Size - live + 1 // purges remove the oldest: the live ids are the last ones
	e, err := log.Entry(ctx, first+head.Size/10)
	if err != nil {
		b.Fatal(err)
	}
	before, err := log.Count(ctx, tooltrail.Filter{End: e.Timestamp.Add(-time.Microsecond)})
	if err != nil {
		b.Fatal(err)
	}
	return e.Timestamp, int(before)
}

// BenchPurgeWhileRecording purges the old entries of log recorded before
// cutoff while 16 writers keep recording, and reports how long the purge
// took and the writers' latency meanwhile (nearest-rank percentiles). A
// store that deletes purged rows in the background passes erased, which
// says whether it has finished: the writers then go on until it has, their
// latencies count over the whole time, and the time until then is
// reported as erase-s. Run it once (-benchtime 1x): the purge changes the
// data set.
func BenchPurgeWhileRecording(b *testing.B, log *tooltrail.Log, cutoff time.Time, old int, erased func() bool) {
	ctx := context.Background()
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
	for erased != nil && err == nil && !erased() {
		time.Sleep(10 * time.Millisecond)
	}
	span := time.Since(begin)
	close(stop)
	wg.Wait()
	if err != nil {
		b.Fatal(err)
	}
	if deleted != int64(old) {
		b.Errorf("purge deleted %d, want %d", deleted, old)
	}
	if len(latencies) == 0 {
		b.Fatal("no write finished during the purge")
	}
	slices.Sort(latencies)
	p := func(q float64) time.Duration {
		return latencies[min(len(latencies)-1, max(0, int(float64(len(latencies))*q+0.999999)-1))]
	}
	b.ReportMetric(purge.Seconds(), "purge-s")
	if erased != nil {
		b.ReportMetric(span.Seconds(), "erase-s")
	}
	b.ReportMetric(float64(len(latencies))/span.Seconds(), "writes/s")
	b.ReportMetric(float64(p(0.5).Microseconds())/1000, "write-p50-ms")
	b.ReportMetric(float64(p(0.99).Microseconds())/1000, "write-p99-ms")
	b.ReportMetric(float64(latencies[len(latencies)-1].Microseconds())/1000, "write-max-ms")
}
