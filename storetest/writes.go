package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tooltrail/tooltrail"
)

func testCallID(t *testing.T, open OpenFunc) {
	log := newLog(t, open, nil)
	call := tooltrail.Call{ToolName: "pay", Arguments: map[string]int{"cents": 100}, CallID: "call-1"}
	first := record(t, log, call)
	t.Run("SameContentReplays", func(t *testing.T) {
		again := record(t, log, call)
		if again.ID != first.ID || !again.Timestamp.Equal(first.Timestamp) || again.LeafHash != first.LeafHash || !again.Replayed {
			t.Errorf("replay receipt = %+v, want the first %+v marked replayed", again, first)
		}
	})
	t.Run("ErrConflictOnOtherContent", func(t *testing.T) {
		other := call
		other.Arguments = map[string]int{"cents": 101}
		if _, err := log.Record(context.Background(), other); !errors.Is(err, tooltrail.ErrConflict) {
			t.Errorf("Record with other content: %v, want ErrConflict", err)
		}
	})
	t.Run("ConcurrentDuplicatesOneEntry", func(t *testing.T) {
		c := tooltrail.Call{ToolName: "pay", CallID: "call-2", Arguments: []int{1}}
		receipts := make([]tooltrail.Receipt, 32)
		var wg sync.WaitGroup
		for i := range receipts {
			wg.Go(func() {
				r, err := log.Record(context.Background(), c)
				if err != nil {
					t.Error(err)
				}
				receipts[i] = r
			})
		}
		wg.Wait()
		replays := 0
		for _, r := range receipts {
			if r.ID != receipts[0].ID {
				t.Fatalf("receipts name ids %d and %d, want one entry", receipts[0].ID, r.ID)
			}
			if r.Replayed {
				replays++
			}
		}
		if replays != len(receipts)-1 {
			t.Errorf("%d replays, want %d", replays, len(receipts)-1)
		}
		n, err := log.Count(context.Background(), tooltrail.Filter{})
		if err != nil || n != 2 {
			t.Errorf("Count = %d, %v; want 2 entries", n, err)
		}
	})
	t.Run("FreeAgainAfterPurge", func(t *testing.T) {
		if _, err := log.Purge(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
		// Other content than the purged entry's: no conflict, a new entry.
		other := call
		other.Arguments = map[string]int{"cents": 102}
		r := record(t, log, other)
		if r.ID <= first.ID || r.Replayed {
			t.Errorf("call id of a purged entry recorded again: %+v, want a new entry", r)
		}
		if again := record(t, log, other); again.ID != r.ID || !again.Replayed {
			t.Errorf("replay of the new entry = %+v, want entry %d replayed", again, r.ID)
		}
	})
	t.Run("ScopedByCaller", func(t *testing.T) {
		ctx := context.Background()
		alice, bob := tooltrail.WithCallScope(ctx, 7), tooltrail.WithCallScope(ctx, 8)
		mine := tooltrail.Call{ToolName: "read_file", UserID: "alice", CallID: "call_0001"}
		theirs := tooltrail.Call{ToolName: "transfer_funds", UserID: "bob", CallID: "call_0001"}
		a, err := log.Record(alice, mine)
		if err != nil {
			t.Fatal(err)
		}
		b, err := log.Record(bob, theirs)
		if err != nil || b.Replayed || b.ID == a.ID {
			t.Fatalf("another scope's call of the same call_id: %+v, %v; want a new entry", b, err)
		}
		tests := []struct {
			name   string
			ctx    context.Context
			call   tooltrail.Call
			wantID int64 // 0: a new entry
			err    error
		}{
			{"ReplayInItsScope", bob, theirs, b.ID, nil},
			{"ConflictOnlyInItsScope", alice, theirs, 0, tooltrail.ErrConflict},
			{"AnotherScopesExactContentIsNew", tooltrail.WithCallScope(ctx, 9), theirs, 0, nil},
			{"NoScopeIsAScopeToo", ctx, theirs, 0, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r, err := log.Record(tt.ctx, tt.call)
				switch {
				case tt.err != nil:
					if !errors.Is(err, tt.err) {
						t.Errorf("Record = %+v, %v; want %v", r, err, tt.err)
					}
				case err != nil:
					t.Errorf("Record: %v", err)
				case tt.wantID != 0 && (r.ID != tt.wantID || !r.Replayed):
					t.Errorf("Record = %+v, want entry %d replayed", r, tt.wantID)
				case tt.wantID == 0 && (r.Replayed || r.ID == a.ID || r.ID == b.ID):
					t.Errorf("Record = %+v, want a new entry", r)
				}
			})
		}
		// Within one batch: the same call id in two scopes is two entries.
		receipts, errs := log.RecordBatch(tooltrail.WithCallScope(ctx, 10), []tooltrail.Call{{ToolName: "x", CallID: "call_0002"}})
		other, errs2 := log.RecordBatch(tooltrail.WithCallScope(ctx, 11), []tooltrail.Call{{ToolName: "x", CallID: "call_0002"}})
		if errs[0] != nil || errs2[0] != nil || receipts[0].ID == other[0].ID || other[0].Replayed {
			t.Errorf("one call id in two scopes by RecordBatch: %+v %v and %+v %v, want two entries", receipts[0], errs[0], other[0], errs2[0])
		}
	})
}

