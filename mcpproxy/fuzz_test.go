package mcpproxy

import (
	"encoding/json"
	"errors"
	"testing"
	"unicode/utf8"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
)

// FuzzDecodeLine feeds the stdio decoder any line: it returns messages or
// a *MalformedError, never panics, and what it decodes encodes again.
func FuzzDecodeLine(f *testing.F) {
	for _, s := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x","arguments":{"a":1}}}`,
		`{"jsonrpc":"2.0","id":"a","result":{"content":[]}}`,
		`[{"jsonrpc":"2.0","method":"notifications/initialized"},{"jsonrpc":"2.0","id":2,"method":"ping"}]`,
		`{"jsonrpc":"2.0","id":1,"method":`, `[]`, `null`, `{"jsonrpc":"2.0","id":{},"method":"x"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		msgs, err := decodeLine(line)
		if err != nil {
			var me *MalformedError
			if !errors.As(err, &me) {
				t.Fatalf("decodeLine error %v is not a *MalformedError", err)
			}
			return
		}
		if len(msgs) == 0 {
			t.Fatal("no messages and no error")
		}
		for _, m := range msgs {
			if _, err := jsonrpc.EncodeMessage(m); err != nil {
				t.Fatalf("a decoded message does not encode: %v", err)
			}
		}
	})
}

// FuzzSummarize gives summarize any result: the summary is valid UTF-8,
// has no NUL, and stays within its bound.
func FuzzSummarize(f *testing.F) {
	for _, s := range []string{
		`{"content":[{"type":"text","text":"hello"}]}`,
		`{"content":[{"type":"image","data":"iVBORw0KGgo=","mimeType":"image/png"}],"isError":true}`,
		`{"content":[{"type":"resource","resource":{"uri":"file:///a","blob":"AAAA"}}]}`,
		`{"structuredContent":{"a":1}}`, `"not an object"`, `{"content":[{"type":"text","text":"\u0000\ud800"}]}`,
	} {
		f.Add([]byte(s), 64)
	}
	f.Fuzz(func(t *testing.T, result []byte, max int) {
		if max < 32 || max > 1<<16 {
			return
		}
		id, _ := jsonrpc.MakeID(float64(1))
		resp := &jsonrpc.Response{ID: id, Result: json.RawMessage(result)}
		s := summarize(resp, max)
		if !utf8.ValidString(s) {
			t.Fatalf("summary %q is not UTF-8", s)
		}
		for i := 0; i < len(s); i++ {
			if s[i] == 0 {
				t.Fatalf("summary %q has a NUL", s)
			}
		}
		if len(s) > max+32 {
			t.Fatalf("summary of %d bytes over a bound of %d", len(s), max)
		}
	})
}
