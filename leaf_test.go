package tooltrail_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/tooltrail/tooltrail"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s changed (-want +got); a change of leaf bytes needs a new LeafVersion:\n%s", name, diff)
	}
}

var leafCases = []struct {
	name  string
	entry tooltrail.Entry
}{
	{"full", tooltrail.Entry{
		ID: 42, Timestamp: time.Date(2026, 3, 1, 12, 0, 0, 123456000, time.UTC), SessionID: "sess-1",
		ToolName: "read_file", Arguments: json.RawMessage(`{"n":1.50,"path":"/etc/<hosts>"}`),
		ResultSummary: "ok \"quoted\" é\n", Confirmed: true, TaskID: "task-9", UserID: "alice", CallID: "c-1",
	}},
	{"minimal", tooltrail.Entry{ID: 1, Timestamp: time.Unix(0, 0).UTC(), ToolName: "t"}},
	{"imported", tooltrail.Entry{
		ID: 7, Timestamp: time.Date(2026, 4, 8, 10, 43, 24, 123456000, time.UTC), ToolName: "read_file",
		Arguments: json.RawMessage(`{"path":"x"}`), CallID: "oai-web:3",
		Imported: &tooltrail.Imported{Source: "oai-web", ID: 3, Timestamp: "2026-04-08T10:43:24.123456+00:00"},
	}},
	{"salted", tooltrail.Entry{
		ID: 42, Timestamp: time.Date(2026, 3, 1, 12, 0, 0, 123456000, time.UTC), SessionID: "sess-1",
		ToolName: "delete_repository", Arguments: json.RawMessage(`{"repo":"bob/payroll"}`), UserID: "bob",
		Salt: bytes.Repeat([]byte{0xa5, 0x0f}, tooltrail.SaltSize/2),
	}},
	{"salted_imported", tooltrail.Entry{
		ID: 7, Timestamp: time.Date(2026, 4, 8, 10, 43, 24, 123456000, time.UTC), ToolName: "read_file",
		Arguments: json.RawMessage(`{"path":"x"}`), CallID: "oai-web:3", Salt: make([]byte, tooltrail.SaltSize),
		Imported: &tooltrail.Imported{Source: "oai-web", ID: 3, Timestamp: "2026-04-08T10:43:24.123456+00:00"},
	}},
}

