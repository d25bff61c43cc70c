package export_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/export"
	"github.com/tooltrail/tooltrail/sqlite"
)

// BenchmarkExport exports the whole data set of the SQLite read benchmark
// (TOOLTRAIL_BENCH_DIR/read-1000000.db, built by `go test ./sqlite -bench
// Read`) to io.Discard, in each format. Run it under /usr/bin/time -v to
// see that memory stays flat.
func BenchmarkExport(b *testing.B) {
	path := filepath.Join(os.Getenv("TOOLTRAIL_BENCH_DIR"), "read-1000000.db")
	if _, err := os.Stat(path); err != nil {
		b.Skipf("no data set at %s (set TOOLTRAIL_BENCH_DIR and build it with the sqlite read benchmark)", path)
	}
	ctx := context.Background()
	store, err := sqlite.Open(ctx, sqlite.Config{Path: path})
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	log, err := tooltrail.New(ctx, store, tooltrail.Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer log.Close()
	for _, format := range []export.Format{export.NDJSON, export.CSV} {
		b.Run(string(format), func(b *testing.B) {
			var n int64
			for range b.N {
				if n, err = export.Write(ctx, io.Discard, log, tooltrail.Filter{}, format, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
		})
	}
}
