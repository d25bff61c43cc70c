package storetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/tooltrail/tooltrail"
)

func testRecordAndRead(t *testing.T, open OpenFunc) {
	clock := NewClock(start, time.Second)
	log := newLog(t, open, clock)
	ctx := tooltrail.WithUser(context.Background(), "ctx-user")
	call := tooltrail.Call{
		ToolName: "read_file", Arguments: map[string]any{"path": "/etc/hosts", "lines": 10},
		ResultSummary: "10 lines", Confirmed: true, SessionID: "s1", TaskID: "t1",
	}
	r, err := log.Record(ctx, call)
	if err != nil {
		t.Fatal(err)
	}
	if r.ID != 1 || !r.Timestamp.Equal(start) || r.Replayed {
		t.Errorf("receipt = %+v, want id 1 at %v", r, start)
	}
	e, err := log.Entry(context.Background(), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := tooltrail.Entry{
		ID: 1, Timestamp: start, SessionID: "s1", ToolName: "read_file",
		Arguments: json.RawMessage(`{"lines":10,"path":"/etc/hosts"}`), ResultSummary: "10 lines",
		Confirmed: true, TaskID: "t1", UserID: "ctx-user", Leaf: e.Leaf, Salt: e.Salt,
	}
	if diff := cmp.Diff(want, e); diff != "" {
		t.Errorf("Entry(1) (-want +got):\n%s", diff)
	}
	// The salt is stored with the entry (in its leaf), so a reader can
	// recompute the leaf; equal calls get unequal salts and leaf hashes.
	if len(e.Salt) != tooltrail.SaltSize || !bytes.Equal(tooltrail.EncodeLeaf(e), e.Leaf) ||
		!bytes.HasPrefix(e.Leaf, []byte(`{"v":3,"id":1,"salt":"`)) {
		t.Errorf("Entry(1): salt %x, leaf %s; want a leaf of version 3 with a salt of %d bytes", e.Salt, e.Leaf, tooltrail.SaltSize)
	}
	other := newLog(t, open, NewClock(start, time.Second))
	again, err := other.Record(ctx, call)
	if err != nil {
		t.Fatal(err)
	}
	if twin, err := other.Entry(context.Background(), again.ID); err != nil || bytes.Equal(twin.Salt, e.Salt) || again.LeafHash == r.LeafHash {
		t.Errorf("the same call at the same time and id in another log got the same salt %x or leaf hash (%v)", e.Salt, err)
	}
	if tooltrail.LeafHash(e.Leaf) != r.LeafHash {
		t.Errorf("leaf hash of stored leaf differs from the receipt's")
	}
	r2 := record(t, log, tooltrail.Call{ToolName: "write_file", UserID: "explicit"})
	if r2.ID != 2 {
		t.Errorf("second id = %d, want 2", r2.ID)
	}
	p, err := log.Query(context.Background(), tooltrail.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int64{2, 1}, ids(p.Entries)); diff != "" || p.NextCursor != "" {
		t.Errorf("Query() ids (-want +got):\n%s next=%q", diff, p.NextCursor)
	}
	if p.Entries[0].UserID != "explicit" || p.Entries[0].Leaf != nil {
		t.Errorf("entry 2 = %+v, want user explicit and no leaf in query results", p.Entries[0])
	}
	for _, id := range []int64{3, 1000} {
		if _, err := log.Entry(context.Background(), id); !errors.Is(err, tooltrail.ErrNotFound) {
			t.Errorf("Entry(%d) error = %v, want ErrNotFound", id, err)
		}
	}
	if _, err := log.Entry(context.Background(), 0); !errors.Is(err, tooltrail.ErrInvalidArgument) {
		t.Errorf("Entry(0) error = %v, want ErrInvalidArgument", err)
	}
	t.Run("DefaultLimitIs50", func(t *testing.T) {
		for range 60 {
			record(t, log, tooltrail.Call{ToolName: "bulk"})
		}
		p, err := log.Query(context.Background(), tooltrail.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Entries) != 50 || p.Entries[0].ID != 62 || p.NextCursor == "" {
			t.Errorf("default page: %d entries, first %d, next %q; want 50 from 62 and a cursor", len(p.Entries), p.Entries[0].ID, p.NextCursor)
		}
		p, err = log.Query(context.Background(), tooltrail.Filter{Limit: 5, Offset: 3})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]int64{59, 58, 57, 56, 55}, ids(p.Entries)); diff != "" {
			t.Errorf("limit 5 offset 3 (-want +got):\n%s", diff)
		}
	})
}

