// Package storetest is the conformance suite every tooltrail.Store passes.
// A store's tests call Run with a function that opens a new, empty store.
package storetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/tooltrail/tooltrail"
)

// OpenFunc opens a new, empty store for one test and arranges (with
// t.Cleanup) for it to be closed and removed.
type OpenFunc func(t *testing.T) tooltrail.Store

// Run runs the whole conformance suite against stores made by open.
func Run(t *testing.T, open OpenFunc) {
	t.Run("RecordAndRead", func(t *testing.T) { testRecordAndRead(t, open) })
	t.Run("Arguments", func(t *testing.T) { testArguments(t, open) })
	t.Run("Limits", func(t *testing.T) { testLimits(t, open) })
	t.Run("HostileText", func(t *testing.T) { testHostileText(t, open) })
	t.Run("FiltersMatchModel", func(t *testing.T) { testFiltersMatchModel(t, open) })
	t.Run("TimeFilters", func(t *testing.T) { testTimeFilters(t, open) })
	t.Run("ToolNameIsLiteralSubstring", func(t *testing.T) { testToolSubstring(t, open) })
	t.Run("ManyMatchingTools", func(t *testing.T) { testManyMatchingTools(t, open) })
	t.Run("CursorWalksOnceDuringWrites", func(t *testing.T) { testCursorWalk(t, open) })
	t.Run("CallIDIdempotency", func(t *testing.T) { testCallID(t, open) })
	t.Run("GroupCommitDenseIDs", func(t *testing.T) { testGroupCommit(t, open) })
	t.Run("TimestampsNeverGoBackwards", func(t *testing.T) { testMonotonicTime(t, open) })
	t.Run("Purge", func(t *testing.T) { testPurge(t, open) })
	t.Run("PurgeWhileRecording", func(t *testing.T) { testPurgeWhileRecording(t, open) })
	t.Run("ConcurrentPurges", func(t *testing.T) { testConcurrentPurges(t, open) })
	t.Run("TreeMatchesLeaves", func(t *testing.T) { testTree(t, open) })
	t.Run("CloseFinishesInFlight", func(t *testing.T) { testClose(t, open) })
	t.Run("Tools", func(t *testing.T) { testTools(t, open) })
	t.Run("RowsAndHashes", func(t *testing.T) { testRowsAndHashes(t, open) })
	t.Run("CheckpointKept", func(t *testing.T) { testCheckpointKept(t, open) })
	t.Run("Notary", func(t *testing.T) { testNotary(t, open) })
	t.Run("Proofs", func(t *testing.T) { testProofs(t, open) })
	t.Run("ProofsAcrossPurge", func(t *testing.T) { testProofsAcrossPurge(t, open) })
	t.Run("Tokens", func(t *testing.T) { testTokens(t, open) })
	t.Run("VerifyWhileRecording", func(t *testing.T) { testVerifyWhileRecording(t, open) })
	t.Run("ReservedToolNames", func(t *testing.T) { testReservedToolNames(t, open) })
	t.Run("ImportMarks", func(t *testing.T) { testImportMarks(t, open) })
}

// Clock is a fake clock that moves forward by Step on every reading.
type Clock struct {
	mu   sync.Mutex
	t    time.Time
	Step time.Duration
}

// NewClock returns a clock that starts at start.
func NewClock(start time.Time, step time.Duration) *Clock { return &Clock{t: start, Step: step} }

// Now returns the clock's time, then moves it on by Step.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.t
	c.t = c.t.Add(c.Step)
	return t
}

// Set moves the clock to t (backwards too).
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// start is the fake clock's first reading in every test.
var start = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// newLog opens a store and a Log on it with the given clock (nil: real).
func newLog(t *testing.T, open OpenFunc, clock *Clock) *tooltrail.Log {
	t.Helper()
	cfg := tooltrail.Config{}
	if clock != nil {
		cfg.Now = clock.Now
	}
	log, err := tooltrail.New(context.Background(), open(t), cfg)
	if err != nil {
		t.Fatalf("tooltrail.New: %v", err)
	}
	t.Cleanup(func() { log.Close() })
	return log
}

func record(t *testing.T, log *tooltrail.Log, c tooltrail.Call) tooltrail.Receipt {
	t.Helper()
	r, err := log.Record(context.Background(), c)
	if err != nil {
		t.Fatalf("Record(%+v): %v", c, err)
	}
	return r
}

// all walks every page of f with the cursor and returns the entries.
func all(t *testing.T, log *tooltrail.Log, f tooltrail.Filter) []tooltrail.Entry {
	t.Helper()
	var out []tooltrail.Entry
	for {
		p, err := log.Query(context.Background(), f)
		if err != nil {
			t.Fatalf("Query(%+v): %v", f, err)
		}
		out = append(out, p.Entries...)
		if p.NextCursor == "" {
			return out
		}
		f.Cursor = p.NextCursor
	}
}

func ids(es []tooltrail.Entry) []int64 {
	out := make([]int64, len(es))
	for i, e := range es {
		out[i] = e.ID
	}
	return out
}
