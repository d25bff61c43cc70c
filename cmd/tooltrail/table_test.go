package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/tooltrail/tooltrail"
)

func TestPreview(t *testing.T) {
	long := strings.Repeat("a", 100)
	tests := []struct {
		name string
		in   string
		max  int
		want string
	}{
		{"ShortUnchanged", `{"q":"go"}`, 60, `{"q":"go"}`},
		{"ExactlyMaxUnchanged", strings.Repeat("x", 60), 60, strings.Repeat("x", 60)},
		{"LongCut", long, 60, strings.Repeat("a", 59) + "…"},
		{"NewlinesAndTabsOneSpace", "a\n\tb\r\nc", 60, "a b c"},
		{"EscapesRemoved", "red \x1b[31mtext", 60, "red [31mtext"},
		{"BidiOverrideRemoved", "abc\u202Edef", 60, "abc def"},
		{"CutsRunesNotBytes", strings.Repeat("é", 70), 60, strings.Repeat("é", 59) + "…"},
		{"InvalidUTF8Replaced", "a\xffb", 60, "a\uFFFDb"},
		{"Empty", "", 60, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := preview(tt.in, tt.max); got != tt.want {
				t.Errorf("preview(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestWriteTable(t *testing.T) {
	ts := time.Date(2026, 1, 2, 15, 4, 5, 123456000, time.UTC)
	entries := []tooltrail.Entry{
		{ID: 2, Timestamp: ts, ToolName: "web\tsearch", UserID: "ann", SessionID: "s1", TaskID: "t1", Confirmed: true,
			Arguments: json.RawMessage(`{"q":"` + strings.Repeat("z", 80) + `"}`), ResultSummary: "line one\nline two"},
		{ID: 1, Timestamp: ts, ToolName: "shell"},
	}
	var b bytes.Buffer
	if err := writeTable(&b, entries, true); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("got %d lines, want 3:\n%s", len(lines), b.String())
	}
	for _, col := range []string{"ID", "TIME", "TOOL", "USER", "SESSION", "TASK", "CONFIRMED", "ARGUMENTS", "RESULT"} {
		if !strings.Contains(lines[0], col) {
			t.Errorf("header %q lacks %s", lines[0], col)
		}
	}
	for _, want := range []string{"2026-01-02T15:04:05Z", "web search", "ann", "yes", "…", "line one line two"} {
		if !strings.Contains(lines[1], want) {
			t.Errorf("row %q lacks %q", lines[1], want)
		}
	}
	if strings.Contains(lines[2], "yes") {
		t.Errorf("unconfirmed row %q says yes", lines[2])
	}
	if strings.Index(lines[0], "TOOL") != strings.Index(lines[1], "web search") {
		t.Errorf("columns do not line up:\n%s", b.String())
	}
}
