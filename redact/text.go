package redact

import (
	"bytes"
	"slices"
	"strings"
	"sync"
)

// maxRounds bounds how often Text applies all patterns to a string. After
// a round that replaced something, the next one looks again, since a
// marker can change what a pattern sees next to it; the default patterns
// are written so that a second round never finds more.
const maxRounds = 16

// maxFiltered is how many patterns the prefilter can track; later ones
// run on every string.
const maxFiltered = 64

// prefilter finds, in one pass over a lowerFold'ed string, which patterns
// may match it: those of which a needle occurs.
type prefilter struct {
	first [256][]needle // the needles, by their first byte
	// pairs has bit a<<8|b set if some needle starts with the bytes a, b
	// (or is the single byte a), to pass over most bytes at once.
	pairs [1 << 16 / 64]uint64
}

type needle struct {
	s      []byte
	bit    uint64
	follow func(low []byte, end int) bool
}

func newPrefilter(ps []*pattern) prefilter {
	var f prefilter
	for i, p := range ps {
		if i >= maxFiltered {
			break
		}
		for _, n := range p.needles {
			f.first[n[0]] = append(f.first[n[0]], needle{s: []byte(n), bit: 1 << i, follow: p.follow})
			for b := range 256 {
				if len(n) == 1 || byte(b) == n[1] {
					k := int(n[0])<<8 | b
					f.pairs[k/64] |= 1 << (k % 64)
				}
			}
		}
	}
	return f
}

// scan returns the set of patterns (as bits) that may match the string
// whose lowerFold is low.
func (f *prefilter) scan(low []byte) uint64 {
	var m uint64
	for i, c := range low {
		if i+1 < len(low) {
			if k := int(c)<<8 | int(low[i+1]); f.pairs[k/64]&(1<<(k%64)) == 0 {
				continue
			}
		}
		for _, n := range f.first[c] {
			if m&n.bit == 0 && bytes.HasPrefix(low[i:], n.s) && (n.follow == nil || n.follow(low, i+len(n.s))) {
				m |= n.bit
			}
		}
	}
	return m
}

// lowerFold appends s to dst with ASCII upper case made lower case, and
// the two non-ASCII letters that (?i) matches with ASCII letters, U+017F
// (long s) and U+212A (Kelvin sign), made 's' and 'k'. Whatever a default
// pattern matches thus contains one of its needles in lowerFold(s).
func lowerFold[T string | []byte](dst []byte, s T) []byte {
	dst = slices.Grow(dst, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c < 'A':
		case c <= 'Z':
			c += 'a' - 'A'
		case c == 0xC5 && i+1 < len(s) && s[i+1] == 0xBF:
			c = 's'
			i++
		case c == 0xE2 && i+2 < len(s) && s[i+1] == 0x84 && s[i+2] == 0xAA:
			c = 'k'
			i += 2
		}
		dst = append(dst, c)
	}
	return dst
}

var scratchPool = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// putScratch returns a buffer to scratchPool, unless it grew too large to keep.
func putScratch(bp *[]byte, b []byte) {
	if cap(b) <= 64<<10 {
		*bp = b
		scratchPool.Put(bp)
	}
}

// Text returns s with every match of the patterns replaced by a marker,
// and how many markers it wrote. Markers already in s are left as they
// are and no pattern sees them: the text between two markers is matched
// as if it were a whole string. Since a new marker can change what a
// pattern sees next to it, Text applies the patterns again until they find
// nothing more (at most 16 times), so that it is idempotent: Text of its
// own output replaces nothing. It returns no error.
func (r *Redactor) Text(s string) (string, int) {
	if len(r.patterns) == 0 {
		return s, 0
	}
	bp := scratchPool.Get().(*[]byte)
	low := lowerFold((*bp)[:0], s)
	cand := r.pre.scan(low)
	putScratch(bp, low)
	return r.redactText(s, cand)
}

// redactText is Text with the prefilter's result for s already known.
func (r *Redactor) redactText(s string, cand uint64) (string, int) {
	total := 0
	var buf []byte
	for round := 0; round < maxRounds; round++ {
		if round > 0 {
			buf = lowerFold(buf[:0], s)
			cand = r.pre.scan(buf)
		}
		if cand == 0 && !r.hasAlways {
			break
		}
		n := 0
		for i, p := range r.patterns {
			if i < maxFiltered && len(p.needles) > 0 && cand&(1<<i) == 0 {
				continue
			}
			var k int
			s, k = r.apply(p, s)
			n += k
		}
		if n == 0 {
			break
		}
		total += n
	}
	return s, total
}

// apply replaces the matches of p in the text of s between markers.
func (r *Redactor) apply(p *pattern, s string) (string, int) {
	var out []byte
	copied, n := 0, 0
	lo := 0
	for lo <= len(s) {
		// The segment s[lo:hi] ends at the next marker, or at the end.
		hi, next := len(s), len(s)+1
		for at := lo; ; {
			k := strings.Index(s[at:], markerPrefix)
			if k < 0 {
				break
			}
			if e := markerEnd(s, at+k); e > 0 {
				hi, next = at+k, e
				break
			}
			at += k + 1
		}
		if hi > lo {
			seg := s[lo:hi]
			for _, m := range p.re.FindAllStringSubmatchIndex(seg, -1) {
				a, z := p.secretSpan(m)
				if a >= z || p.valid != nil && !p.valid(seg[a:z]) {
					continue
				}
				if out == nil {
					out = make([]byte, 0, len(s)+32)
				}
				out = append(out, s[copied:lo+a]...)
				out = r.macs.appendMarker(out, p.name, []byte(seg[a:z]))
				copied = lo + z
				n++
			}
		}
		lo = next
	}
	if n == 0 {
		return s, 0
	}
	out = append(out, s[copied:]...)
	return string(out), n
}

// secretSpan returns what of the match m is the secret.
func (p *pattern) secretSpan(m []int) (int, int) {
	for _, g := range p.groups {
		if m[2*g] >= 0 {
			return m[2*g], m[2*g+1]
		}
	}
	if len(p.groups) > 0 {
		return 0, 0 // the secret groups did not take part: nothing to hide
	}
	return m[0], m[1]
}
