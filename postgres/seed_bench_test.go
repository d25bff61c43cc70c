package postgres_test

import (
	"context"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/internal/pgtest"
	"github.com/tooltrail/tooltrail/internal/seeddesign"
	"github.com/tooltrail/tooltrail/storetest"
)

// seedDesign is the seed's audit log on one schema, for comparison.
type seedDesign struct{ *seeddesign.Design }

func openSeed(b *testing.B) *seedDesign {
	b.Helper()
	url := pgtest.URL(b)
	schema := pgtest.FreshSchema(b, url)
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		b.Fatal(err)
	}
	cfg.MaxConns = 64
	cfg.ConnConfig.RuntimeParams["search_path"] = schema
	ctx := context.Background()
	conn := pgtest.Connect(b, url, "")
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize()); err != nil {
		b.Fatal(err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	d := &seeddesign.Design{Pool: pool}
	if err := d.Create(ctx); err != nil {
		b.Fatal(err)
	}
	return &seedDesign{d}
}

// seedEntries is the size of the comparison's data sets:
// TOOLTRAIL_SEED_ENTRIES, default 200,000.
func seedEntries() int {
	if n, err := strconv.Atoi(os.Getenv("TOOLTRAIL_SEED_ENTRIES")); err == nil && n > 0 {
		return n
	}
	return 200_000
}

// recordAll records n calls of the benchmark workload with callers
// goroutines through record and returns how long it took.
func recordAll(b *testing.B, callers, n int, record func(context.Context, tooltrail.Call) error) time.Duration {
	var next atomic.Int64
	var wg sync.WaitGroup
	begin := time.Now()
	for c := range callers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(c), 11))
			for {
				i := next.Add(1)
				if i > int64(n) {
					return
				}
				if err := record(context.Background(), storetest.BenchCall(rng, int(i))); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	return time.Since(begin)
}

// BenchmarkSeedComparison puts tooltrail's PostgreSQL store and the design
// of oAI-Web's audit log (text timestamps, ORDER BY a cast, OFFSET,
// ILIKE, one INSERT a call) side by side on the same database in one run:
// durable records/s with 16 callers, then first pages, a page 100,000
// deep and counts on data sets of seedEntries entries built alike.
func BenchmarkSeedComparison(b *testing.B) {
	url := pgtest.URL(b)
	b.Run("record/callers=16", func(b *testing.B) {
		for _, design := range []string{"seed", "tooltrail"} {
			b.Run("design="+design, func(b *testing.B) {
				rec := recorderOf(b, design, url)
				b.ResetTimer()
				took := recordAll(b, 16, b.N, rec)
				b.ReportMetric(float64(b.N)/took.Seconds(), "records/s")
			})
		}
	})
	b.Run("read", func(b *testing.B) { benchSeedReads(b, url) })
}

// benchSeedReads builds a data set of seedEntries entries in each design
// and measures first pages, a page 100,000 deep and counts on both.
func benchSeedReads(b *testing.B, url string) {
	ctx := context.Background()
	n := seedEntries()
	seed := openSeed(b)
	tlog, _ := openBenchLog(b, url, pgtest.FreshSchema(b, url), false)
	b.Logf("building %d entries in each design", n)
	recordAll(b, 256, n, seed.Record)
	recordAll(b, 256, n, func(ctx context.Context, c tooltrail.Call) error { _, err := tlog.Record(ctx, c); return err })
	if _, err := seed.Pool.Exec(ctx, "VACUUM ANALYZE audit_log"); err != nil {
		b.Fatal(err)
	}
	mid := time.Now().Add(-time.Minute)
	filters := []struct {
		name string
		f    tooltrail.Filter
	}{
		{"none", tooltrail.Filter{}},
		{"tool_substring", tooltrail.Filter{ToolName: "ol_1"}},
		{"session", tooltrail.Filter{SessionID: "session-123"}},
		{"user", tooltrail.Filter{UserID: "user-07"}},
		{"confirmed", tooltrail.Filter{ConfirmedOnly: true}},
		{"since", tooltrail.Filter{Start: mid}},
	}
	designs := []struct {
		name  string
		query func(context.Context, tooltrail.Filter) error
		count func(context.Context, tooltrail.Filter) (int64, error)
	}{
		{"seed", seed.Query, seed.Count},
		{"tooltrail", func(ctx context.Context, f tooltrail.Filter) error { _, err := tlog.Query(ctx, f); return err }, tlog.Count},
	}
	for _, tt := range filters {
		for _, d := range designs {
			b.Run("first_page/"+tt.name+"/design="+d.name, func(b *testing.B) {
				for b.Loop() {
					if err := d.query(ctx, tt.f); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
	for _, d := range designs {
		b.Run("offset_page_100k/design="+d.name, func(b *testing.B) {
			f := tooltrail.Filter{Offset: min(100_000, n-50)}
			for b.Loop() {
				if err := d.query(ctx, f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	for _, tt := range filters {
		for _, d := range designs {
			b.Run("count/"+tt.name+"/design="+d.name, func(b *testing.B) {
				for b.Loop() {
					if _, err := d.count(ctx, tt.f); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// recorderOf returns how a design records, on a new schema.
func recorderOf(b *testing.B, design, url string) func(context.Context, tooltrail.Call) error {
	if design == "seed" {
		return openSeed(b).Record
	}
	log, _ := openBenchLog(b, url, pgtest.FreshSchema(b, url), false)
	return func(ctx context.Context, c tooltrail.Call) error { _, err := log.Record(ctx, c); return err }
}
