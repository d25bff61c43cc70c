package storetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tooltrail/tooltrail"
)

// BenchCall returns a call shaped like an agent's: one of 40 tools, 500
// sessions, 50 users, arguments of about 300 bytes: the workload of every store's benchmarks.
func BenchCall(rng *rand.Rand, n int) tooltrail.Call {
	return tooltrail.Call{
		ToolName: fmt.Sprintf("tool_%02d", rng.IntN(40)),
		Arguments: map[string]any{
			"path":    fmt.Sprintf("/srv/data/project-%d/file-%d.txt", rng.IntN(100), n),
			"query":   "SELECT name, owner FROM resources WHERE region = 'eu-west-1' LIMIT 100",
			"options": map[string]any{"recursive": rng.IntN(2) == 0, "depth": rng.IntN(10), "encoding": "utf-8"},
			"n":       n,
		},
		ResultSummary: "ok: 42 rows, 1.2 KiB",
		Confirmed:     rng.IntN(4) == 0,
		SessionID:     fmt.Sprintf("session-%03d", rng.IntN(500)),
		TaskID:        fmt.Sprintf("task-%04d", rng.IntN(5000)),
		UserID:        fmt.Sprintf("user-%02d", rng.IntN(50)),
	}
}

// RecordConcurrently records n calls from callers goroutines and returns
// how long it took.
func RecordConcurrently(b *testing.B, log *tooltrail.Log, callers, n int) time.Duration {
	var next atomic.Int64
	var wg sync.WaitGroup
	begin := time.Now()
	for c := range callers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(c), 7))
			for {
				i := next.Add(1)
				if i > int64(n) {
					return
				}
				call := BenchCall(rng, int(i))
				_, err := log.Record(context.Background(), call)
				for try := 0; errors.Is(err, tooltrail.ErrUnavailable) && try < 3; try++ {
					b.Logf("record %d: %v; trying again", i, err)
					_, err = log.Record(context.Background(), call)
				}
				if err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	return time.Since(begin)
}

// BenchRead measures query and count latency on log, which holds n
// entries made by RecordConcurrently: the first page, the page 100,000
// entries deep by cursor and by offset, and the count, for each filter of
// oAI-Web's audit log alone and in combinations.
func BenchRead(b *testing.B, log *tooltrail.Log, n int) {
	ctx := context.Background()
	deep, err := log.Query(ctx, tooltrail.Filter{Limit: 1000, Offset: 100_000 - 1000})
	if err != nil {
		b.Fatal(err)
	}
	mid := time.UnixMicro(0)
	if len(deep.Entries) > 0 {
		mid = deep.Entries[0].Timestamp
	}
	cursorAt100k := tooltrail.EncodeCursor(int64(n) - 100_000)
	filters := []struct {
		name string
		f    tooltrail.Filter
	}{
		{"none", tooltrail.Filter{}},
		{"tool", tooltrail.Filter{ToolName: "tool_07"}},
		{"tool_substring", tooltrail.Filter{ToolName: "ol_1"}},
		{"session", tooltrail.Filter{SessionID: "session-123"}},
		{"task", tooltrail.Filter{TaskID: "task-0042"}},
		{"user", tooltrail.Filter{UserID: "user-07"}},
		{"confirmed", tooltrail.Filter{ConfirmedOnly: true}},
		{"time_range", tooltrail.Filter{Start: mid.Add(-time.Second), End: mid}},
		{"tool_user", tooltrail.Filter{ToolName: "tool_07", UserID: "user-07"}},
		{"user_confirmed_since", tooltrail.Filter{UserID: "user-07", ConfirmedOnly: true, Start: mid}},
	}
	for _, tt := range filters {
		b.Run("first_page/"+tt.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := log.Query(ctx, tt.f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	for _, tt := range filters {
		b.Run("cursor_page_100k/"+tt.name, func(b *testing.B) {
			f := tt.f
			f.Cursor = cursorAt100k
			for b.Loop() {
				if _, err := log.Query(ctx, f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("offset_page_100k/none", func(b *testing.B) {
		for b.Loop() {
			if _, err := log.Query(ctx, tooltrail.Filter{Offset: 100_000}); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, tt := range filters {
		b.Run("count/"+tt.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := log.Count(ctx, tt.f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
