package redact_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/tooltrail/tooltrail/redact"
)

// Output equals the input byte for byte, and is the input itself, when
// nothing matched: whitespace, escapes and numbers as written.
func TestJSONUnchanged(t *testing.T) {
	r := newDefault(t)
	for _, in := range []string{
		`1.50`, `1e400`, `-0`, `-0.0e+00`, `123456789012345678901234567890.000001`,
		`"plain"`, `null`, `true`, `false`, `[]`, `{}`, ` [ ] `, "\t{ }\r\n",
		`{"a":1.50,"b":1e400,"c":-0,"d":1E-7}`,
		`{"z": 1, "a": 2, "m": {"y": [1, 2, {"x": "\u00e9\n\ud83d\ude00\/"}]}}`,
		"{\n  \"k\" :\t[ 1 , 2 ] ,\n  \"s\": \"tab\\there\"\n}\n",
		`{"password_policy": "\"quoted\" \\ back"}`,
	} {
		raw := []byte(in)
		out, n, err := r.JSON(raw)
		if err != nil || n != 0 || string(out) != in {
			t.Errorf("JSON(%s) = %s, %d, %v; want it unchanged", in, out, n, err)
			continue
		}
		if &out[0] != &raw[0] {
			t.Errorf("JSON(%s) returned a copy; want raw itself", in)
		}
	}
}

// Only what is secret changes: numbers, whitespace and key order stay.
func TestJSONKeepsTheRest(t *testing.T) {
	r := newDefault(t)
	in := "{\"z\" : 1.50, \"password\" :\n \"hunter2\" , \"n\": [1e400, -0, 0.10],\n \"note\": \"password=x\", \"a\": {\"b\": \"\\u00e9\"}}"
	want := "{\"z\" : 1.50, \"password\" :\n \"" + wantMarker(testKey, "key:password", "hunter2") +
		"\" , \"n\": [1e400, -0, 0.10],\n \"note\": \"password=" + wantMarker(testKey, "assignment", "x") +
		"\", \"a\": {\"b\": \"\\u00e9\"}}"
	got, n := mustJSON(t, r, in)
	if got != want || n != 2 {
		t.Errorf("JSON\n = %s, %d\nwant %s, 2", got, n, want)
	}
}

// A string with a replaced secret is written anew and decodes to the
// redacted text.
func TestJSONRewrittenString(t *testing.T) {
	r := newDefault(t)
	text := "line1\n\t\"q\" \\ \u00e9 \U0001F600 \x01 password=hunter2 </script>"
	want, _ := r.Text(text)
	in := `{"s": ` + strings.ReplaceAll(jsonString(text), "é", `\u00e9`) + `}`
	got, n := mustJSON(t, r, in)
	var v struct{ S string }
	if err := json.Unmarshal([]byte(got), &v); err != nil || v.S != want || n != 1 {
		t.Errorf("JSON(%s) = %s (%q, %v); want the string %q", in, got, v.S, err, want)
	}
}

// The marker of a non-string value is over its compact JSON text.
func TestJSONSecretValues(t *testing.T) {
	r := newDefault(t)
	for _, c := range []struct{ value, text string }{
		{`"hunter2"`, "hunter2"},
		{`"caf\u00e9"`, "café"},
		{`1.50`, "1.50"},
		{`-0`, "-0"},
		{`false`, "false"},
		{"{ \"user\" : \"a\" ,\n \"pass\": [ 1, \"b c\" ] }", `{"user":"a","pass":[1,"b c"]}`},
		{`[]`, `[]`},
		{`{"password": "inner"}`, `{"password":"inner"}`},
	} {
		in := `{"token": ` + c.value + `}`
		want := `{"token": "` + wantMarker(testKey, "key:token", c.text) + `"}`
		if got, n := mustJSON(t, r, in); got != want || n != 1 {
			t.Errorf("JSON(%s) = %s, %d; want %s, 1", in, got, n, want)
		}
	}
}

func TestJSONInvalid(t *testing.T) {
	r := newDefault(t)
	for _, in := range []string{
		``, ` `, `{`, `}`, `[1,]`, `{"a":1,}`, `{"a" 1}`, `{a:1}`, `[1 2]`, `01`, `1.`, `.5`, `-`,
		`1e`, `+1`, `tru`, `nul`, `"abc`, `"\x"`, `"\u12"`, `"\u12G4"`, "\"a\tb\"", `[1] [2]`,
		`{"password": }`, `{"password": "x"`, `{"token": [1, }`, `NaN`, `'a'`, "\xef\xbb\xbf{}",
		`{"a":1}x`, `[`, `["a",`, `{"a"`, `{"a":`, `"\`,
	} {
		out, n, err := r.JSON([]byte(in))
		if !errors.Is(err, redact.ErrInvalidJSON) || out != nil || n != 0 {
			t.Errorf("JSON(%q) = %q, %d, %v; want ErrInvalidJSON", in, out, n, err)
		}
		if json.Valid([]byte(in)) {
			t.Errorf("bad case %q: encoding/json finds it valid", in)
		}
	}
}

// Nesting is allowed as deep as encoding/json allows it.
func TestJSONDepth(t *testing.T) {
	r := newDefault(t)
	for _, depth := range []int{64, 10000, 10001} {
		in := strings.Repeat(`[{"a":`, depth/2) + strings.Repeat("[", depth%2) + `"password=x"` +
			strings.Repeat("]", depth%2) + strings.Repeat(`}]`, depth/2)
		_, n, err := r.JSON([]byte(in))
		if valid := json.Valid([]byte(in)); valid != (err == nil) || valid && n != 1 {
			t.Errorf("depth %d: JSON = %d, %v; encoding/json says valid = %v", depth, n, err, valid)
		}
	}
}

func TestJSONOff(t *testing.T) {
	r, err := redact.New(testKey, redact.Off())
	if err != nil {
		t.Fatal(err)
	}
	in := `{"password": "hunter2", "note": "AKIAIOSFODNN7EXAMPLE"}`
	if out, n, err := r.JSON([]byte(in)); err != nil || n != 0 || string(out) != in {
		t.Errorf("JSON = %s, %d, %v; want it unchanged", out, n, err)
	}
	if _, _, err := r.JSON([]byte(`{`)); !errors.Is(err, redact.ErrInvalidJSON) {
		t.Errorf("JSON({) = %v; want ErrInvalidJSON even with no rules", err)
	}
	if s, n := r.Text("password=hunter2"); s != "password=hunter2" || n != 0 {
		t.Errorf("Text = %q, %d; want it unchanged", s, n)
	}
}
