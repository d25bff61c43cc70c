package mcpproxy

import (
	"context"
	"fmt"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/tooltrail/tooltrail/client"
	"github.com/tooltrail/tooltrail/httpapi"
	"github.com/tooltrail/tooltrail/internal/mcptest"
)

// BenchmarkToolCall measures a tools/call with one caller and with 16 at
// once (an agent with parallel tool calls, or several agents on one
// proxy): straight to the server, and through the proxy recording into a
// local SQLite store and into a tooltrail server over HTTP. It reports
// the p50 and p99 latency of one call; the proxy's overhead is the
// difference.
func BenchmarkToolCall(b *testing.B) {
	for _, bc := range []struct {
		mode    string
		callers int
	}{{"direct", 1}, {"proxy-local", 1}, {"proxy-server", 1}, {"direct", 16}, {"proxy-local", 16}, {"proxy-server", 16}} {
		mode, benchCallers := bc.mode, bc.callers
		b.Run(fmt.Sprintf("%s/callers=%d", mode, benchCallers), func(b *testing.B) {
			cs := benchClient(b, mode)
			lat := make([]time.Duration, 0, b.N)
			var mu sync.Mutex
			var wg sync.WaitGroup
			next := make(chan int, b.N)
			for i := range b.N {
				next <- i
			}
			close(next)
			b.ResetTimer()
			for range benchCallers {
				wg.Go(func() {
					for i := range next {
						began := time.Now()
						_, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "echo", Arguments: map[string]any{"text": fmt.Sprint("call ", i)}})
						took := time.Since(began)
						if err != nil {
							b.Error(err)
							return
						}
						mu.Lock()
						lat = append(lat, took)
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			b.StopTimer()
			slices.Sort(lat)
			if len(lat) > 0 {
				b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
				b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
			}
		})
	}
}

// benchClient connects a client to the test server, directly or through a
// proxy that records as mode says.
func benchClient(b *testing.B, mode string) *mcp.ClientSession {
	b.Helper()
	ctx := context.Background()
	var agentT mcp.Transport
	if mode == "direct" {
		ct, st := mcp.NewInMemoryTransports()
		if _, err := mcptest.NewServer().Connect(ctx, st, nil); err != nil {
			b.Fatal(err)
		}
		agentT = ct
	} else {
		log := newLog(b)
		var rec Recorder = log
		if mode == "proxy-server" {
			hs := httptest.NewServer(httpapi.New(log, httpapi.Config{Logger: quietLogger()}))
			b.Cleanup(hs.Close)
			rec = client.New(hs.URL)
		}
		p, err := New(Config{Recorder: rec, Logger: quietLogger()})
		if err != nil {
			b.Fatal(err)
		}
		serverConn, srvR, srvW := pipeConn()
		go mcptest.NewServer().Run(ctx, &mcp.IOTransport{Reader: srvR, Writer: srvW})
		agentConn, cliR, cliW := pipeConn()
		go p.Serve(ctx, agentConn, serverConn)
		agentT = &mcp.IOTransport{Reader: cliR, Writer: cliW}
	}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "bench", Version: "1"}, nil).Connect(ctx, agentT, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cs.Close() })
	return cs
}
