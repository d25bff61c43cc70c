package postgres_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/internal/pgtest"
	"github.com/tooltrail/tooltrail/postgres"
	"github.com/tooltrail/tooltrail/storetest"
)

// TestServersTakingTurns appends through two stores on one schema in
// turns. Before each step both stores forget that the other appended, so
// each step tries the one-round-trip append: on the head the store made
// last it must go through; on a head the other store moved since, it must
// write nothing and append with the head locked. It checks what a user
// would: every call answered with the entry it made or, for a call id the
// other server took meanwhile, that entry replayed; ids dense; the other
// server reading the same leaf; the log verifying.
func TestServersTakingTurns(t *testing.T) {
	url := pgtest.URL(t)
	schema := pgtest.FreshSchema(t, url)
	ctx := context.Background()
	var logs [2]*tooltrail.Log
	var stores [2]*postgres.Store
	for i := range stores {
		stores[i] = openStore(t, url, schema)
		logs[i] = newLog(t, stores[i])
	}
	// path: "locked" for a store's first append (it knows no head yet),
	// "unlocked" on its own head, "raced" on a head the other moved.
	steps := []struct {
		name   string
		server int
		call   tooltrail.Call
		replay bool
		path   string
	}{
		{"FirstOnA", 0, tooltrail.Call{ToolName: "read"}, false, "locked"},
		{"AAgainAlone", 0, tooltrail.Call{ToolName: "read"}, false, "unlocked"},
		{"AAgainNewNames", 0, tooltrail.Call{ToolName: "write", SessionID: "s1", TaskID: "t1", UserID: "u1"}, false, "unlocked"},
		{"FirstOnBAfterA", 1, tooltrail.Call{ToolName: "read"}, false, "locked"},
		{"AAfterB", 0, tooltrail.Call{ToolName: "read"}, false, "raced"},
		{"BNewNamesAfterA", 1, tooltrail.Call{ToolName: "grep", SessionID: "s2"}, false, "raced"},
		{"BAgainNewNames", 1, tooltrail.Call{ToolName: "grep", SessionID: "s4", TaskID: "t4"}, false, "unlocked"},
		{"ANewNamesAfterB", 0, tooltrail.Call{ToolName: "find", SessionID: "s3", TaskID: "t3"}, false, "raced"},
		{"BCallIDAfterA", 1, tooltrail.Call{ToolName: "pay", CallID: "call-1", Arguments: map[string]int{"cents": 5}}, false, "raced"},
		// A replay writes nothing, so its stale head does not matter.
		{"ASameCallIDAfterB", 0, tooltrail.Call{ToolName: "pay", CallID: "call-1", Arguments: map[string]int{"cents": 5}}, true, "unlocked"},
		{"ACallIDAgain", 0, tooltrail.Call{ToolName: "pay", CallID: "call-2"}, false, "raced"},
		{"BSameCallIDAfterA", 1, tooltrail.Call{ToolName: "pay", CallID: "call-2"}, true, "unlocked"},
		{"BAgain", 1, tooltrail.Call{ToolName: "read"}, false, "raced"},
		{"ALast", 0, tooltrail.Call{ToolName: "read"}, false, "raced"},
	}
	var next int64 = 1
	firstOf := make(map[string]int64)
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			for _, s := range stores {
				s.ForgetShared()
			}
			before := stores[st.server].Stats()
			r, err := logs[st.server].Record(ctx, st.call)
			if err != nil {
				t.Fatal(err)
			}
			after := stores[st.server].Stats()
			var path string
			switch d := [3]int64{after.UnlockedAppends - before.UnlockedAppends, after.RacedAppends - before.RacedAppends,
				after.LockedAppends - before.LockedAppends}; d {
			case [3]int64{0, 0, 1}:
				path = "locked"
			case [3]int64{1, 0, 0}:
				path = "unlocked"
			case [3]int64{1, 1, 1}:
				path = "raced"
			default:
				path = fmt.Sprintf("unlocked %d, raced %d, locked %d", d[0], d[1], d[2])
			}
			if path != st.path {
				t.Errorf("the append went %s, want %s", path, st.path)
			}
			if r.Replayed != st.replay {
				t.Fatalf("receipt %+v: replayed %t, want %t", r, r.Replayed, st.replay)
			}
			want := next
			if st.replay {
				want = firstOf[st.call.CallID]
			} else {
				next++
				firstOf[st.call.CallID] = r.ID
			}
			if r.ID != want {
				t.Fatalf("entry %d, want %d", r.ID, want)
			}
			leaf, err := stores[1-st.server].Leaf(ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			if tooltrail.LeafHash(leaf) != r.LeafHash {
				t.Fatalf("the other server's leaf of entry %d differs from the receipt", r.ID)
			}
		})
	}
	notary := storetest.StartNotary(t, stores[0], t.TempDir())
	for i, s := range stores {
		t.Run(fmt.Sprintf("VerifiesThroughStore%d", i), func(t *testing.T) {
			rep, err := tooltrail.Verify(ctx, s, tooltrail.VerifyOptions{Verifier: notary.Verifier()})
			if err != nil {
				t.Fatal(err)
			}
			if !rep.OK() || rep.Size != next-1 {
				t.Fatalf("verify: size %d (want %d), problems %v", rep.Size, next-1, rep.Problems)
			}
		})
	}
}
