package live

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/sqlite"
)

// TestSinceCatchesUpInOrder checks that a client far behind gets every
// entry it missed, oldest first, a window at a time, with a filter that
// leaves windows empty.
func TestSinceCatchesUpInOrder(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, sqlite.Config{Path: filepath.Join(t.TempDir(), "log.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	log, err := tooltrail.New(ctx, store, tooltrail.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	for i := range 23 {
		tool := "other"
		if i < 3 || i >= 15 {
			tool = "wanted"
		}
		if _, err := log.Record(ctx, tooltrail.Call{ToolName: tool}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name string
		f    tooltrail.Filter
		want []int64
	}{
		{"all", tooltrail.Filter{}, seq(1, 23)},
		{"filtered", tooltrail.Filter{ToolName: "wanted"}, append(seq(1, 3), seq(16, 23)...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []int64
			after, rounds := int64(0), 0
			for more := true; more; rounds++ {
				var es []tooltrail.Entry
				es, after, more, err = since(ctx, log, tc.f, after, 5)
				if err != nil {
					t.Fatal(err)
				}
				for _, e := range es {
					got = append(got, e.ID)
				}
			}
			if len(got) != len(tc.want) || rounds != 5 || after != 23 {
				t.Fatalf("caught up %v in %d rounds to %d; want %v in 5 rounds to 23", got, rounds, after, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("caught up %v, want %v", got, tc.want)
				}
			}
		})
	}
}

func seq(from, to int64) []int64 {
	var out []int64
	for i := from; i <= to; i++ {
		out = append(out, i)
	}
	return out
}
