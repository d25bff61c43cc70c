package tooltrail

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzCanonicalJSON checks that canonical JSON is a fixed point, means the
// same as its input, and that every refusal is a FieldError.
func FuzzCanonicalJSON(f *testing.F) {
	for _, s := range []string{`{"b":1,"a":[true,null,"x"]}`, `12345678901234567890.5e-3`, `"\u00e9\ud83d\ude00"`, `[[[]]]`, `{"a":1,"a":2}`, `{"<":"&"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		canon, err := canonicalJSON("arguments", raw, 64)
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != "arguments" || !errors.Is(err, ErrInvalidArgument) {
				t.Fatalf("error %v is not a FieldError on arguments", err)
			}
			return
		}
		again, err := canonicalJSON("arguments", canon, 64)
		if err != nil || !bytes.Equal(again, canon) {
			t.Fatalf("canonical %q is not a fixed point: %q, %v", canon, again, err)
		}
		var a, b any
		if json.Unmarshal(raw, &a) != nil || json.Unmarshal(canon, &b) != nil {
			t.Fatalf("canonical form of valid JSON %q does not parse", raw)
		}
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		if !bytes.Equal(ja, jb) {
			t.Fatalf("canonical %q means something else than %q", canon, raw)
		}
	})
}

// FuzzCheckJSONText checks that text CheckJSONText accepts decodes without
// encoding/json putting in a U+FFFD that the text did not hold.
func FuzzCheckJSONText(f *testing.F) {
	for _, s := range []string{`"\ud83d\ude00"`, `"\ud800"`, `["\\ud800"]`, `{"\udc00":1}`, `"\ud800\u0041"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if CheckJSONText("f", raw) != nil || !json.Valid(raw) {
			return
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return
		}
		out, _ := json.Marshal(v)
		if bytes.Contains(out, []byte("\ufffd")) && !bytes.Contains(raw, []byte("\ufffd")) &&
			!bytes.Contains(bytes.ToLower(raw), []byte(`\ufffd`)) && utf8.Valid(raw) {
			t.Fatalf("accepted %q, which decodes with a replacement character: %s", raw, out)
		}
	})
}

// FuzzWriteJSONString checks that strings are escaped exactly as
// encoding/json escapes them without HTML escaping, invalid UTF-8
// included.
func FuzzWriteJSONString(f *testing.F) {
	for _, s := range []string{"plain", "<a&b>", "quote\"", "back\\slash", "tab\t", "é", "\x7f", "",
		"é\u2028\u2029\x00\x1f", "\xff\xfe", "\U0001F600"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var fast, slow bytes.Buffer
		writeJSONString(&fast, s)
		enc := json.NewEncoder(&slow)
		enc.SetEscapeHTML(false)
		enc.Encode(s)
		if got, want := fast.String(), strings.TrimSuffix(slow.String(), "\n"); got != want {
			t.Fatalf("writeJSONString(%q) = %s, encoding/json writes %s", s, got, want)
		}
	})
}
