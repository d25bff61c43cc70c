package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/sqlite"
	"github.com/tooltrail/tooltrail/storetest"
)

// openBenchLog opens a log on a new store at path; signed starts a notary
// on it too, as serve runs one.
func openBenchLog(b *testing.B, path string, signed bool) (*tooltrail.Log, tooltrail.Store) {
	b.Helper()
	store, err := sqlite.Open(context.Background(), sqlite.Config{Path: path})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() }) // last: after the notary stopped
	cfg := tooltrail.Config{}
	if signed {
		n := storetest.StartNotary(b, store, filepath.Dir(path))
		cfg.Committed = func(tooltrail.Head) { n.Notify() }
	}
	log, err := tooltrail.New(context.Background(), store, cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { log.Close() })
	return log, store
}

// BenchmarkRecord measures durable records per second through the library
// with 1, 16 and 64 concurrent callers, with and without a notary signing
// checkpoints meanwhile. The time includes indexing what the background
// indexer had not moved yet when the last record returned, so the rate is
// one the store can keep up.
func BenchmarkRecord(b *testing.B) {
	for _, signed := range []bool{false, true} {
		for _, callers := range []int{1, 16, 64} {
			b.Run(fmt.Sprintf("signed=%t/callers=%d", signed, callers), func(b *testing.B) {
				log, store := openBenchLog(b, filepath.Join(b.TempDir(), "bench.db"), signed)
				b.ResetTimer()
				took := storetest.RecordConcurrently(b, log, callers, b.N)
				start := time.Now()
				if err := store.(*sqlite.Store).IndexPending(context.Background()); err != nil {
					b.Fatal(err)
				}
				took += time.Since(start)
				b.ReportMetric(float64(b.N)/took.Seconds(), "records/s")
			})
		}
	}
}

// benchEntries is the size of the data set of BenchmarkRead:
// TOOLTRAIL_BENCH_ENTRIES, default one million.
func benchEntries() int {
	if n, err := strconv.Atoi(os.Getenv("TOOLTRAIL_BENCH_ENTRIES")); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}

// BenchmarkRead measures query and count latency on a data set of
// benchEntries entries, built once (and kept in TOOLTRAIL_BENCH_DIR, when
// set, for the next run).
func BenchmarkRead(b *testing.B) {
	log, _ := benchDataSet(b)
	storetest.BenchRead(b, log, benchEntries())
}

// BenchmarkVerify measures verifying the whole data set of BenchmarkRead.
func BenchmarkVerify(b *testing.B) {
	_, store := benchDataSet(b)
	storetest.BenchVerify(b, store)
}

// benchDataSet opens the data set of benchEntries entries, building what
// is missing, in TOOLTRAIL_BENCH_DIR when it is set (kept for the next
// run), else in a temporary directory.
func benchDataSet(b *testing.B) (*tooltrail.Log, tooltrail.Store) {
	n := benchEntries()
	dir := os.Getenv("TOOLTRAIL_BENCH_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	path := filepath.Join(dir, fmt.Sprintf("read-%d.db", n))
	log, store := openBenchLog(b, path, false)
	head, err := log.Head(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	if head.Size < int64(n) {
		took := storetest.RecordConcurrently(b, log, 1000, n-int(head.Size))
		b.Logf("built %d entries in %v", n, took)
	}
	return log, store
}

// BenchmarkPurgeWhileRecording purges the oldest tenth of the data set of
// BenchmarkRead (or of the database in TOOLTRAIL_BENCH_DB, such as one
// tooltrail bench built) while 16 writers keep recording, until the eraser
// has deleted the purged rows. It changes the data set: run it once
// (-benchtime 1x).
func BenchmarkPurgeWhileRecording(b *testing.B) {
	var (
		log   *tooltrail.Log
		store tooltrail.Store
	)
	if path := os.Getenv("TOOLTRAIL_BENCH_DB"); path != "" {
		log, store = openBenchLog(b, path, false)
	} else {
		log, store = benchDataSet(b)
	}
	cutoff, old := storetest.PurgeCutoff(b, log)
	s := store.(*sqlite.Store)
	storetest.BenchPurgeWhileRecording(b, log, cutoff, old, func() bool { return s.Stats().EraseWaiting == 0 })
}
