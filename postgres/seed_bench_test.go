package postgres_test

import (
	"context"
	"encoding/json"
	"fmt"
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
	"github.com/tooltrail/tooltrail/storetest"
)

// seedSchema is oAI-Web's audit_log as its code uses it: the timestamp as
// ISO 8601 text, arguments as jsonb, no index but the primary key.
const seedSchema = `CREATE TABLE audit_log (
	id serial PRIMARY KEY, timestamp text NOT NULL, session_id text, tool_name text NOT NULL,
	arguments jsonb, result_summary text, confirmed boolean NOT NULL DEFAULT false, task_id text, user_id text)`

// seedInsert is the seed's record: one INSERT a call, in its own
// transaction.
const seedInsert = `INSERT INTO audit_log (timestamp, session_id, tool_name, arguments, result_summary, confirmed, task_id, user_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`

// seedDesign is the seed's audit log on one schema, for comparison.
type seedDesign struct{ pool *pgxpool.Pool }

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
	if _, err := pool.Exec(ctx, seedSchema); err != nil {
		b.Fatal(err)
	}
	return &seedDesign{pool: pool}
}

// record is the seed's AuditLog.record.
func (s *seedDesign) record(ctx context.Context, c tooltrail.Call) error {
	args, err := json.Marshal(c.Arguments)
	if err != nil {
		return err
	}
	var id int64
	return s.pool.QueryRow(ctx, seedInsert, time.Now().UTC().Format("2006-01-02T15:04:05.000000+00:00"),
		nullable(c.SessionID), c.ToolName, args, nullable(c.ResultSummary), c.Confirmed, nullable(c.TaskID), nullable(c.UserID)).Scan(&id)
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// where builds the seed's WHERE clause for a filter, as its query and
// count do (with its tool_name unescaped, as it is).
func seedWhere(f tooltrail.Filter) (string, []any) {
	var clauses []string
	var args []any
	add := func(c string, v any) {
		args = append(args, v)
		clauses = append(clauses, fmt.Sprintf(c, len(args)))
	}
	if !f.Start.IsZero() {
		add("timestamp::timestamptz >= $%d::timestamptz", f.Start)
	}
	if !f.End.IsZero() {
		add("timestamp::timestamptz <= $%d::timestamptz", f.End)
	}
	if f.ToolName != "" {
		add("tool_name ILIKE $%d", "%"+f.ToolName+"%")
	}
	if f.SessionID != "" {
		add("session_id = $%d", f.SessionID)
	}
	if f.TaskID != "" {
		add("task_id = $%d", f.TaskID)
	}
	if f.ConfirmedOnly {
		clauses = append(clauses, "confirmed = TRUE")
	}
	if f.UserID != "" {
		add("user_id = $%d", f.UserID)
	}
	w := ""
	for i, c := range clauses {
		if i == 0 {
			w = "WHERE " + c
		} else {
			w += " AND " + c
		}
	}
	return w, args
}

// query is the seed's AuditLog.query: ORDER BY a cast, LIMIT and OFFSET.
func (s *seedDesign) query(ctx context.Context, f tooltrail.Filter) error {
	w, args := seedWhere(f)
	limit := f.Limit
	if limit == 0 {
		limit = tooltrail.DefaultLimit
	}
	args = append(args, limit, f.Offset)
	rows, err := s.pool.Query(ctx, fmt.Sprintf(`SELECT id, timestamp, session_id, tool_name, arguments, result_summary, confirmed, task_id, user_id
FROM audit_log %s ORDER BY timestamp::timestamptz DESC LIMIT $%d OFFSET $%d`, w, len(args)-1, len(args)), args...)
	if err != nil {
		return err
	}
	rows.Close()
	return rows.Err()
}

// count is the seed's AuditLog.count.
func (s *seedDesign) count(ctx context.Context, f tooltrail.Filter) (int64, error) {
	w, args := seedWhere(f)
	var n int64
	err := s.pool.QueryRow(ctx, "SELECT count(*) FROM audit_log "+w, args...).Scan(&n)
	return n, err
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
	recordAll(b, 256, n, seed.record)
	recordAll(b, 256, n, func(ctx context.Context, c tooltrail.Call) error { _, err := tlog.Record(ctx, c); return err })
	if _, err := seed.pool.Exec(ctx, "VACUUM ANALYZE audit_log"); err != nil {
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
		{"seed", seed.query, seed.count},
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
		return openSeed(b).record
	}
	log, _ := openBenchLog(b, url, pgtest.FreshSchema(b, url), false)
	return func(ctx context.Context, c tooltrail.Call) error { _, err := log.Record(ctx, c); return err }
}
