package redact

import (
	"bytes"
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// maxDepth is how deep arrays and objects may nest, as in encoding/json.
const maxDepth = 10000

// JSON returns the JSON value raw with every secret replaced by a marker
// string, and how many it replaced. The value of an object key that a key
// rule matches is replaced whole, unless it is null, "" or already a
// marker; the patterns apply to every other string, object keys included.
// Everything else is kept as it is: keys and their order, whitespace, and
// numbers and strings as written. A string in which a pattern replaced
// something is written anew, with only '"', '\' and control characters
// escaped. When nothing is replaced the result is raw itself. The result
// is idempotent: JSON of it replaces nothing. Errors: ErrInvalidJSON,
// with the byte offset, if raw is not one valid JSON value (with at most
// 10000 levels of nesting, as encoding/json allows).
func (r *Redactor) JSON(raw []byte) ([]byte, int, error) {
	bp := scratchPool.Get().(*[]byte)
	w := walker{r: r, raw: raw, low: (*bp)[:0]}
	i, err := w.value(w.ws(0), 0, false)
	if err == nil {
		if i = w.ws(i); i < len(raw) {
			err = w.errorf(i, "unexpected %q after the value", raw[i])
		}
	}
	putScratch(bp, w.low)
	if err != nil {
		return nil, 0, err
	}
	if w.out == nil {
		return raw, 0, nil
	}
	return append(w.out, raw[w.copied:]...), w.n, nil
}

// walker walks one JSON value, copying it to out where it changes.
type walker struct {
	r      *Redactor
	raw    []byte
	out    []byte // nil until something is replaced
	copied int    // raw[:copied] is in out
	n      int    // markers written
	low    []byte // lowerFold of the string at hand
	dec    []byte // the decoded string at hand
}

func (w *walker) errorf(i int, format string, args ...any) error {
	return fmt.Errorf("%w: %s at byte %d", ErrInvalidJSON, fmt.Sprintf(format, args...), i)
}

func (w *walker) errEnd() error {
	return fmt.Errorf("%w: unexpected end of input at byte %d", ErrInvalidJSON, len(w.raw))
}

// splice starts replacing raw[a:b]: the caller appends the new text to out.
func (w *walker) splice(a, b int) {
	if w.out == nil {
		w.out = make([]byte, 0, len(w.raw)+64)
	}
	w.out = append(w.out, w.raw[w.copied:a]...)
	w.copied = b
}

func (w *walker) ws(i int) int {
	for i < len(w.raw) {
		switch w.raw[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// value reads the value at raw[i:] and returns where it ends. With skip it
// only checks it; otherwise it redacts it.
func (w *walker) value(i, depth int, skip bool) (int, error) {
	if i >= len(w.raw) {
		return 0, w.errEnd()
	}
	switch c := w.raw[i]; c {
	case '{':
		return w.object(i, depth+1, skip)
	case '[':
		return w.array(i, depth+1, skip)
	case '"':
		end, esc, err := w.str(i)
		if err == nil && !skip {
			w.strPatterns(i, end, w.content(i, end, esc))
		}
		return end, err
	case 't':
		return w.literal(i, "true")
	case 'f':
		return w.literal(i, "false")
	case 'n':
		return w.literal(i, "null")
	default:
		if c == '-' || '0' <= c && c <= '9' {
			return w.number(i)
		}
		return 0, w.errorf(i, "unexpected %q", c)
	}
}

func (w *walker) object(i, depth int, skip bool) (int, error) {
	if depth > maxDepth {
		return 0, w.errorf(i, "nesting deeper than %d", maxDepth)
	}
	i = w.ws(i + 1)
	if i < len(w.raw) && w.raw[i] == '}' {
		return i + 1, nil
	}
	for {
		if i >= len(w.raw) {
			return 0, w.errEnd()
		}
		if w.raw[i] != '"' {
			return 0, w.errorf(i, "expected a string key, found %q", w.raw[i])
		}
		ks := i
		ke, esc, err := w.str(i)
		if err != nil {
			return 0, err
		}
		rule, secret := "", false
		if !skip {
			name := w.content(ks, ke, esc)
			rule, secret = w.r.keys.match(name)
			w.strPatterns(ks, ke, name)
		}
		if i = w.ws(ke); i >= len(w.raw) {
			return 0, w.errEnd()
		}
		if w.raw[i] != ':' {
			return 0, w.errorf(i, "expected ':' after an object key, found %q", w.raw[i])
		}
		if secret {
			i, err = w.secretValue(w.ws(i+1), depth, rule)
		} else {
			i, err = w.value(w.ws(i+1), depth, skip)
		}
		if err != nil {
			return 0, err
		}
		if i = w.ws(i); i >= len(w.raw) {
			return 0, w.errEnd()
		}
		switch w.raw[i] {
		case ',':
			i = w.ws(i + 1)
		case '}':
			return i + 1, nil
		default:
			return 0, w.errorf(i, "expected ',' or '}' in an object, found %q", w.raw[i])
		}
	}
}

func (w *walker) array(i, depth int, skip bool) (int, error) {
	if depth > maxDepth {
		return 0, w.errorf(i, "nesting deeper than %d", maxDepth)
	}
	i = w.ws(i + 1)
	if i < len(w.raw) && w.raw[i] == ']' {
		return i + 1, nil
	}
	for {
		var err error
		if i, err = w.value(i, depth, skip); err != nil {
			return 0, err
		}
		if i = w.ws(i); i >= len(w.raw) {
			return 0, w.errEnd()
		}
		switch w.raw[i] {
		case ',':
			i = w.ws(i + 1)
		case ']':
			return i + 1, nil
		default:
			return 0, w.errorf(i, "expected ',' or ']' in an array, found %q", w.raw[i])
		}
	}
}

// secretValue replaces the value at raw[i:], that of a key a key rule
// matched, by one marker.
func (w *walker) secretValue(i, depth int, rule string) (int, error) {
	end, err := w.value(i, depth, true)
	if err != nil {
		return 0, err
	}
	tok := w.raw[i:end]
	var secret []byte
	switch tok[0] {
	case 'n':
		return end, nil // null holds no secret
	case '"':
		if len(tok) == 2 {
			return end, nil // nor does ""
		}
		secret = w.content(i, end, bytes.IndexByte(tok, '\\') >= 0)
		if IsMarker(string(secret)) {
			return end, nil
		}
	default:
		w.dec = compact(w.dec[:0], tok)
		secret = w.dec
	}
	w.splice(i, end)
	w.out = append(w.out, '"')
	w.out = w.r.macs.appendMarker(w.out, rule, secret)
	w.out = append(w.out, '"')
	w.n++
	return end, nil
}

// strPatterns applies the patterns to the string raw[a:b], whose decoded
// content is s.
func (w *walker) strPatterns(a, b int, s []byte) {
	if len(w.r.patterns) == 0 {
		return
	}
	w.low = lowerFold(w.low[:0], s)
	cand := w.r.pre.scan(w.low)
	if cand == 0 && !w.r.hasAlways {
		return
	}
	res, n := w.r.redactText(string(s), cand)
	if n == 0 {
		return
	}
	w.splice(a, b)
	w.out = appendString(w.out, res)
	w.n += n
}

// content returns the decoded content of the string raw[a:b].
func (w *walker) content(a, b int, esc bool) []byte {
	if !esc {
		return w.raw[a+1 : b-1]
	}
	w.dec = unquote(w.dec[:0], w.raw[a+1:b-1])
	return w.dec
}

// str checks the string at raw[i:] and returns where it ends and whether
// it has escapes.
func (w *walker) str(i int) (int, bool, error) {
	esc := false
	for j := i + 1; j < len(w.raw); {
		c := w.raw[j]
		switch {
		case c == '"':
			return j + 1, esc, nil
		case c == '\\':
			esc = true
			if j+1 >= len(w.raw) {
				return 0, false, w.errEnd()
			}
			switch w.raw[j+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				j += 2
			case 'u':
				if _, ok := hex4(w.raw, j+2); !ok {
					if j+6 > len(w.raw) {
						return 0, false, w.errEnd()
					}
					return 0, false, w.errorf(j, "bad \\u escape")
				}
				j += 6
			default:
				return 0, false, w.errorf(j, "bad escape \\%c", w.raw[j+1])
			}
		case c < 0x20:
			return 0, false, w.errorf(j, "control character %#x in a string", c)
		default:
			j++
		}
	}
	return 0, false, w.errEnd()
}

func (w *walker) literal(i int, lit string) (int, error) {
	for k := 0; k < len(lit); k++ {
		if i+k >= len(w.raw) {
			return 0, w.errEnd()
		}
		if w.raw[i+k] != lit[k] {
			return 0, w.errorf(i+k, "unexpected %q in literal %s", w.raw[i+k], lit)
		}
	}
	return i + len(lit), nil
}

func (w *walker) number(i int) (int, error) {
	j := i
	digits := func() error {
		if j >= len(w.raw) {
			return w.errEnd()
		}
		if w.raw[j] < '0' || w.raw[j] > '9' {
			return w.errorf(j, "expected a digit in a number, found %q", w.raw[j])
		}
		for j < len(w.raw) && '0' <= w.raw[j] && w.raw[j] <= '9' {
			j++
		}
		return nil
	}
	if w.raw[j] == '-' {
		j++
	}
	if j < len(w.raw) && w.raw[j] == '0' {
		j++
	} else if err := digits(); err != nil {
		return 0, err
	}
	if j < len(w.raw) && w.raw[j] == '.' {
		j++
		if err := digits(); err != nil {
			return 0, err
		}
	}
	if j < len(w.raw) && (w.raw[j] == 'e' || w.raw[j] == 'E') {
		j++
		if j < len(w.raw) && (w.raw[j] == '+' || w.raw[j] == '-') {
			j++
		}
		if err := digits(); err != nil {
			return 0, err
		}
	}
	return j, nil
}

// hex4 reads four hex digits at b[i:i+4].
func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// unquote appends the decoded content of a checked JSON string (without
// its quotes) to dst, as encoding/json decodes it: an unpaired surrogate
// escape becomes U+FFFD.
func unquote(dst, s []byte) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c != '\\' {
			dst = append(dst, c)
			i++
			continue
		}
		switch s[i+1] {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r, _ := hex4(s, i+2)
			i += 6
			if utf16.IsSurrogate(r) {
				r2, ok := rune(0), false
				if i+1 < len(s) && s[i] == '\\' && s[i+1] == 'u' {
					r2, ok = hex4(s, i+2)
				}
				if d := utf16.DecodeRune(r, r2); ok && d != utf8.RuneError {
					r = d
					i += 6
				} else {
					r = utf8.RuneError
				}
			}
			dst = utf8.AppendRune(dst, r)
			continue
		default: // '"', '\\', '/'
			dst = append(dst, s[i+1])
		}
		i += 2
	}
	return dst
}

// appendString appends s as a JSON string.
func appendString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		start = i + 1
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// compact appends the checked JSON value v to dst without the whitespace
// outside its strings.
func compact(dst, v []byte) []byte {
	inString := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if inString {
			dst = append(dst, c)
			switch c {
			case '\\':
				i++
				dst = append(dst, v[i])
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case ' ', '\t', '\n', '\r':
		case '"':
			inString = true
			dst = append(dst, c)
		default:
			dst = append(dst, c)
		}
	}
	return dst
}