type failingMarshaler struct{}

func (failingMarshaler) MarshalJSON() ([]byte, error) { return nil, errors.New("no") }

func testArguments(t *testing.T, open OpenFunc) {
	log := newLog(t, open, nil)
	tests := []struct {
		name string
		args any
		want string // canonical JSON; "" for none
	}{
		{"NilIsNull", nil, ""},
		{"RawNullIsNull", json.RawMessage("null"), ""},
		{"KeysSorted", map[string]any{"b": 1, "a": map[string]any{"z": true, "y": nil}}, `{"a":{"y":null,"z":true},"b":1}`},
		{"RawNumbersKeptExact", json.RawMessage(`{"big": 12345678901234567890123, "f": 1.10, "e": 1E+2}`), `{"big":12345678901234567890123,"e":1E+2,"f":1.10}`},
		{"RawWhitespaceDropped", json.RawMessage(" [ 1 , \"x\" ,{ } ] "), `[1,"x",{}]`},
		{"NoHTMLEscaping", map[string]string{"q": "<a&b>"}, `{"q":"<a&b>"}`},
		{"ArrayTopLevel", []int{3, 1, 2}, `[3,1,2]`},
		{"StringTopLevel", "just text", `"just text"`},
		{"ChannelBecomesString", map[string]any{"c": make(chan int)}, `{"c":"` + "CHAN" + `"}`},
		{"NaNBecomesString", map[string]any{"x": math.NaN(), "y": math.Inf(1)}, `{"x":"NaN","y":"+Inf"}`},
		{"FailingMarshalerBecomesString", map[string]any{"m": failingMarshaler{}}, `{"m":"{}"}`},
		{"NonStringKeysBecomeStrings", map[int]any{2: "b", 1: make(chan int)}, `{"1":"CHAN","2":"b"}`},
		{"UnicodeKept", map[string]string{"k": "é ✓ 🙂"}, `{"k":"é ✓ 🙂"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := record(t, log, tooltrail.Call{ToolName: "args", Arguments: tt.args})
			e, err := log.Entry(context.Background(), r.ID)
			if err != nil {
				t.Fatal(err)
			}
			got := string(e.Arguments)
			if strings.Contains(tt.want, "CHAN") {
				// A channel prints as its address; check the shape only.
				if !strings.Contains(got, `"0x`) {
					t.Errorf("arguments = %s, want the channel as a string", got)
				}
				return
			}
			if got != tt.want {
				t.Errorf("arguments = %s, want %s", got, tt.want)
			}
		})
	}
}

