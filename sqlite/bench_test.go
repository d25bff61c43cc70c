package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/sqlite"
	"github.com/tooltrail/tooltrail/storetest"
)

func openBenchLog(b *testing.B, path string) *tooltrail.Log {
	b.Helper()
	store, err := sqlite.Open(context.Background(), sqlite.Config{Path: path})
	if err != nil {
		b.Fatal(err)
	}
	log, err := tooltrail.New(context.Background(), store, tooltrail.Config{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { log.Close(); store.Close() })
	return log
}

// BenchmarkRecord measures durable records per second through the library
// with 1, 16 and 64 concurrent callers.
func BenchmarkRecord(b *testing.B) {
	for _, callers := range []int{1, 16, 64} {
		b.Run(fmt.Sprintf("callers=%d", callers), func(b *testing.B) {
			log := openBenchLog(b, filepath.Join(b.TempDir(), "bench.db"))
			b.ResetTimer()
			took := storetest.RecordConcurrently(b, log, callers, b.N)
			b.ReportMetric(float64(b.N)/took.Seconds(), "records/s")
		})
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
	n := benchEntries()
	dir := os.Getenv("TOOLTRAIL_BENCH_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	path := filepath.Join(dir, fmt.Sprintf("read-%d.db", n))
	log := openBenchLog(b, path)
	ctx := context.Background()
	head, err := log.Head(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if head.Size < int64(n) {
		took := storetest.RecordConcurrently(b, log, 1000, n-int(head.Size))
		b.Logf("built %d entries in %v", n, took)
	}
	storetest.BenchRead(b, log, n)
}