// testGroupCommit records from many goroutines at once: every call gets an
// id, the ids are exactly 1..n, and each entry holds what its caller sent.
func testGroupCommit(t *testing.T, open OpenFunc) {
	log := newLog(t, open, nil)
	const callers, each = 32, 20
	got := make([][]int64, callers)
	var wg sync.WaitGroup
	for c := range callers {
		wg.Go(func() {
			for i := range each {
				r, err := log.Record(context.Background(), tooltrail.Call{ToolName: "g", Arguments: map[string]int{"c": c, "i": i}})
				if err != nil {
					t.Error(err)
					return
				}
				got[c] = append(got[c], r.ID)
			}
		})
	}
	wg.Wait()
	var all []int64
	for c, idsOf := range got {
		for i, id := range idsOf {
			e, err := log.Entry(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			if want := fmt.Sprintf(`{"c":%d,"i":%d}`, c, i); string(e.Arguments) != want {
				t.Errorf("entry %d holds %s, want %s", id, e.Arguments, want)
			}
		}
		if !slices.IsSorted(idsOf) {
			t.Errorf("caller %d got ids out of order: %v", c, idsOf)
		}
		all = append(all, idsOf...)
	}
	slices.Sort(all)
	for i, id := range all {
		if id != int64(i+1) {
			t.Fatalf("ids are not dense: position %d holds %d", i, id)
		}
	}
	h, err := log.Head(context.Background())
	if err != nil || h.Size != callers*each {
		t.Errorf("head size = %d, %v; want %d", h.Size, err, callers*each)
	}
}

func testMonotonicTime(t *testing.T, open OpenFunc) {
	clock := NewClock(start, time.Second)
	log := newLog(t, open, clock)
	a := record(t, log, tooltrail.Call{ToolName: "t"})
	clock.Set(start.Add(-time.Hour)) // the clock jumps back
	b := record(t, log, tooltrail.Call{ToolName: "t"})
	if b.Timestamp.Before(a.Timestamp) {
		t.Errorf("timestamp went back from %v to %v", a.Timestamp, b.Timestamp)
	}
	clock.Set(start.Add(time.Hour + 1500*time.Nanosecond))
	c := record(t, log, tooltrail.Call{ToolName: "t"})
	if want := start.Add(time.Hour + time.Microsecond); !c.Timestamp.Equal(want) || c.Timestamp.Location() != time.UTC {
		t.Errorf("timestamp = %v, want %v: UTC, cut to microseconds", c.Timestamp, want)
	}
}

// testClose closes the log while calls are in flight: each call either
// succeeds and its entry is there, or fails with ErrClosed; none hangs.
func testClose(t *testing.T, open OpenFunc) {
	store := open(t)
	log, err := tooltrail.New(context.Background(), store, tooltrail.Config{})
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		acked []int64
		wg    sync.WaitGroup
	)
	for range 16 {
		wg.Go(func() {
			for {
				r, err := log.Record(context.Background(), tooltrail.Call{ToolName: "c"})
				if errors.Is(err, tooltrail.ErrClosed) {
					return
				}
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				acked = append(acked, r.ID)
				mu.Unlock()
			}
		})
	}
	time.Sleep(50 * time.Millisecond)
	log.Close()
	wg.Wait()
	log2, err := tooltrail.New(context.Background(), store, tooltrail.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer log2.Close()
	for _, id := range acked {
		if _, err := log2.Entry(context.Background(), id); err != nil {
			t.Fatalf("acknowledged entry %d: %v", id, err)
		}
	}
	if h, _ := log2.Head(context.Background()); h.Size != int64(len(acked)) {
		t.Errorf("head size %d, acknowledged %d", h.Size, len(acked))
	}
	if _, err := log.Record(context.Background(), tooltrail.Call{ToolName: "late"}); !errors.Is(err, tooltrail.ErrClosed) {
		t.Errorf("Record after Close: %v, want ErrClosed", err)
	}
}
