package tooltrail

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// canonicalJSON returns the canonical form of one JSON value: no
// insignificant white space, object keys sorted by their UTF-8 bytes,
// numbers exactly as written, strings re-escaped as encoding/json escapes
// them without HTML escaping. It refuses invalid UTF-8, NUL characters in
// strings, unpaired surrogate escapes, duplicate keys, nesting deeper than
// maxDepth and trailing data, naming field in the error. It parses the
// bytes itself: on encoding/json's tokens it was two thirds of the time
// Verify spent, and the largest part of a record's CPU outside the store.
func canonicalJSON(field string, raw []byte, maxDepth int) ([]byte, error) {
	if !utf8.Valid(raw) {
		return nil, invalid(field, "must be valid UTF-8")
	}
	if err := CheckJSONText(field, raw); err != nil {
		return nil, err
	}
	p := canonParser{in: raw, field: field, maxDepth: maxDepth}
	out := make([]byte, 0, len(raw))
	out, err := p.value(out, 0)
	if err != nil {
		return nil, err
	}
	p.space()
	if p.pos != len(p.in) {
		return nil, invalid(field, "must be a single JSON value")
	}
	return out, nil
}

// canonParser is one run of canonicalJSON over in.
type canonParser struct {
	in       []byte
	pos      int
	field    string
	maxDepth int
	str      []byte // scratch for decoded strings
}

// syntax returns the error of invalid JSON at the current position.
func (p *canonParser) syntax(what string) error {
	if p.pos >= len(p.in) {
		return invalid(p.field, "is not valid JSON: unexpected end")
	}
	return invalid(p.field, "is not valid JSON: invalid character %q %s (at byte %d)", p.in[p.pos], what, p.pos+1)
}

