package tooltrail

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"
)

// canonicalJSON returns the canonical form of one JSON value: no
// insignificant white space, object keys sorted by their UTF-8 bytes,
// numbers exactly as written, strings re-escaped without HTML escaping.
// It refuses invalid UTF-8, NUL characters in strings, duplicate keys,
// nesting deeper than maxDepth and trailing data, naming field in the error.
func canonicalJSON(field string, raw []byte, maxDepth int) ([]byte, error) {
	if !utf8.Valid(raw) {
		return nil, invalid(field, "must be valid UTF-8")
	}
	if err := CheckJSONText(field, raw); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	c := canonicalizer{dec: dec, field: field, maxDepth: maxDepth}
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

type canonicalizer struct {
	dec      *json.Decoder
	field    string
	maxDepth int
}

func (c *canonicalizer) token() (json.Token, error) {
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

func (c *canonicalizer) value(out *bytes.Buffer, depth int) error {
	t, err := c.token()
	if err != nil {
		return err
	}
	return c.write(out, t, depth)
}

func (c *canonicalizer) write(out *bytes.Buffer, t json.Token, depth int) error {
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

func (c *canonicalizer) writeString(out *bytes.Buffer, s string) error {
	if strings.IndexByte(s, 0) >= 0 {
		return invalid(c.field, "must not contain NUL characters")
	}
	writeJSONString(out, s)
	return nil
}

func (c *canonicalizer) array(out *bytes.Buffer, depth int) error {
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

type member struct {
	key   string
	value []byte
}

func (c *canonicalizer) object(out *bytes.Buffer, depth int) error {
	var members []member
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
		members = append(members, member{key, v.Bytes()})
	}
	slices.SortFunc(members, func(a, b member) int { return strings.Compare(a.key, b.key) })
	out.WriteByte('{')
	for i, m := range members {
		if i > 0 {
			if m.key == members[i-1].key {
				return invalid(c.field, "has the key %q twice", m.key)
			}
			out.WriteByte(',')
		}
		writeJSONString(out, m.key)
		out.WriteByte(':')
		out.Write(m.value)
	}
	out.WriteByte('}')
	return nil
}

// writeJSONString writes s as a JSON string without HTML escaping. s must be
// valid UTF-8.
func writeJSONString(out *bytes.Buffer, s string) {
	if plainString(s) {
		out.WriteByte('"')
		out.WriteString(s)
		out.WriteByte('"')
		return
	}
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)           // a string always encodes
	out.Truncate(out.Len() - 1) // Encode appends a newline
}

// plainString reports whether s is printable ASCII without '"' and '\\',
// which encoding/json writes as it is: the common case, written without an
// encoder.
func plainString(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// argumentsJSON turns a Go value into canonical JSON. A json.RawMessage is
// taken as JSON (a []byte is not: like encoding/json, it becomes a base64
// string); nil and JSON null give nil. Values that JSON
// cannot encode (channels, functions, complex numbers, NaN, failing
// marshalers) become strings, as oAI-Web's audit log does.
func argumentsJSON(v any, maxBytes, maxDepth int) ([]byte, error) {
	var raw []byte
	switch a := v.(type) {
	case nil:
		return nil, nil
	case json.RawMessage:
		if a == nil {
			return nil, nil
		}
		raw = a
	default:
		var err error
		if raw, err = json.Marshal(v); err != nil {
			if raw, err = json.Marshal(jsonify(v, 0)); err != nil {
				return nil, fmt.Errorf("%w: arguments: %v", ErrInvalidArgument, err)
			}
		}
	}
	// The limit is on the canonical form; white space in the input may
	// take it up to four times as much before it is dropped.
	if len(raw) > 4*maxBytes {
		return nil, tooLarge("arguments", maxBytes)
	}
	canon, err := canonicalJSON("arguments", raw, maxDepth)
	if err != nil {
		return nil, err
	}
	if string(canon) == "null" {
		return nil, nil
	}
	if len(canon) > maxBytes {
		return nil, tooLarge("arguments", maxBytes)
	}
	return canon, nil
}
