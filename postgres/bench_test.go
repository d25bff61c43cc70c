package postgres_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/internal/pgtest"
	"github.com/tooltrail/tooltrail/postgres"
	"github.com/tooltrail/tooltrail/storetest"
)

// openBenchLog opens a log on schema; signed starts a notary on it too,
// as serve runs one.
func openBenchLog(b *testing.B, url, schema string, signed bool) (*tooltrail.Log, tooltrail.Store) {
	b.Helper()
	store, err := postgres.Open(context.Background(), postgres.Config{URL: url, Schema: schema})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() }) // last: after the notary stopped
	cfg := tooltrail.Config{}
	if signed {
		n := storetest.StartNotary(b, store, b.TempDir())
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
// with 1, 16 and 64 concurrent callers, each on a new schema, with and
// without a notary signing checkpoints meanwhile.
func BenchmarkRecord(b *testing.B) {
	url := pgtest.URL(b)
	for _, signed := range []bool{false, true} {
		for _, callers := range []int{1, 16, 64} {
			b.Run(fmt.Sprintf("signed=%t/callers=%d", signed, callers), func(b *testing.B) {
				log, _ := openBenchLog(b, url, pgtest.FreshSchema(b, url), signed)
				b.ResetTimer()
				took := storetest.RecordConcurrently(b, log, callers, b.N)
				b.ReportMetric(float64(b.N)/took.Seconds(), "records/s")
			})
		}
	}
}

// BenchmarkRecordTwoServers measures durable records per second with two
// stores (two pools, as two servers behind a load balancer would have) on
// one schema, each with its own Log and half of the callers: the head
// row's lock makes them take turns.
func BenchmarkRecordTwoServers(b *testing.B) {
	url := pgtest.URL(b)
	for _, callers := range []int{2, 32} {
		b.Run(fmt.Sprintf("callers=%d", callers), func(b *testing.B) {
			schema := pgtest.FreshSchema(b, url)
			var logs [2]*tooltrail.Log
			for i := range logs {
				logs[i], _ = openBenchLog(b, url, schema, false)
			}
			b.ResetTimer()
			start := time.Now()
			var wg sync.WaitGroup
			for i, log := range logs {
				n := b.N / 2
				if i == 0 {
					n = b.N - n
				}
				wg.Go(func() { storetest.RecordConcurrently(b, log, callers/2, n) })
			}
			wg.Wait()
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "records/s")
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
// benchEntries entries, built once: in the schema TOOLTRAIL_BENCH_SCHEMA,
// kept for the next run, when it is set; else in a new schema dropped at
// the end. The tables are analyzed before measuring, as autovacuum would
// have done (it may be off on a test server).
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
// is missing, in the schema TOOLTRAIL_BENCH_SCHEMA when it is set (kept
// for the next run), else in a new schema dropped at the end. The tables
// are analyzed, as autovacuum would have done (it may be off on a test
// server).
func benchDataSet(b *testing.B) (*tooltrail.Log, tooltrail.Store) {
	url := pgtest.URL(b)
	n := benchEntries()
	schema := os.Getenv("TOOLTRAIL_BENCH_SCHEMA")
	if schema == "" {
		schema = pgtest.FreshSchema(b, url)
	}
	log, store := openBenchLog(b, url, schema, false)
	ctx := context.Background()
	head, err := log.Head(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if head.Size < int64(n) {
		took := storetest.RecordConcurrently(b, log, 1000, n-int(head.Size))
		b.Logf("built %d entries in %v", n, took)
	}
	conn := pgtest.Connect(b, url, schema)
	if _, err := conn.Exec(ctx, "VACUUM ANALYZE entries, names, counts, hashes"); err != nil {
		b.Fatal(err)
	}
	return log, store
}

// BenchmarkInsertEntries compares ways to write a batch of entry rows
// inside one open transaction (no commit, so no fsync): COPY, one INSERT
// of arrays (unnest), and one multi-row INSERT ... VALUES. It informed the
// choice of unnest for Append, which also lets every write of a batch and
// its COMMIT share one round trip, as COPY cannot.
func BenchmarkInsertEntries(b *testing.B) {
	url := pgtest.URL(b)
	schema := pgtest.FreshSchema(b, url)
	openStore(b, url, schema) // creates the tables
	conn := connectAsServer(b, url, schema)
	ctx := context.Background()
	leaf := []byte(`{"v":1,"id":1,"timestamp":"2026-03-01T12:00:00.000000Z","tool_name":"tool_07","arguments":{"n":1,"options":{"depth":3,"encoding":"utf-8","recursive":true},"path":"/srv/data/project-12/file-1.txt","query":"SELECT name, owner FROM resources WHERE region = 'eu-west-1' LIMIT 100"},"result_summary":"ok: 42 rows, 1.2 KiB","confirmed":false,"session_id":"session-123","task_id":"task-0042","user_id":"user-07","call_id":null}`)
	cols := []string{"id", "ts", "tool", "session", "task", "user", "confirmed", "call_id", "leaf"}
	row := func(id int64) []any {
		return []any{id, time.Now().UTC(), id % 40, pgtype.Int8{Int64: id % 500, Valid: true},
			pgtype.Int8{Int64: id % 5000, Valid: true}, pgtype.Int8{Int64: id % 50, Valid: true}, id%4 == 0, pgtype.Text{}, leaf}
	}
	methods := []struct {
		name  string
		write func(tx pgx.Tx, first int64, n int) error
	}{
		{"copy", func(tx pgx.Tx, first int64, n int) error {
			_, err := tx.CopyFrom(ctx, pgx.Identifier{"entries"}, cols, pgx.CopyFromSlice(n, func(i int) ([]any, error) { return row(first + int64(i)), nil }))
			return err
		}},
		{"unnest", func(tx pgx.Tx, first int64, n int) error {
			arrays := make([][]any, len(cols))
			for i := range n {
				for c, v := range row(first + int64(i)) {
					arrays[c] = append(arrays[c], v)
				}
			}
			ids, ts, tools, confirmed := make([]int64, n), make([]time.Time, n), make([]int64, n), make([]bool, n)
			sessions, tasks, users, callIDs, leaves := make([]pgtype.Int8, n), make([]pgtype.Int8, n), make([]pgtype.Int8, n), make([]pgtype.Text, n), make([][]byte, n)
			for i := range n {
				ids[i], ts[i], tools[i] = arrays[0][i].(int64), arrays[1][i].(time.Time), arrays[2][i].(int64)
				sessions[i], tasks[i], users[i] = arrays[3][i].(pgtype.Int8), arrays[4][i].(pgtype.Int8), arrays[5][i].(pgtype.Int8)
				confirmed[i], callIDs[i], leaves[i] = arrays[6][i].(bool), arrays[7][i].(pgtype.Text), arrays[8][i].([]byte)
			}
			_, err := tx.Exec(ctx, `INSERT INTO entries (id, ts, tool, session, task, "user", confirmed, call_id, leaf)
SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::boolean[], $8::text[], $9::bytea[])`,
				ids, ts, tools, sessions, tasks, users, confirmed, callIDs, leaves)
			return err
		}},
		{"values", func(tx pgx.Tx, first int64, n int) error {
			var sql strings.Builder
			sql.WriteString(`INSERT INTO entries (id, ts, tool, session, task, "user", confirmed, call_id, leaf) VALUES `)
			vals := make([]any, 0, n*len(cols))
			for i := range n {
				if i > 0 {
					sql.WriteString(",")
				}
				sql.WriteString("(")
				for c := range cols {
					if c > 0 {
						sql.WriteString(",")
					}
					sql.WriteString("$" + strconv.Itoa(len(vals)+c+1))
				}
				sql.WriteString(")")
				vals = append(vals, row(first+int64(i))...)
			}
			_, err := tx.Exec(ctx, sql.String(), vals...)
			return err
		}},
	}
	for _, rows := range []int{1, 10, 100, 1000} {
		for _, m := range methods {
			b.Run(fmt.Sprintf("rows=%d/%s", rows, m.name), func(b *testing.B) {
				tx, err := conn.Begin(ctx)
				if err != nil {
					b.Fatal(err)
				}
				defer tx.Rollback(ctx)
				next := int64(1)
				for b.Loop() {
					if err := m.write(tx, next, rows); err != nil {
						b.Fatal(err)
					}
					next += int64(rows)
				}
				b.ReportMetric(float64(b.N*rows)/b.Elapsed().Seconds(), "rows/s")
			})
		}
	}
}
