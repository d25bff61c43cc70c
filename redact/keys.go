package redact

import (
	"fmt"
	"strings"
	"unicode"
)

// keyRule is one key rule, normalized.
type keyRule struct {
	norm   string // lower case, without separators
	marker string // "key:" + norm
}

// keyMatcher finds the key rule an object key matches.
type keyMatcher struct {
	rules []keyRule
	// byLast lists, for each byte, the rules whose norm ends with it.
	byLast [256][]int
}

func isSep(c byte) bool {
	switch c {
	case '-', '_', '.', ' ', '[', ']', ':', '"', '\'', '$', '@':
		// The last ones come from form field names (user[password],
		// password[]), header-like keys and quoted keys.
		return true
	}
	return false
}

// keyNameRune tells whether r may be in a normalized key rule.
func keyNameRune(r rune) bool {
	return (unicode.IsLetter(r) || unicode.IsDigit(r)) && unicode.ToLower(r) == r
}

// normalizeKey lower-cases s and removes '-', '_', '.' and ' '.
func normalizeKey(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x80 && isSep(byte(r)) {
			return -1
		}
		return unicode.ToLower(r)
	}, s)
}

// normalizeRule normalizes a key rule and checks it.
func normalizeRule(s string) (string, error) {
	n := normalizeKey(s)
	if n == "" {
		return "", fmt.Errorf("key rule %q is empty once '-', '_', '.' and ' ' are removed", s)
	}
	for _, r := range n {
		if !keyNameRune(r) {
			return "", fmt.Errorf("key rule %q has %q; only letters and digits (besides separators such as '-', '_', '.' and ' ') are allowed", s, r)
		}
	}
	return n, nil
}

func newKeyMatcher(keys []string) (keyMatcher, error) {
	var m keyMatcher
	seen := map[string]bool{}
	for i, k := range keys {
		n, err := normalizeRule(k)
		if err != nil {
			return keyMatcher{}, fmt.Errorf("%w: keys[%d]: %v", ErrInvalidRules, i, err)
		}
		if seen[n] {
			continue
		}
		seen[n] = true
		m.byLast[n[len(n)-1]] = append(m.byLast[n[len(n)-1]], len(m.rules))
		m.rules = append(m.rules, keyRule{norm: n, marker: "key:" + n})
	}
	return m, nil
}

// match returns the marker name of the longest key rule that key (the
// decoded key name) matches.
func (m *keyMatcher) match(key []byte) (string, bool) {
	if len(m.rules) == 0 || len(key) == 0 {
		return "", false
	}
	for _, c := range key {
		if c >= 0x80 {
			return m.matchSlow(string(key))
		}
	}
	best := m.bestASCII(key, -1)
	k := len(key)
	for k > 0 && (isSep(key[k-1]) || '0' <= key[k-1] && key[k-1] <= '9') {
		k--
	}
	if k < len(key) {
		best = m.bestASCII(key[:k], best)
	}
	if best < 0 {
		return "", false
	}
	return m.rules[best].marker, true
}

// bestASCII returns the longest of best and the rules that the ASCII key
// ends with.
func (m *keyMatcher) bestASCII(key []byte, best int) int {
	i := len(key) - 1
	for i >= 0 && isSep(key[i]) {
		i--
	}
	if i < 0 {
		return best
	}
	for _, r := range m.byLast[lowerASCII(key[i])] {
		if (best < 0 || len(m.rules[r].norm) > len(m.rules[best].norm)) && endsWithRule(key[:i+1], m.rules[r].norm) {
			best = r
		}
	}
	return best
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// endsWithRule tells whether the ASCII key, normalized, ends with rule.
func endsWithRule(key []byte, rule string) bool {
	i := len(key) - 1
	for j := len(rule) - 1; j >= 0; j-- {
		for i >= 0 && isSep(key[i]) {
			i--
		}
		if i < 0 || lowerASCII(key[i]) != rule[j] {
			return false
		}
		i--
	}
	return true
}

// matchSlow is match for a key that is not all ASCII.
func (m *keyMatcher) matchSlow(key string) (string, bool) {
	n := normalizeKey(key)
	d := strings.TrimRightFunc(n, func(r rune) bool { return '0' <= r && r <= '9' })
	best := -1
	for i, r := range m.rules {
		if (strings.HasSuffix(n, r.norm) || strings.HasSuffix(d, r.norm)) &&
			(best < 0 || len(r.norm) > len(m.rules[best].norm)) {
			best = i
		}
	}
	if best < 0 {
		return "", false
	}
	return m.rules[best].marker, true
}
