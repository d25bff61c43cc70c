package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tooltrail/tooltrail"
	"golang.org/x/mod/sumdb/note"
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

// StartNotary starts a notary on store as tooltrail serve runs one: told
// of every batch through the Log's Committed hook, signing at most every
// MinGap (100 ms), and writing every checkpoint to a file in dir (replaced
// atomically) besides the store. It stops when the test ends. Pass
// Notify to tooltrail.Config.Committed.
func StartNotary(tb testing.TB, store tooltrail.Store, dir string) *tooltrail.Notary {
	tb.Helper()
	// A fixed key: the data sets of the benchmarks outlive a run, and
	// the checkpoint a run saves in one must open in the next.
	skey, vkey, err := note.GenerateKey(bytes.NewReader(bytes.Repeat([]byte{1}, 64)), "bench.test/log")
	if err != nil {
		tb.Fatal(err)
	}
	path := filepath.Join(dir, "checkpoint")
	n, err := tooltrail.NewNotary(context.Background(), store, tooltrail.NotaryConfig{
		SignerKey: skey, VerifierKey: vkey,
		// The data sets are the benchmarks' own and outlive the files of
		// a run: start from the checkpoint a former run left in the store.
		TrustStore: true,
		Publish: func(_ context.Context, c tooltrail.SignedCheckpoint) error {
			if err := os.WriteFile(path+".tmp", c.Note, 0o644); err != nil {
				return err
			}
			return os.Rename(path+".tmp", path)
		},
	})
	if err != nil {
		tb.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { n.Run(ctx); close(done) }()
	tb.Cleanup(func() { stop(); <-done })
	return n
}

// BenchVerify measures tooltrail.Verify over a whole store, as `tooltrail
// verify` runs it: once per iteration, against a checkpoint a notary signs
// first. It reports the entries checked per second and fails if the store
// does not verify.
func BenchVerify(b *testing.B, store tooltrail.Store) {
	ctx := context.Background()
	n := StartNotary(b, store, b.TempDir())
	v, err := note.NewVerifier(n.VerifierKey())
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	var checked int64
	begin := time.Now()
	for range b.N {
		rep, err := tooltrail.Verify(ctx, store, tooltrail.VerifyOptions{Verifier: v})
		if err != nil {
			b.Fatal(err)
		}
		if !rep.OK() {
			b.Fatalf("the bench store does not verify: %v", rep.Problems)
		}
		checked += rep.Checked
	}
	took := time.Since(begin)
	b.ReportMetric(float64(checked)/took.Seconds(), "entries/s")
	b.ReportMetric(took.Seconds()/float64(b.N), "s/verify")
}
