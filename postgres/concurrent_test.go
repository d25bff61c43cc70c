package postgres_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/internal/pgtest"
	"github.com/tooltrail/tooltrail/postgres"
	"github.com/tooltrail/tooltrail/storetest"
	"golang.org/x/mod/sumdb/tlog"
)

// TestTwoServersOneLog runs two stores (two pools, as two servers would)
// on one schema, opened at once and appended to at once from many
// goroutines through two Logs: the head row's lock keeps the ids dense and
// the tree one tree.
func TestTwoServersOneLog(t *testing.T) {
	url := pgtest.URL(t)
	schema := pgtest.FreshSchema(t, url)
	ctx := context.Background()

	// Both open at once: the migration's advisory lock makes them take turns.
	var (
		stores [2]*postgres.Store
		errs   [2]error
		wg     sync.WaitGroup
	)
	for i := range stores {
		wg.Go(func() { stores[i], errs[i] = postgres.Open(ctx, postgres.Config{URL: url, Schema: schema}) })
	}
	wg.Wait()
	for i, s := range stores {
		if errs[i] != nil {
			t.Fatalf("Open %d: %v", i, errs[i])
		}
		t.Cleanup(func() { s.Close() })
	}
	logs := [2]*tooltrail.Log{newLog(t, stores[0]), newLog(t, stores[1])}

	const callers, each = 16, 40 // per server
	var (
		mu       sync.Mutex
		receipts = make(map[int64]tooltrail.Receipt)
		sameCall []tooltrail.Receipt // of one call_id sent to both servers
	)
	for server, log := range logs {
		for c := range callers {
			wg.Go(func() {
				for i := range each {
					call := tooltrail.Call{ToolName: fmt.Sprintf("tool_%d", i%5), Arguments: map[string]int{"server": server, "c": c, "i": i}}
					if i == 7 {
						call = tooltrail.Call{ToolName: "pay", CallID: fmt.Sprintf("call-%d", c), Arguments: map[string]int{"c": c}}
					}
					r, err := log.Record(ctx, call)
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					if call.CallID != "" {
						sameCall = append(sameCall, r)
					}
					if prev, ok := receipts[r.ID]; ok && !r.Replayed && !prev.Replayed {
						t.Errorf("id %d given twice", r.ID)
					}
					if !r.Replayed {
						receipts[r.ID] = r
					}
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}

	t.Run("IDsDense", func(t *testing.T) {
		want := int64(2*callers*each - callers) // each call_id once for both servers
		if int64(len(receipts)) != want {
			t.Fatalf("%d entries, want %d", len(receipts), want)
		}
		for id := int64(1); id <= want; id++ {
			if _, ok := receipts[id]; !ok {
				t.Fatalf("no entry got id %d: ids are not dense", id)
			}
		}
	})
	t.Run("CallIDOnceAcrossServers", func(t *testing.T) {
		replayed := 0
		for _, r := range sameCall {
			if r.Replayed {
				replayed++
			}
		}
		if replayed != callers {
			t.Errorf("%d of %d calls with a shared call_id replayed, want %d", replayed, len(sameCall), callers)
		}
	})
	t.Run("OneTree", func(t *testing.T) {
		heads := [2]tooltrail.Head{}
		for i, s := range stores {
			h, err := s.Head(ctx)
			if err != nil {
				t.Fatal(err)
			}
			heads[i] = h
		}
		if heads[0] != heads[1] {
			t.Fatalf("the servers see heads %+v and %+v", heads[0], heads[1])
		}
		ids := make([]int64, 0, len(receipts))
		for id := range receipts {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		leaves := make([]tlog.Hash, len(ids))
		for i, id := range ids {
			leaf, err := stores[i%2].Leaf(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if leaves[i] = tooltrail.LeafHash(leaf); leaves[i] != receipts[id].LeafHash {
				t.Fatalf("entry %d: stored leaf hash differs from its receipt's", id)
			}
		}
		if heads[0].Size != int64(len(leaves)) {
			t.Fatalf("head size %d, want %d", heads[0].Size, len(leaves))
		}
		if root := storetest.RootOf(t, leaves); root != heads[0].Root {
			t.Errorf("head root %v, computed from the leaves %v", heads[0].Root, root)
		}
	})
	t.Run("CountsAgree", func(t *testing.T) {
		for _, s := range stores {
			n, err := s.Count(ctx, tooltrail.Filter{})
			if err != nil || n != int64(len(receipts)) {
				t.Errorf("Count = %d, %v; want %d", n, err, len(receipts))
			}
		}
	})
}
