package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/tooltrail/tooltrail"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

func testPurge(t *testing.T, open OpenFunc) {
	day := 24 * time.Hour
	clock := NewClock(start, 0)
	log := newLog(t, open, clock)
	var leaves []tlog.Hash // every leaf hash, from the receipts
	for d := range 10 {    // one entry a day, days 0..9
		clock.Set(start.Add(time.Duration(d) * day))
		leaves = append(leaves, record(t, log, tooltrail.Call{ToolName: "daily", UserID: "u"}).LeafHash)
	}
	clock.Set(start.Add(9*day + time.Hour))
	before, err := log.Head(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	days := 3
	n, err := log.Purge(context.Background(), &days)
	if err != nil {
		t.Fatal(err)
	}
	// Older than 3 days before day 9, 13:00: days 0..6 go, 7..9 stay.
	if n != 7 {
		t.Errorf("Purge(3 days) deleted %d, want 7", n)
	}
	got := ids(all(t, log, tooltrail.Filter{}))
	if want := []int64{11, 10, 9, 8}; !slices.Equal(got, want) {
		t.Errorf("after purge ids = %v, want %v (the purge entry and days 7..9)", got, want)
	}
	pe, err := log.Entry(context.Background(), 11)
	if err != nil {
		t.Fatal(err)
	}
	if pe.ToolName != tooltrail.PurgeTool || pe.ResultSummary != "deleted 7 entries" ||
		string(pe.Arguments) != `{"before":"2026-03-07T13:00:00.000000Z","deleted":7,"older_than_days":3,"purged_through":7}` {
		t.Errorf("purge entry = %s %s %q", pe.ToolName, pe.Arguments, pe.ResultSummary)
	}
	if _, err := log.Entry(context.Background(), 1); !errors.Is(err, tooltrail.ErrNotFound) {
		t.Errorf("Entry(1) after purge: %v, want ErrNotFound", err)
	}
	after, err := log.Head(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if after.Size != before.Size+1 {
		t.Errorf("head size %d after purge, want %d: purge keeps the tree and adds its own entry", after.Size, before.Size+1)
	}
	leaves = append(leaves, tooltrail.LeafHash(pe.Leaf))
	if root := RootOf(t, leaves); root != after.Root {
		t.Errorf("root after purge %v, want %v computed from every leaf ever recorded", after.Root, root)
	}
	for _, f := range []tooltrail.Filter{{}, {ToolName: "daily"}, {UserID: "u"}} {
		want := map[string]int64{"": 4, "daily": 3, "u": 3}[f.ToolName+f.UserID]
		if n, err := log.Count(context.Background(), f); err != nil || n != want {
			t.Errorf("Count(%+v) after purge = %d, %v; want %d", f, n, err, want)
		}
	}
	// Time-only counts over a purged prefix: from before the first entry
	// ever, and up to the purge's own entry.
	for _, tc := range []struct {
		f    tooltrail.Filter
		want int64
	}{
		{tooltrail.Filter{Start: start.Add(-time.Hour)}, 4},
		{tooltrail.Filter{End: pe.Timestamp.Add(-time.Microsecond)}, 3},
		{tooltrail.Filter{Start: start.Add(-time.Hour), End: pe.Timestamp}, 4},
	} {
		if n, err := log.Count(context.Background(), tc.f); err != nil || n != tc.want {
			t.Errorf("Count(%+v) after purge = %d, %v; want %d", tc.f, n, err, tc.want)
		}
	}
	tools, err := log.Tools(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]tooltrail.ToolCount{{Name: "daily", Count: 3}, {Name: tooltrail.PurgeTool, Count: 1}}, tools); diff != "" {
		t.Errorf("Tools after purge (-want +got):\n%s", diff)
	}
	t.Run("ErrNegativeDays", func(t *testing.T) {
		neg := -1
		if _, err := log.Purge(context.Background(), &neg); !errors.Is(err, tooltrail.ErrInvalidArgument) {
			t.Errorf("Purge(-1): %v, want ErrInvalidArgument", err)
		}
	})
	t.Run("All", func(t *testing.T) {
		n, err := log.Purge(context.Background(), nil)
		if err != nil || n != 4 {
			t.Fatalf("Purge(nil) = %d, %v; want 4", n, err)
		}
		got := all(t, log, tooltrail.Filter{})
		if len(got) != 1 || got[0].ToolName != tooltrail.PurgeTool || string(got[0].Arguments) != `{"deleted":4,"older_than_days":null,"purged_through":11}` {
			t.Errorf("after purging all: %+v, want only the purge entry", got)
		}
		if n, err := log.Count(context.Background(), tooltrail.Filter{}); err != nil || n != 1 {
			t.Errorf("Count after purging all = %d, %v; want 1", n, err)
		}
		h, _ := log.Head(context.Background())
		leaves = append(leaves, tooltrail.LeafHash(must(log.Entry(context.Background(), h.Size)).Leaf))
		if root := RootOf(t, leaves); root != h.Root {
			t.Errorf("root after purging all %v, want %v", h.Root, root)
		}
		record(t, log, tooltrail.Call{ToolName: "after"})
		if h2, _ := log.Head(context.Background()); h2.Size != h.Size+1 {
			t.Errorf("ids after purge: head %d, want %d (ids never reused)", h2.Size, h.Size+1)
		}
	})
	t.Run("BeforeTime", func(t *testing.T) {
		clock.Set(start.Add(20 * day))
		record(t, log, tooltrail.Call{ToolName: "later"})
		// The purge-all entry and "after" are older than day 15.
		n, err := log.PurgeBefore(context.Background(), start.Add(15*day))
		if err != nil || n != 2 {
			t.Errorf("PurgeBefore(day 15) = %d, %v; want 2", n, err)
		}
		got := all(t, log, tooltrail.Filter{})
		if len(got) != 2 || got[1].ToolName != "later" || got[0].ToolName != tooltrail.PurgeTool {
			t.Errorf("after PurgeBefore: %d entries (%v), want the entry of day 20 and the purge entry", len(got), ids(got))
		}
	})
	t.Run("HugeDaysDeleteNothing", func(t *testing.T) {
		for _, d := range []int{106_752, 1_000_000} {
			n, err := log.Purge(context.Background(), &d)
			if err != nil || n != 0 {
				t.Errorf("Purge(%d days) = %d, %v; want 0 deleted", d, n, err)
			}
		}
		huge := 1_000_001
		if _, err := log.Purge(context.Background(), &huge); !errors.Is(err, tooltrail.ErrInvalidArgument) {
			t.Errorf("Purge(%d days): %v, want ErrInvalidArgument", huge, err)
		}
	})
}

// testPurgeWhileRecording purges thousands of entries, in the store's
// bounded chunks, while writers keep recording: every write succeeds, the
// purge deletes exactly the entries before its cutoff, and everything else
// stays.
func testPurgeWhileRecording(t *testing.T, open OpenFunc) {
	log := newLog(t, open, nil)
	ctx := context.Background()
	var (
		mu       sync.Mutex
		receipts []tooltrail.Receipt
		wg       sync.WaitGroup
	)
	for w := range 16 {
		wg.Go(func() {
			for i := range 700 {
				r, err := log.Record(ctx, tooltrail.Call{ToolName: "old", Arguments: []int{w, i}})
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				receipts = append(receipts, r)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	cutoff := time.Now().Add(time.Millisecond)
	for time.Now().Before(cutoff) {
		time.Sleep(time.Millisecond)
	}
	stop := make(chan struct{})
	var during []tooltrail.Receipt
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				r, err := log.Record(ctx, tooltrail.Call{ToolName: "new"})
				if err != nil {
					t.Errorf("record during purge: %v", err)
					return
				}
				mu.Lock()
				during = append(during, r)
				mu.Unlock()
			}
		})
	}
	n, err := log.PurgeBefore(ctx, cutoff)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(len(receipts)) {
		t.Errorf("purge deleted %d, want the %d entries recorded before the cutoff", n, len(receipts))
	}
	if len(during) == 0 {
		t.Error("no record completed while the purge ran")
	}
	for _, r := range during {
		if _, err := log.Entry(ctx, r.ID); err != nil {
			t.Fatalf("entry %d recorded during the purge: %v", r.ID, err)
		}
	}
	total, err := log.Count(ctx, tooltrail.Filter{})
	if err != nil || total != int64(len(during))+1 {
		t.Errorf("count after purge = %d, %v; want the %d recorded during it and the purge entry", total, err, len(during))
	}
}

// testConcurrentPurges runs purges at once through two Logs on one store,
// as two servers on one database would: no purge claims an entry another
// deleted (what they say they deleted adds up to the last one's
// purged_through), the count is what the last one leaves, and Verify is
// clean.
func testConcurrentPurges(t *testing.T, open OpenFunc) {
	ctx := context.Background()
	store := open(t)
	logs := make([]*tooltrail.Log, 2)
	for i := range logs {
		l, err := tooltrail.New(ctx, store, tooltrail.Config{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		logs[i] = l
	}
	for i := range 300 {
		record(t, logs[i%2], tooltrail.Call{ToolName: "old", Arguments: []int{i}})
	}
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		deleted int64
	)
	for i := range 6 {
		wg.Go(func() {
			n, err := logs[i%2].Purge(ctx, nil)
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			deleted += n
			mu.Unlock()
		})
	}
	wg.Wait()
	page, err := logs[0].Query(ctx, tooltrail.Filter{ToolName: tooltrail.PurgeTool, Limit: 1})
	if err != nil || len(page.Entries) != 1 {
		t.Fatalf("the last purge entry: %d entries, %v", len(page.Entries), err)
	}
	var last struct {
		Through int64 `json:"purged_through"`
	}
	if err := json.Unmarshal(page.Entries[0].Arguments, &last); err != nil {
		t.Fatal(err)
	}
	if deleted != last.Through {
		t.Errorf("the purges say they deleted %d entries in all, but entries up to %d are gone: some claimed the same ones", deleted, last.Through)
	}
	head, err := logs[0].Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := logs[0].Count(ctx, tooltrail.Filter{}); err != nil || n != head.Size-last.Through {
		t.Errorf("count %d, %v after the purges; want %d, the head (%d) less the last purge's purged_through (%d)",
			n, err, head.Size-last.Through, head.Size, last.Through)
	}
	signer, verifier := newKey(t, "conformance.test/log")
	if _, err := tooltrail.NewNotary(ctx, store, tooltrail.NotaryConfig{SignerKey: signer, VerifierKey: verifier}); err != nil {
		t.Fatal(err)
	}
	v, _ := note.NewVerifier(verifier)
	rep, err := tooltrail.Verify(ctx, store, tooltrail.VerifyOptions{Verifier: v})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Errorf("verify after concurrent purges: %v", rep.Problems)
	}
}