func TestLeafGolden(t *testing.T) {
	for _, tt := range leafCases {
		t.Run(tt.name, func(t *testing.T) {
			leaf := tooltrail.EncodeLeaf(tt.entry)
			golden(t, "leaf_"+tt.name+".json", leaf)
			got, err := tooltrail.DecodeLeaf(leaf)
			if err != nil {
				t.Fatal(err)
			}
			want := tt.entry
			want.Leaf = leaf
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("DecodeLeaf(EncodeLeaf(e)) (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeLeafRefuses(t *testing.T) {
	tests := []struct{ name, leaf string }{
		{"ErrNotJSON", `not json`},
		{"ErrUnknownVersion", `{"v":2,"id":1,"timestamp":"1970-01-01T00:00:00.000000Z","tool_name":"t","arguments":null,"result_summary":null,"confirmed":false,"session_id":null,"task_id":null,"user_id":null,"call_id":null}`},
		{"ErrUnknownField", `{"v":1,"x":1}`},
		{"ErrFieldOrder", `{"id":1,"v":1,"timestamp":"1970-01-01T00:00:00.000000Z","tool_name":"t","arguments":null,"result_summary":null,"confirmed":false,"session_id":null,"task_id":null,"user_id":null,"call_id":null}`},
		{"ErrEmptyStringNotNull", `{"v":1,"id":1,"timestamp":"1970-01-01T00:00:00.000000Z","tool_name":"t","arguments":null,"result_summary":"","confirmed":false,"session_id":null,"task_id":null,"user_id":null,"call_id":null}`},
		{"ErrTimestampNotMicroseconds", `{"v":1,"id":1,"timestamp":"1970-01-01T00:00:00Z","tool_name":"t","arguments":null,"result_summary":null,"confirmed":false,"session_id":null,"task_id":null,"user_id":null,"call_id":null}`},
		{"ErrArgumentsUnsorted", `{"v":1,"id":1,"timestamp":"1970-01-01T00:00:00.000000Z","tool_name":"t","arguments":{"b":1,"a":2},"result_summary":null,"confirmed":false,"session_id":null,"task_id":null,"user_id":null,"call_id":null}`},
		{"ErrImportedAsVersion1", `{"v":1,"id":1,"timestamp":"1970-01-01T00:00:00.000000Z","tool_name":"t","arguments":null,"result_summary":null,"confirmed":false,"session_id":null,"task_id":null,"user_id":null,"call_id":null,"imported":{"source":"s","id":1,"timestamp":"x"}}`},
		{"ErrVersion2NotImported", `{"v":2,"id":1,"timestamp":"1970-01-01T00:00:00.000000Z","tool_name":"t","arguments":null,"result_summary":null,"confirmed":false,"session_id":null,"task_id":null,"user_id":null,"call_id":null}`},
		{"ErrWhitespace", `{"v":1, "id":1,"timestamp":"1970-01-01T00:00:00.000000Z","tool_name":"t","arguments":null,"result_summary":null,"confirmed":false,"session_id":null,"task_id":null,"user_id":null,"call_id":null}`},
		{"ErrVersion3WithoutSalt", `{"v":3,"id":1,"timestamp":"1970-01-01T00:00:00.000000Z","tool_name":"t","arguments":null,"result_summary":null,"confirmed":false,"session_id":null,"task_id":null,"user_id":null,"call_id":null}`},
		{"ErrSaltOnVersion1", `{"v":1,"id":1,"salt":"00112233445566778899aabbccddeeff","timestamp":"1970-01-01T00:00:00.000000Z","tool_name":"t","arguments":null,"result_summary":null,"confirmed":false,"session_id":null,"task_id":null,"user_id":null,"call_id":null}`},
		{"ErrSaltUpperCase", `{"v":3,"id":1,"salt":"00112233445566778899AABBCCDDEEFF","timestamp":"1970-01-01T00:00:00.000000Z","tool_name":"t","arguments":null,"result_summary":null,"confirmed":false,"session_id":null,"task_id":null,"user_id":null,"call_id":null}`},
		{"ErrSaltShort", `{"v":3,"id":1,"salt":"00112233445566778899aabbccddee","timestamp":"1970-01-01T00:00:00.000000Z","tool_name":"t","arguments":null,"result_summary":null,"confirmed":false,"session_id":null,"task_id":null,"user_id":null,"call_id":null}`},
		{"ErrSaltLong", `{"v":3,"id":1,"salt":"00112233445566778899aabbccddeeff00","timestamp":"1970-01-01T00:00:00.000000Z","tool_name":"t","arguments":null,"result_summary":null,"confirmed":false,"session_id":null,"task_id":null,"user_id":null,"call_id":null}`},
		{"ErrSaltNull", `{"v":3,"id":1,"salt":null,"timestamp":"1970-01-01T00:00:00.000000Z","tool_name":"t","arguments":null,"result_summary":null,"confirmed":false,"session_id":null,"task_id":null,"user_id":null,"call_id":null}`},
		{"ErrSaltAfterTimestamp", `{"v":3,"id":1,"timestamp":"1970-01-01T00:00:00.000000Z","salt":"00112233445566778899aabbccddeeff","tool_name":"t","arguments":null,"result_summary":null,"confirmed":false,"session_id":null,"task_id":null,"user_id":null,"call_id":null}`},
		{"ErrTrailingData", `{"v":1,"id":1,"timestamp":"1970-01-01T00:00:00.000000Z","tool_name":"t","arguments":null,"result_summary":null,"confirmed":false,"session_id":null,"task_id":null,"user_id":null,"call_id":null}x`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tooltrail.DecodeLeaf([]byte(tt.leaf)); !errors.Is(err, tooltrail.ErrInvalidArgument) {
				t.Errorf("DecodeLeaf: %v, want ErrInvalidArgument", err)
			}
		})
	}
}

// FuzzDecodeLeaf checks that every leaf DecodeLeaf accepts encodes back to
// the same bytes, so one entry has exactly one leaf.
func FuzzDecodeLeaf(f *testing.F) {
	for _, tt := range leafCases {
		f.Add(tooltrail.EncodeLeaf(tt.entry))
	}
	f.Add([]byte(`{"v":1}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := tooltrail.DecodeLeaf(b)
		if err != nil {
			return
		}
		if got := tooltrail.EncodeLeaf(e); string(got) != string(b) {
			t.Fatalf("accepted %q, which encodes back as %q", b, got)
		}
	})
}

// FuzzDecodeLeafFastAgrees checks that the fast decoder accepts only what
// the full one accepts, as the same entry, and every leaf the full one
// accepts but those with a NUL character (which no Log writes, and which
// the fast one leaves to the full one).
func FuzzDecodeLeafFastAgrees(f *testing.F) {
	for _, tt := range leafCases {
		f.Add(tooltrail.EncodeLeaf(tt.entry))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fast, ok := tooltrail.DecodeLeafFast(b)
		full, err := tooltrail.DecodeLeafJSON(b)
		if ok && (err != nil || !reflect.DeepEqual(fast, full)) {
			t.Fatalf("%q: fast %+v, full %+v (%v)", b, fast, full, err)
		}
		if err == nil && !ok && !bytes.Contains(b, []byte(`\u0000`)) {
			t.Fatalf("%q: the full decoder accepts it, the fast one does not", b)
		}
	})
}
