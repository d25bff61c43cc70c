package redact

import (
	"fmt"
	"regexp"
)

// MinKeyLength is the least number of bytes of the HMAC key given to New.
const MinKeyLength = 16

// maxNameLength bounds a pattern's name.
const maxNameLength = 64

// Redactor applies Rules, writing markers keyed with an HMAC key. It is
// safe for concurrent use; make one with New and keep it.
type Redactor struct {
	macs      *macs
	keys      keyMatcher
	patterns  []*pattern
	pre       prefilter
	hasAlways bool // some pattern has no needles and runs on every string
}

// pattern is one compiled Pattern.
type pattern struct {
	name    string
	re      *regexp.Regexp
	groups  []int    // indexes of the groups named "secret"
	needles []string // lowerFold'ed; none: always run
	follow  func(low []byte, end int) bool
	valid   func(string) bool
}

// New returns a Redactor that applies rules and keys its markers with key,
// which it copies. Empty Rules are allowed: the Redactor then changes
// nothing (but JSON still checks its input). Errors: ErrInvalidKey if key
// has fewer than MinKeyLength bytes; ErrInvalidRules, naming the rule, if
// a key rule is empty (or has characters other than letters, digits and
// the separators '-', '_', '.', ' '), a pattern's name is empty, malformed
// or used twice, or its regexp is empty or does not compile (the error
// then also wraps the *syntax.Error).
func New(key []byte, rules Rules) (*Redactor, error) {
	if len(key) < MinKeyLength {
		return nil, fmt.Errorf("%w: it has %d bytes, at least %d are needed", ErrInvalidKey, len(key), MinKeyLength)
	}
	r := &Redactor{macs: newMACs(append([]byte(nil), key...))}
	var err error
	if r.keys, err = newKeyMatcher(rules.Keys); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for i, p := range rules.Patterns {
		cp, err := compilePattern(p)
		if err != nil {
			return nil, fmt.Errorf("%w: patterns[%d]: %w", ErrInvalidRules, i, err)
		}
		if seen[p.Name] {
			return nil, fmt.Errorf("%w: patterns[%d]: the name %q is used twice", ErrInvalidRules, i, p.Name)
		}
		seen[p.Name] = true
		r.patterns = append(r.patterns, cp)
	}
	r.pre = newPrefilter(r.patterns)
	for i, p := range r.patterns {
		if len(p.needles) == 0 || i >= maxFiltered {
			r.hasAlways = true
		}
	}
	return r, nil
}

// checkPatternName says what is wrong with a pattern's name, if anything.
func checkPatternName(name string) error {
	if name == "" {
		return fmt.Errorf("a pattern needs a name")
	}
	if len(name) > maxNameLength || patternNameEnd(name, 0) != len(name) {
		return fmt.Errorf("pattern name %q: use 1 to %d characters of a-z, 0-9, '_' and '-', starting with a letter or digit", name, maxNameLength)
	}
	return nil
}

func compilePattern(p Pattern) (*pattern, error) {
	if err := checkPatternName(p.Name); err != nil {
		return nil, err
	}
	if p.Regexp == "" {
		return nil, fmt.Errorf("pattern %q: the regexp is empty", p.Name)
	}
	re, err := regexp.Compile(p.Regexp)
	if err != nil {
		return nil, fmt.Errorf("pattern %q: %w", p.Name, err)
	}
	cp := &pattern{name: p.Name, re: re}
	for i, n := range re.SubexpNames() {
		if n == "secret" {
			cp.groups = append(cp.groups, i)
		}
	}
	if b := builtinFor(p); b != nil {
		cp.needles, cp.follow, cp.valid = b.needles, b.follow, b.valid
	} else if prefix, _ := re.LiteralPrefix(); prefix != "" {
		cp.needles = []string{string(lowerFold(nil, prefix))}
	}
	return cp, nil
}
