package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/tooltrail/tooltrail"
)

// modelTools are tool names that make substring matching interesting: case,
// the LIKE metacharacters % and _, and non-ASCII letters.
var modelTools = []string{"read_file", "READ_FILE_v2", "readXfile", "web%search", "web_search", "Über.Tool", "shell"}

// seedModel records n calls with values drawn from small sets, one second
// apart, and returns what the log should hold, oldest first.
func seedModel(t *testing.T, log *tooltrail.Log, n int) []tooltrail.Entry {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func(vs ...string) string { return vs[rng.IntN(len(vs))] }
	var model []tooltrail.Entry
	for i := range n {
		c := tooltrail.Call{
			ToolName:  modelTools[rng.IntN(len(modelTools))],
			Arguments: map[string]any{"i": i},
			Confirmed: rng.IntN(3) == 0,
			SessionID: pick("", "s1", "s2", "s3"),
			TaskID:    pick("", "", "t1", "t2"),
			UserID:    pick("", "alice", "bob"),
		}
		r := record(t, log, c)
		model = append(model, tooltrail.Entry{
			ID: r.ID, Timestamp: r.Timestamp, ToolName: c.ToolName, Confirmed: c.Confirmed,
			SessionID: c.SessionID, TaskID: c.TaskID, UserID: c.UserID,
		})
	}
	return model
}

// matches is the model of oAI-Web's filters.
func matches(e tooltrail.Entry, f tooltrail.Filter) bool {
	return (f.Start.IsZero() || !e.Timestamp.Before(f.Start)) &&
		(f.End.IsZero() || !e.Timestamp.After(f.End)) &&
		(f.ToolName == "" || strings.Contains(strings.ToLower(e.ToolName), strings.ToLower(f.ToolName))) &&
		(f.SessionID == "" || e.SessionID == f.SessionID) &&
		(f.TaskID == "" || e.TaskID == f.TaskID) &&
		(f.UserID == "" || e.UserID == f.UserID) &&
		(!f.ConfirmedOnly || e.Confirmed)
}

// expected returns the ids of the model's matching entries, newest first.
func expected(model []tooltrail.Entry, f tooltrail.Filter) []int64 {
	var out []int64
	for i := len(model) - 1; i >= 0; i-- {
		if matches(model[i], f) {
			out = append(out, model[i].ID)
		}
	}
	return out
}

// modelFilters are every filter alone and in combinations.
func modelFilters(model []tooltrail.Entry) map[string]tooltrail.Filter {
	t0 := model[0].Timestamp
	mid := model[len(model)/3].Timestamp
	late := model[2*len(model)/3].Timestamp
	fs := map[string]tooltrail.Filter{
		"None":                  {},
		"Start":                 {Start: mid},
		"End":                   {End: mid},
		"StartEnd":              {Start: mid, End: late},
		"StartAfterEverything":  {Start: model[len(model)-1].Timestamp.Add(time.Hour)},
		"EndBeforeEverything":   {End: t0.Add(-time.Hour)},
		"StartAfterEnd":         {Start: late, End: mid},
		"ToolExact":             {ToolName: "shell"},
		"ToolCaseInsensitive":   {ToolName: "read_FILE"},
		"ToolUnderscoreLiteral": {ToolName: "d_f"},
		"ToolPercentLiteral":    {ToolName: "%"},
		"ToolUnicode":           {ToolName: "über"},
		"ToolNoMatch":           {ToolName: "nothing"},
		"Session":               {SessionID: "s2"},
		"SessionUnknown":        {SessionID: "s9"},
		"Task":                  {TaskID: "t1"},
		"User":                  {UserID: "bob"},
		"Confirmed":             {ConfirmedOnly: true},
		"ToolUser":              {ToolName: "file", UserID: "alice"},
		"ToolConfirmed":         {ToolName: "web", ConfirmedOnly: true},
		"SessionTaskUser":       {SessionID: "s1", TaskID: "t2", UserID: "alice"},
		"TimeToolSession":       {Start: mid, End: late, ToolName: "READ", SessionID: "s3"},
		"Everything":            {Start: t0, End: late, ToolName: "e", SessionID: "s1", TaskID: "t1", UserID: "bob", ConfirmedOnly: true},
	}
	return fs
}

func testFiltersMatchModel(t *testing.T, open OpenFunc) {
	log := newLog(t, open, NewClock(start, time.Second))
	model := seedModel(t, log, 240)
	for name, f := range modelFilters(model) {
		t.Run(name, func(t *testing.T) {
			want := expected(model, f)
			n, err := log.Count(context.Background(), f)
			if err != nil {
				t.Fatal(err)
			}
			if n != int64(len(want)) {
				t.Errorf("Count = %d, want %d", n, len(want))
			}
			for _, limit := range []int{0, 1, 7, 1000} {
				g := f
				g.Limit = limit
				if diff := cmp.Diff(want, ids(all(t, log, g)), cmp.Comparer(func(a, b []int64) bool { return slices.Equal(a, b) })); diff != "" {
					t.Errorf("cursor walk with limit %d (-want +got):\n%s", limit, diff)
				}
			}
			for _, offset := range []int{0, 3, len(want) - 1, len(want) + 5} {
				if offset < 0 {
					continue
				}
				g := f
				g.Limit, g.Offset = 10, offset
				p, err := log.Query(context.Background(), g)
				if err != nil {
					t.Fatal(err)
				}
				w := want[min(offset, len(want)):]
				w = w[:min(10, len(w))]
				if !slices.Equal(w, ids(p.Entries)) {
					t.Errorf("offset %d: got %v, want %v", offset, ids(p.Entries), w)
				}
			}
		})
	}
}

