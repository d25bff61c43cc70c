package tooltrail

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// The canonicalizer on encoding/json's tokens that canonicalJSON replaced,
// kept as the reference it must agree with (FuzzCanonicalJSONAgrees):
// leaves written by it verify only if both give the same bytes.

// refCanonicalJSON returns the canonical form of one JSON value: no
// insignificant white space, object keys sorted by their UTF-8 bytes,
// numbers exactly as written, strings re-escaped without HTML escaping.
// It refuses invalid UTF-8, NUL characters in strings, duplicate keys,
// nesting deeper than maxDepth and trailing data, naming field in the error.
func refCanonicalJSON(field string, raw []byte, maxDepth int) ([]byte, error) {
	if !utf8.Valid(raw) {
		return nil, invalid(field, "must be valid UTF-8")
	}
	if err := CheckJSONText(field, raw); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	c := refCanonicalizer{dec: dec, field: field, maxDepth: maxDepth}
	var out bytes.Buffer
	out.Grow(len(raw))
	if err := c.value(&out, 0); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, invalid(field, "must be a single JSON value")
	}
	return out.Bytes(), nil
}

type refCanonicalizer struct {
	dec      *json.Decoder
	field    string
	maxDepth int
}

func (c *refCanonicalizer) token() (json.Token, error) {
	t, err := c.dec.Token()
	if err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, invalid(c.field, "is not valid JSON: %v (at byte %d)", se, se.Offset)
		}
		if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, invalid(c.field, "is not valid JSON: unexpected end")
		}
		return nil, invalid(c.field, "is not valid JSON: %v", err)
	}
	return t, nil
}

func (c *refCanonicalizer) value(out *bytes.Buffer, depth int) error {
	t, err := c.token()
	if err != nil {
		return err
	}
	return c.write(out, t, depth)
}

func (c *refCanonicalizer) write(out *bytes.Buffer, t json.Token, depth int) error {
	switch v := t.(type) {
	case json.Delim:
		if depth+1 > c.maxDepth {
			return invalid(c.field, "is nested more than %d levels deep", c.maxDepth)
		}
		if v == '[' {
			return c.array(out, depth+1)
		}
		return c.object(out, depth+1)
	case string:
		return c.writeString(out, v)
	case json.Number:
		if err := checkNumber(c.field, string(v)); err != nil {
			return err
		}
		out.WriteString(string(v))
	case bool:
		if v {
			out.WriteString("true")
		} else {
			out.WriteString("false")
		}
	case nil:
		out.WriteString("null")
	}
	return nil
}

func (c *refCanonicalizer) writeString(out *bytes.Buffer, s string) error {
	if strings.IndexByte(s, 0) >= 0 {
		return invalid(c.field, "must not contain NUL characters")
	}
	refWriteJSONString(out, s)
	return nil
}

func (c *refCanonicalizer) array(out *bytes.Buffer, depth int) error {
	out.WriteByte('[')
	for first := true; ; first = false {
		t, err := c.token()
		if err != nil {
			return err
		}
		if t == json.Delim(']') {
			out.WriteByte(']')
			return nil
		}
		if !first {
			out.WriteByte(',')
		}
		if err := c.write(out, t, depth); err != nil {
			return err
		}
	}
}

type refMember struct {
	key   string
	value []byte
}

func (c *refCanonicalizer) object(out *bytes.Buffer, depth int) error {
	var members []refMember
	for {
		t, err := c.token()
		if err != nil {
			return err
		}
		if t == json.Delim('}') {
			break
		}
		key := t.(string) // the decoder only yields string keys inside objects
		if strings.IndexByte(key, 0) >= 0 {
			return invalid(c.field, "must not contain NUL characters")
		}
		var v bytes.Buffer
		if err := c.value(&v, depth); err != nil {
			return err
		}
		members = append(members, refMember{key, v.Bytes()})
	}
	slices.SortFunc(members, func(a, b refMember) int { return strings.Compare(a.key, b.key) })
	out.WriteByte('{')
	for i, m := range members {
		if i > 0 {
			if m.key == members[i-1].key {
				return invalid(c.field, "has the key %q twice", m.key)
			}
			out.WriteByte(',')
		}
		refWriteJSONString(out, m.key)
		out.WriteByte(':')
		out.Write(m.value)
	}
	out.WriteByte('}')
	return nil
}

// refWriteJSONString is writeJSONString as it was: encoding/json's string
// encoder.
func refWriteJSONString(out *bytes.Buffer, s string) {
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	out.Truncate(out.Len() - 1)
}

// FuzzCanonicalJSONAgrees checks canonicalJSON against the reference on
// any input: both accept it and give the same bytes, or both refuse it.
func FuzzCanonicalJSONAgrees(f *testing.F) {
	for _, s := range []string{
		`{"b":1,"a":[true,false,null,"x"]}`, `"\u00e9\u2028\ud83d\ude00\/\b\f\n\r\t\"\\"`, `-0.5e+10`, `[]`, `{}`,
		`{"a":{"c":1,"b":2},"a2":"é<>&"}`, `"\u0000"`, `{"a":1,"a":2}`, `[1,]`, `01`, `1.`, `"\x01"`, "\"\x7f\"",
		`{"k": [1, 2, {"z": null}] }  `, `nul`, `"\ud800"`, `"\udc00\ud800"`, `[[[[[[]]]]]]`, `"\u12"`, `1e5x`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, err := canonicalJSON("arguments", raw, 5)
		want, refErr := refCanonicalJSON("arguments", raw, 5)
		if (err == nil) != (refErr == nil) {
			t.Fatalf("%q: canonicalJSON error %v, reference error %v", raw, err, refErr)
		}
		if err == nil && !bytes.Equal(got, want) {
			t.Fatalf("%q: canonicalJSON %q, reference %q", raw, got, want)
		}
		if err != nil && !errors.Is(err, ErrInvalidArgument) {
			t.Fatalf("%q: %v does not wrap ErrInvalidArgument", raw, err)
		}
	})
}

// BenchmarkCanonicalJSON compares canonicalJSON with the reference on the
// arguments of the bench workload (200 B to 8 KiB).
func BenchmarkCanonicalJSON(b *testing.B) {
	args := benchArguments(b)
	for _, impl := range []struct {
		name string
		fn   func(string, []byte, int) ([]byte, error)
	}{{"impl=parser", canonicalJSON}, {"impl=encoding-json-tokens", refCanonicalJSON}} {
		b.Run(impl.name, func(b *testing.B) {
			var n int64
			for i := 0; b.Loop(); i++ {
				raw := args[i%len(args)]
				if _, err := impl.fn("arguments", raw, 64); err != nil {
					b.Fatal(err)
				}
				n += int64(len(raw))
			}
			b.SetBytes(n / int64(b.N))
		})
	}
}

// benchArguments returns 64 argument documents shaped as tool calls send
// them: a few keys, nested options, paths, and text of 200 B to 8 KiB.
func benchArguments(b *testing.B) [][]byte {
	b.Helper()
	var out [][]byte
	for i := range 64 {
		text := strings.Repeat("the quick brown fox jumps over the lazy dog; ", 4+i*i%180)
		doc := map[string]any{
			"path": fmt.Sprintf("/srv/data/project-%d/file-%d.txt", i%7, i), "recursive": i%2 == 0, "depth": i % 5,
			"options": map[string]any{"encoding": "utf-8", "limit": 1000 + i, "patterns": []any{"*.go", "*.md", "naïve café"}},
			"content": text,
		}
		raw, err := json.MarshalIndent(doc, "", "  ")
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, raw)
	}
	return out
}