func testLimits(t *testing.T, open OpenFunc) {
	log := newLog(t, open, nil)
	deep := strings.Repeat("[", 65) + strings.Repeat("]", 65)
	okDeep := strings.Repeat("[", 64) + strings.Repeat("]", 64)
	tests := []struct {
		name  string
		call  tooltrail.Call
		field string // "" means the call is accepted
		err   error
	}{
		{"ErrToolNameRequired", tooltrail.Call{}, "tool_name", tooltrail.ErrInvalidArgument},
		{"ErrToolNameTooLong", tooltrail.Call{ToolName: strings.Repeat("t", 257)}, "tool_name", tooltrail.ErrInvalidArgument},
		{"ToolNameAtLimit", tooltrail.Call{ToolName: strings.Repeat("t", 256)}, "", nil},
		{"ErrToolNameInvalidUTF8", tooltrail.Call{ToolName: "bad\xff"}, "tool_name", tooltrail.ErrInvalidArgument},
		{"ErrToolNameNUL", tooltrail.Call{ToolName: "a\x00b"}, "tool_name", tooltrail.ErrInvalidArgument},
		{"ErrSessionTooLong", tooltrail.Call{ToolName: "t", SessionID: strings.Repeat("s", 257)}, "session_id", tooltrail.ErrInvalidArgument},
		{"ErrTaskInvalidUTF8", tooltrail.Call{ToolName: "t", TaskID: "\xc3"}, "task_id", tooltrail.ErrInvalidArgument},
		{"ErrUserTooLong", tooltrail.Call{ToolName: "t", UserID: strings.Repeat("u", 257)}, "user_id", tooltrail.ErrInvalidArgument},
		{"ErrCallIDTooLong", tooltrail.Call{ToolName: "t", CallID: strings.Repeat("c", 257)}, "call_id", tooltrail.ErrInvalidArgument},
		{"ErrResultTooLarge", tooltrail.Call{ToolName: "t", ResultSummary: strings.Repeat("r", 64<<10+1)}, "result_summary", tooltrail.ErrTooLarge},
		{"ResultAtLimit", tooltrail.Call{ToolName: "t", ResultSummary: strings.Repeat("r", 64<<10)}, "", nil},
		{"ErrArgumentsTooLarge", tooltrail.Call{ToolName: "t", Arguments: strings.Repeat("a", 1<<20)}, "arguments", tooltrail.ErrTooLarge},
		{"ErrArgumentsTooDeep", tooltrail.Call{ToolName: "t", Arguments: json.RawMessage(deep)}, "arguments", tooltrail.ErrInvalidArgument},
		{"ArgumentsAtDepthLimit", tooltrail.Call{ToolName: "t", Arguments: json.RawMessage(okDeep)}, "", nil},
		{"ErrArgumentsNotJSON", tooltrail.Call{ToolName: "t", Arguments: json.RawMessage(`{"a":}`)}, "arguments", tooltrail.ErrInvalidArgument},
		{"ErrArgumentsTrailingData", tooltrail.Call{ToolName: "t", Arguments: json.RawMessage(`{} {}`)}, "arguments", tooltrail.ErrInvalidArgument},
		{"ErrArgumentsDuplicateKey", tooltrail.Call{ToolName: "t", Arguments: json.RawMessage(`{"a":1,"a":2}`)}, "arguments", tooltrail.ErrInvalidArgument},
		{"ErrArgumentsInvalidUTF8", tooltrail.Call{ToolName: "t", Arguments: json.RawMessage("\"\xff\"")}, "arguments", tooltrail.ErrInvalidArgument},
		{"ErrArgumentsNUL", tooltrail.Call{ToolName: "t", Arguments: map[string]string{"a": "x\x00"}}, "arguments", tooltrail.ErrInvalidArgument},
	}
	before, err := log.Head(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	accepted := int64(0)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := log.Record(context.Background(), tt.call)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Record: %v, want success", err)
				}
				accepted++
				return
			}
			var fe *tooltrail.FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field || !errors.Is(err, tt.err) {
				t.Fatalf("Record error = %v, want a FieldError on %s wrapping %v", err, tt.field, tt.err)
			}
		})
	}
	after, err := log.Head(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if after.Size != before.Size+accepted {
		t.Errorf("head moved from %d to %d, want only the %d accepted calls", before.Size, after.Size, accepted)
	}
}

func testTools(t *testing.T, open OpenFunc) {
	log := newLog(t, open, nil)
	tools, err := log.Tools(context.Background(), "")
	if err != nil || len(tools) != 0 {
		t.Fatalf("Tools() on an empty log = %v, %v; want none", tools, err)
	}
	for _, name := range []string{"b", "a", "b", "c", "b"} {
		record(t, log, tooltrail.Call{ToolName: name})
	}
	tools, err = log.Tools(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	want := []tooltrail.ToolCount{{Name: "a", Count: 1}, {Name: "b", Count: 3}, {Name: "c", Count: 1}}
	if diff := cmp.Diff(want, tools); diff != "" {
		t.Errorf("Tools() (-want +got):\n%s", diff)
	}
}

// testHostileText checks what encoding/json would silently change or what
// other readers cannot read: refused with the field named.
func testHostileText(t *testing.T, open OpenFunc) {
	log := newLog(t, open, nil)
	tests := []struct {
		name string
		args string
	}{
		{"ErrLoneHighSurrogate", `{"k":"a\ud800"}`},
		{"ErrLoneLowSurrogate", `{"k":"\udc00b"}`},
		{"ErrSurrogateInKey", `{"\ud800":1}`},
		{"ErrReversedPair", `["\udc00\ud800"]`},
		{"ErrNumberTooLong", `[` + strings.Repeat("9", 101) + `]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := log.Record(context.Background(), tooltrail.Call{ToolName: "t", Arguments: json.RawMessage(tt.args)})
			var fe *tooltrail.FieldError
			if !errors.As(err, &fe) || fe.Field != "arguments" {
				t.Errorf("Record(%s) error = %v, want a FieldError on arguments", tt.args, err)
			}
		})
	}
	for _, ok := range []string{`["\ud83d\ude00"]`, `["\\ud800"]`, `[` + strings.Repeat("9", 100) + `]`} {
		if _, err := log.Record(context.Background(), tooltrail.Call{ToolName: "t", Arguments: json.RawMessage(ok)}); err != nil {
			t.Errorf("Record(%s): %v, want success", ok, err)
		}
	}
}
