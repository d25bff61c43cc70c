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
// turns, so that a store often finds the head moved since the batch it
// made last (its one-round-trip append must then write nothing and
// append with the head locked), and checks what a user would: every call
// answered with the entry it made or, for a call id the other server
// took meanwhile, that entry replayed; ids dense; the log verifying.
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
	steps := []struct {
		name   string
		server int
		call   tooltrail.Call
		replay bool
	}{
		{"FirstOnA", 0, tooltrail.Call{ToolName: "read"}, false},
		{"AAgainAlone", 0, tooltrail.Call{ToolName: "read"}, false},
		{"AAgainNewNames", 0, tooltrail.Call{ToolName: "write", SessionID: "s1", TaskID: "t1", UserID: "u1"}, false},
		{"BAfterA", 1, tooltrail.Call{ToolName: "read"}, false},
		{"AAfterB", 0, tooltrail.Call{ToolName: "read"}, false},
		{"AAfterBNewNames", 1, tooltrail.Call{ToolName: "grep", SessionID: "s2"}, false},
		{"ANewNamesAfterB", 0, tooltrail.Call{ToolName: "find", SessionID: "s3", TaskID: "t3"}, false},
		{"BCallID", 1, tooltrail.Call{ToolName: "pay", CallID: "call-1", Arguments: map[string]int{"cents": 5}}, false},
		{"ASameCallIDAfterB", 0, tooltrail.Call{ToolName: "pay", CallID: "call-1", Arguments: map[string]int{"cents": 5}}, true},
		{"ACallIDAgain", 0, tooltrail.Call{ToolName: "pay", CallID: "call-2"}, false},
		{"BSameCallIDAfterA", 1, tooltrail.Call{ToolName: "pay", CallID: "call-2"}, true},
		{"BAgain", 1, tooltrail.Call{ToolName: "read"}, false},
		{"ALast", 0, tooltrail.Call{ToolName: "read"}, false},
	}
	var next int64 = 1
	firstOf := make(map[string]int64)
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			r, err := logs[st.server].Record(ctx, st.call)
			if err != nil {
				t.Fatal(err)
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