func testTimeFilters(t *testing.T, open OpenFunc) {
	clock := NewClock(time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC), time.Minute)
	log := newLog(t, open, clock)
	for i := range 5 { // 10:00, 10:01, ... 10:04
		record(t, log, tooltrail.Call{ToolName: fmt.Sprint("t", i)})
	}
	parse := func(s string) time.Time {
		tm, err := tooltrail.ParseTime("start", s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	tests := []struct {
		name       string
		start, end string
		want       []int64
	}{
		{"InclusiveBothEnds", "2026-05-01T10:01:00Z", "2026-05-01T10:03:00Z", []int64{4, 3, 2}},
		{"NoOffsetIsUTC", "2026-05-01T10:01:00", "2026-05-01 10:03", []int64{4, 3, 2}},
		{"OffsetConverted", "2026-05-01T12:03:00+02:00", "", []int64{5, 4}},
		{"MicrosecondAfterExcludes", "2026-05-01T10:01:00.000001Z", "2026-05-01T10:02:59.999999Z", []int64{3}},
		{"DateOnlyIsMidnight", "2026-05-01", "2026-05-02", []int64{5, 4, 3, 2, 1}},
		{"NanosecondAfterExcludes", "2026-05-01T10:01:00.000000001Z", "2026-05-01T10:03:00.000000999Z", []int64{4, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var f tooltrail.Filter
			if tt.start != "" {
				f.Start = parse(tt.start)
			}
			if tt.end != "" {
				f.End = parse(tt.end)
			}
			got := ids(all(t, log, f))
			if !slices.Equal(got, tt.want) {
				t.Errorf("ids = %v, want %v", got, tt.want)
			}
			if n, err := log.Count(context.Background(), f); err != nil || n != int64(len(tt.want)) {
				t.Errorf("Count = %d, %v; want %d", n, err, len(tt.want))
			}
		})
	}
}

func testToolSubstring(t *testing.T, open OpenFunc) {
	log := newLog(t, open, nil)
	for _, name := range []string{"a%b", "axb", "a_b", "AXB", "100%"} {
		record(t, log, tooltrail.Call{ToolName: name})
	}
	tests := []struct {
		sub  string
		want []int64
	}{
		{"%", []int64{5, 1}},
		{"_", []int64{3}},
		{"a%b", []int64{1}},
		{"a_b", []int64{3}},
		{"xb", []int64{4, 2}},
		{"%%", nil},
		{"0%", []int64{5}},
	}
	for _, tt := range tests {
		t.Run(tt.sub, func(t *testing.T) {
			got := ids(all(t, log, tooltrail.Filter{ToolName: tt.sub}))
			if !slices.Equal(got, tt.want) {
				t.Errorf("tool_name %q: ids = %v, want %v", tt.sub, got, tt.want)
			}
		})
	}
}

// testManyMatchingTools filters by a substring that hundreds of tool names
// hold, more than a store may read one range each for.
func testManyMatchingTools(t *testing.T, open OpenFunc) {
	log := newLog(t, open, nil)
	const tools = 300
	var wg sync.WaitGroup
	for w := range 10 {
		wg.Go(func() {
			for i := w; i < tools; i += 10 {
				if _, err := log.Record(context.Background(), tooltrail.Call{ToolName: fmt.Sprintf("many_%03d", i), Confirmed: i%2 == 0}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	record(t, log, tooltrail.Call{ToolName: "other"})
	for _, tt := range []struct {
		f    tooltrail.Filter
		want int
	}{
		{tooltrail.Filter{ToolName: "MANY_"}, tools},
		{tooltrail.Filter{ToolName: "many_", ConfirmedOnly: true}, tools / 2},
		{tooltrail.Filter{ToolName: "y_1"}, 100},
	} {
		n, err := log.Count(context.Background(), tt.f)
		if err != nil || n != int64(tt.want) {
			t.Errorf("Count(%+v) = %d, %v; want %d", tt.f, n, err, tt.want)
		}
		tt.f.Limit = 37
		if got := all(t, log, tt.f); len(got) != tt.want || !slices.IsSortedFunc(got, func(a, b tooltrail.Entry) int { return int(b.ID - a.ID) }) {
			t.Errorf("Query(%+v) walked %d entries, want %d newest first", tt.f, len(got), tt.want)
		}
	}
}

// testCursorWalk pages through the log with the cursor while writers add
// entries: the walk sees every entry that existed when it began exactly
// once, and nothing newer.
func testCursorWalk(t *testing.T, open OpenFunc) {
	log := newLog(t, open, nil)
	for i := range 300 {
		record(t, log, tooltrail.Call{ToolName: "before", Arguments: i})
	}
	first, err := log.Query(context.Background(), tooltrail.Filter{Limit: 13})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := log.Record(context.Background(), tooltrail.Call{ToolName: "during"}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	got := ids(first.Entries)
	f := tooltrail.Filter{Limit: 13, Cursor: first.NextCursor}
	for f.Cursor != "" {
		p, err := log.Query(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ids(p.Entries)...)
		f.Cursor = p.NextCursor
	}
	close(stop)
	wg.Wait()
	want := make([]int64, 300)
	for i := range want {
		want[i] = int64(300 - i)
	}
	if !slices.Equal(got, want) {
		t.Errorf("walk saw %d entries, want 300..1 once each; first differences: %v", len(got), firstDiff(got, want))
	}
}

func firstDiff(got, want []int64) string {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return fmt.Sprintf("at %d got %d want %d", i, got[i], want[i])
		}
	}
	return fmt.Sprintf("lengths %d and %d", len(got), len(want))
}