func (p *canonParser) space() {
	for p.pos < len(p.in) {
		switch p.in[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

// value appends the canonical form of the value at pos to out.
func (p *canonParser) value(out []byte, depth int) ([]byte, error) {
	p.space()
	if p.pos >= len(p.in) {
		return nil, p.syntax("")
	}
	switch c := p.in[p.pos]; {
	case c == '{' || c == '[':
		if depth+1 > p.maxDepth {
			return nil, invalid(p.field, "is nested more than %d levels deep", p.maxDepth)
		}
		if c == '[' {
			return p.array(out, depth+1)
		}
		return p.object(out, depth+1)
	case c == '"':
		s, err := p.string()
		if err != nil {
			return nil, err
		}
		return appendJSONString(out, s), nil
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number(out)
	case c == 't':
		return p.literal(out, "true")
	case c == 'f':
		return p.literal(out, "false")
	case c == 'n':
		return p.literal(out, "null")
	}
	return nil, p.syntax("looking for beginning of value")
}

func (p *canonParser) literal(out []byte, word string) ([]byte, error) {
	if !bytes.HasPrefix(p.in[p.pos:], []byte(word)) {
		for i := 0; i < len(word) && p.pos < len(p.in) && p.in[p.pos] == word[i]; i++ {
			p.pos++
		}
		return nil, p.syntax("in literal " + word)
	}
	p.pos += len(word)
	return append(out, word...), nil
}

// number appends the number at pos as written, after checking its grammar
// and length.
func (p *canonParser) number(out []byte) ([]byte, error) {
	start := p.pos
	digits := func() int {
		n := 0
		for p.pos < len(p.in) && p.in[p.pos] >= '0' && p.in[p.pos] <= '9' {
			p.pos++
			n++
		}
		return n
	}
	if p.in[p.pos] == '-' {
		p.pos++
	}
	switch {
	case p.pos < len(p.in) && p.in[p.pos] == '0':
		p.pos++
	case digits() == 0:
		return nil, p.syntax("in numeric literal")
	}
	if p.pos < len(p.in) && p.in[p.pos] == '.' {
		p.pos++
		if digits() == 0 {
			return nil, p.syntax("after decimal point in numeric literal")
		}
	}
	if p.pos < len(p.in) && (p.in[p.pos] == 'e' || p.in[p.pos] == 'E') {
		p.pos++
		if p.pos < len(p.in) && (p.in[p.pos] == '+' || p.in[p.pos] == '-') {
			p.pos++
		}
		if digits() == 0 {
			return nil, p.syntax("in exponent of numeric literal")
		}
	}
	n := p.in[start:p.pos]
	if err := checkNumber(p.field, string(n)); err != nil {
		return nil, err
	}
	return append(out, n...), nil
}

// string reads the string at pos and returns it decoded; the result is
// valid only until the next call.
func (p *canonParser) string() ([]byte, error) {
	p.pos++ // the opening quote
	start := p.pos
	// The common case: no escape, nothing to decode.
	for p.pos < len(p.in) {
		c := p.in[p.pos]
		if c == '"' {
			s := p.in[start:p.pos]
			p.pos++
			if bytes.IndexByte(s, 0) >= 0 {
				return nil, invalid(p.field, "must not contain NUL characters")
			}
			return s, nil
		}
		if c == '\\' {
			break
		}
		if c < 0x20 {
			return nil, p.syntax("in string literal")
		}
		p.pos++
	}
	s := append(p.str[:0], p.in[start:p.pos]...)
	for {
		if p.pos >= len(p.in) {
			return nil, p.syntax("")
		}
		c := p.in[p.pos]
		switch {
		case c == '"':
			p.pos++
			p.str = s
			if bytes.IndexByte(s, 0) >= 0 {
				return nil, invalid(p.field, "must not contain NUL characters")
			}
			return s, nil
		case c < 0x20:
			return nil, p.syntax("in string literal")
		case c != '\\':
			s = append(s, c)
			p.pos++
			continue
		}
		p.pos++ // the backslash
		if p.pos >= len(p.in) {
			return nil, p.syntax("")
		}
		e := p.in[p.pos]
		switch e {
		case '"', '\\', '/':
			s = append(s, e)
		case 'b':
			s = append(s, '\b')
		case 'f':
			s = append(s, '\f')
		case 'n':
			s = append(s, '\n')
		case 'r':
			s = append(s, '\r')
		case 't':
			s = append(s, '\t')
		case 'u':
			r, ok := hex4(p.in, p.pos+1)
			if !ok {
				p.pos++
				return nil, p.syntax("in \\u hexadecimal character escape")
			}
			p.pos += 4
			if utf16.IsSurrogate(r) {
				// CheckJSONText refused unpaired ones: the low half follows.
				lo, ok := hex4(p.in, p.pos+3)
				if !ok || p.pos+2 >= len(p.in) || p.in[p.pos+1] != '\\' || p.in[p.pos+2] != 'u' {
					return nil, unpaired(p.field, p.in[p.pos-5:p.pos+1], p.pos-5)
				}
				r = utf16.DecodeRune(r, lo)
				p.pos += 6
			}
			s = utf8.AppendRune(s, r)
		default:
			return nil, p.syntax("in string escape code")
		}
		p.pos++
	}
}

func (p *canonParser) array(out []byte, depth int) ([]byte, error) {
	p.pos++ // '['
	out = append(out, '[')
	p.space()
	if p.pos < len(p.in) && p.in[p.pos] == ']' {
		p.pos++
		return append(out, ']'), nil
	}
	for {
		var err error
		if out, err = p.value(out, depth); err != nil {
			return nil, err
		}
		p.space()
		if p.pos >= len(p.in) {
			return nil, p.syntax("")
		}
		switch p.in[p.pos] {
		case ',':
			p.pos++
			out = append(out, ',')
		case ']':
			p.pos++
			return append(out, ']'), nil
		default:
			return nil, p.syntax("after array element")
		}
	}
}

// member is one key and value of an object, as offsets into the object's
// buffer.
type member struct {
	key        string
	start, end int
}

func (p *canonParser) object(out []byte, depth int) ([]byte, error) {
	p.pos++ // '{'
	p.space()
	if p.pos < len(p.in) && p.in[p.pos] == '}' {
		p.pos++
		return append(out, '{', '}'), nil
	}
	var (
		members []member
		vals    []byte // the members' canonical values, one after the other
	)
	for {
		p.space()
		if p.pos >= len(p.in) || p.in[p.pos] != '"' {
			return nil, p.syntax("looking for beginning of object key string")
		}
		k, err := p.string()
		if err != nil {
			return nil, err
		}
		key := string(k)
		p.space()
		if p.pos >= len(p.in) || p.in[p.pos] != ':' {
			return nil, p.syntax("after object key")
		}
		p.pos++
		start := len(vals)
		if vals, err = p.value(vals, depth); err != nil {
			return nil, err
		}
		members = append(members, member{key: key, start: start, end: len(vals)})
		p.space()
		if p.pos >= len(p.in) {
			return nil, p.syntax("")
		}
		if p.in[p.pos] == '}' {
			p.pos++
			break
		}
		if p.in[p.pos] != ',' {
			return nil, p.syntax("after object key:value pair")
		}
		p.pos++
	}
	slices.SortFunc(members, func(a, b member) int { return strings.Compare(a.key, b.key) })
	out = append(out, '{')
	for i, m := range members {
		if i > 0 {
			if m.key == members[i-1].key {
				return nil, invalid(p.field, "has the key %q twice", m.key)
			}
			out = append(out, ',')
		}
		out = appendJSONString(out, []byte(m.key))
		out = append(out, ':')
		out = append(out, vals[m.start:m.end]...)
	}
	return append(out, '}'), nil
}

// writeJSONString writes s as a JSON string, escaped as encoding/json
// escapes it without HTML escaping (see appendJSONString).
func writeJSONString(out *bytes.Buffer, s string) {
	out.Write(appendJSONString(out.AvailableBuffer(), []byte(s)))
}

// appendJSONString appends s as a JSON string, escaped as encoding/json
// escapes it without HTML escaping: '"', '\\' and control characters
// (\b, \f, \n, \r, \t or \u00XX), U+2028 and U+2029, and invalid UTF-8
// as U+FFFD.
func appendJSONString(out, s []byte) []byte {
	const hex = "0123456789abcdef"
	out = append(out, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' {
				i++
				continue
			}
			out = append(out, s[start:i]...)
			switch b {
			case '"', '\\':
				out = append(out, '\\', b)
			case '\b':
				out = append(out, '\\', 'b')
			case '\f':
				out = append(out, '\\', 'f')
			case '\n':
				out = append(out, '\\', 'n')
			case '\r':
				out = append(out, '\\', 'r')
			case '\t':
				out = append(out, '\\', 't')
			default:
				out = append(out, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && size == 1 {
			out = append(out, s[start:i]...)
			out = append(out, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			out = append(out, s[start:i]...)
			out = append(out, '\\', 'u', '2', '0', '2', hex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	out = append(out, s[start:]...)
	return append(out, '"')
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
