package httpapi_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/auth"
	"github.com/tooltrail/tooltrail/client"
	"github.com/tooltrail/tooltrail/httpapi"
	"github.com/tooltrail/tooltrail/internal/pgtest"
	"github.com/tooltrail/tooltrail/postgres"
	"github.com/tooltrail/tooltrail/redact"
	"github.com/tooltrail/tooltrail/sqlite"
)

// benchStores opens each store the HTTP benchmarks run on: SQLite in a
// temporary directory, and PostgreSQL on a fresh schema of
// TOOLTRAIL_TEST_POSTGRES (skipped when that is unset).
var benchStores = []struct {
	name string
	open func(b *testing.B) tooltrail.Store
}{
	{"sqlite", func(b *testing.B) tooltrail.Store {
		store, err := sqlite.Open(context.Background(), sqlite.Config{Path: filepath.Join(b.TempDir(), "bench.db")})
		if err != nil {
			b.Fatal(err)
		}
		return store
	}},
	{"postgres", func(b *testing.B) tooltrail.Store {
		url := pgtest.URL(b)
		store, err := postgres.Open(context.Background(), postgres.Config{URL: url, Schema: pgtest.FreshSchema(b, url)})
		if err != nil {
			b.Fatal(err)
		}
		return store
	}},
}

// BenchmarkHTTPRecord measures durable records per second over real HTTP
// on loopback, through the Go client, with 1, 16 and 64 concurrent
// callers, on each store; open as serve runs it (a writer token checked
// in the store on every request, and redaction with the default rules)
// and bare.
func BenchmarkHTTPRecord(b *testing.B) {
	for _, bs := range benchStores {
		for _, secured := range []bool{false, true} {
			for _, callers := range []int{1, 16, 64} {
				b.Run(fmt.Sprintf("store=%s/secured=%t/callers=%d", bs.name, secured, callers), func(b *testing.B) {
					benchHTTPRecord(b, bs.open(b), callers, secured)
				})
			}
		}
	}
}

func benchHTTPRecord(b *testing.B, store tooltrail.Store, callers int, secured bool) {
	ctx := context.Background()
	defer store.Close()
	m := httpapi.NewMetrics()
	cfg := tooltrail.Config{Observer: m}
	apiCfg := httpapi.Config{Metrics: m, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	var secret string
	if secured {
		r, err := redact.New(bytes.Repeat([]byte{1}, 32), redact.DefaultRules())
		if err != nil {
			b.Fatal(err)
		}
		cfg.Redactor = r
		tokens := store.(auth.Store)
		s, h, err := auth.NewSecret()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := tokens.CreateToken(ctx, auth.Token{Name: "bench", Role: auth.Writer, Hash: h, Created: time.Now()}); err != nil {
			b.Fatal(err)
		}
		apiCfg.Tokens, secret = tokens, s
	}
	log, err := tooltrail.New(ctx, store, cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer log.Close()
	srv := httptest.NewServer(httpapi.New(log, apiCfg))
	defer srv.Close()
	c := client.New(srv.URL)
	c.Token = secret
	c.HTTPClient = &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: callers, MaxConnsPerHost: callers},
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	begin := time.Now()
	for w := range callers {
		wg.Go(func() {
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					return
				}
				_, err := c.Record(ctx, tooltrail.Call{
					ToolName:      fmt.Sprintf("tool_%02d", i%40),
					Arguments:     map[string]any{"path": fmt.Sprintf("/srv/data/file-%d.txt", i), "caller": w, "options": map[string]any{"recursive": true, "depth": 3}},
					ResultSummary: "ok: 42 rows",
					SessionID:     fmt.Sprintf("session-%03d", i%500),
					UserID:        fmt.Sprintf("user-%02d", i%50),
				})
				if err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	// A store with a background indexer (SQLite) finishes its backlog on
	// the clock, so the rate is one it keeps up.
	if ix, ok := store.(interface{ IndexPending(context.Context) error }); ok {
		if err := ix.IndexPending(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(begin).Seconds(), "records/s")
}
