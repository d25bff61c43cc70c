package redact

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
)

// maxConfigSize bounds a rules file.
const maxConfigSize = 1 << 20

// LoadRules reads a rules file: a JSON object with these fields, all
// optional, and no others:
//
//	{
//	  "off": false,               // true: redact nothing; no other field may be given
//	  "disable_defaults": false,  // true: start from no rules instead of DefaultRules
//	  "disable": ["jwt", "key:cookie"], // default rules to drop, by name
//	  "keys": ["session_secret"], // key rules to add
//	  "patterns": [{"name": "internal", "regexp": "tt_[a-z0-9]{32}"}]
//	}
//
// The result is DefaultRules (or no rules, with disable_defaults) without
// the disabled rules, with the keys added and the patterns added after the
// others; a pattern named like one already there replaces its regexp in
// place instead. A default key rule is named "key:" and the rule, as in
// markers ("key:apikey"; "key:api_key" is the same). Errors: the error of
// os.ReadFile (errors.Is(err, fs.ErrNotExist) for a missing file: the
// caller decides whether to call LoadRules at all); ErrInvalidConfig,
// naming the field, for a file over 1 MiB, malformed JSON, an unknown or
// repeated field, a value of the wrong type, a disabled name that is not a
// default rule, or a key rule or pattern that New would refuse (for a bad
// regexp the error names the pattern and also wraps the *syntax.Error).
func LoadRules(path string) (Rules, error) {
	f, err := os.Open(path)
	if err != nil {
		return Rules{}, fmt.Errorf("redact: rules file: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxConfigSize+1))
	if err != nil {
		return Rules{}, fmt.Errorf("redact: rules file: %w", err)
	}
	if len(data) > maxConfigSize {
		return Rules{}, fmt.Errorf("%w %s: larger than %d bytes", ErrInvalidConfig, path, maxConfigSize)
	}
	rules, err := parseRules(data)
	if err != nil {
		return Rules{}, fmt.Errorf("%w %s: %w", ErrInvalidConfig, path, err)
	}
	return rules, nil
}

// parseRules is LoadRules on the file's content. Its errors do not wrap
// ErrInvalidConfig; LoadRules adds it.
func parseRules(data []byte) (Rules, error) {
	fields, err := strictObject(data, "off", "disable_defaults", "disable", "keys", "patterns")
	if err != nil {
		return Rules{}, err
	}
	var off, noDefaults bool
	var disable, keys []string
	var pats []json.RawMessage
	for _, f := range []struct {
		name string
		into any
		what string
	}{
		{"off", &off, "true or false"},
		{"disable_defaults", &noDefaults, "true or false"},
		{"disable", &disable, "an array of strings"},
		{"keys", &keys, "an array of strings"},
		{"patterns", &pats, `an array of {"name": ..., "regexp": ...} objects`},
	} {
		if v, ok := fields[f.name]; ok {
			if err := decodeStrict(v, f.into); err != nil {
				return Rules{}, fmt.Errorf("field %q: must be %s", f.name, f.what)
			}
		}
	}
	if off {
		if len(fields) > 1 {
			return Rules{}, fmt.Errorf("field \"off\": is true, so no other field may be given")
		}
		return Off(), nil
	}
	if noDefaults && len(disable) > 0 {
		return Rules{}, fmt.Errorf("field \"disable\": has no effect with \"disable_defaults\": true; remove one")
	}

	rules := Rules{}
	if !noDefaults {
		rules = DefaultRules()
	}
	for i, name := range disable {
		if rules, err = disableRule(rules, name); err != nil {
			return Rules{}, fmt.Errorf("field \"disable\"[%d]: %w", i, err)
		}
	}
	for i, k := range keys {
		n, err := normalizeRule(k)
		if err != nil {
			return Rules{}, fmt.Errorf("field \"keys\"[%d]: %w", i, err)
		}
		if !slices.ContainsFunc(rules.Keys, func(k string) bool { m, _ := normalizeRule(k); return m == n }) {
			rules.Keys = append(rules.Keys, k)
		}
	}
	seen := map[string]bool{}
	for i, raw := range pats {
		p, err := parsePattern(raw)
		if err != nil {
			return Rules{}, fmt.Errorf("field \"patterns\"[%d]: %w", i, err)
		}
		if seen[p.Name] {
			return Rules{}, fmt.Errorf("field \"patterns\"[%d]: the name %q is used twice", i, p.Name)
		}
		seen[p.Name] = true
		if j := slices.IndexFunc(rules.Patterns, func(q Pattern) bool { return q.Name == p.Name }); j >= 0 {
			rules.Patterns[j] = p
		} else {
			rules.Patterns = append(rules.Patterns, p)
		}
	}
	return rules, nil
}

// disableRule removes the default rule called name from rules.
func disableRule(rules Rules, name string) (Rules, error) {
	if k, ok := strings.CutPrefix(name, keyPrefix); ok {
		n, err := normalizeRule(k)
		if err == nil {
			for j, dk := range rules.Keys {
				if m, _ := normalizeRule(dk); m == n && slices.Contains(defaultKeys, dk) {
					rules.Keys = slices.Delete(rules.Keys, j, j+1)
					return rules, nil
				}
			}
		}
	} else if j := slices.IndexFunc(rules.Patterns, func(p Pattern) bool { return p.Name == name }); j >= 0 {
		rules.Patterns = slices.Delete(rules.Patterns, j, j+1)
		return rules, nil
	}
	return rules, fmt.Errorf("%q is not a default rule (or is disabled twice); the defaults are %s", name, strings.Join(defaultNames(), ", "))
}

// defaultNames lists the names of the default rules.
func defaultNames() []string {
	var names []string
	for _, b := range builtins {
		names = append(names, b.name)
	}
	for _, k := range defaultKeys {
		n, _ := normalizeRule(k)
		names = append(names, keyPrefix+n)
	}
	return names
}

func parsePattern(raw json.RawMessage) (Pattern, error) {
	fields, err := strictObject(raw, "name", "regexp")
	if err != nil {
		return Pattern{}, err
	}
	var p Pattern
	for _, f := range []struct {
		name string
		into *string
	}{{"name", &p.Name}, {"regexp", &p.Regexp}} {
		v, ok := fields[f.name]
		if !ok {
			return Pattern{}, fmt.Errorf("field %q is missing", f.name)
		}
		if decodeStrict(v, f.into) != nil {
			return Pattern{}, fmt.Errorf("field %q: must be a string", f.name)
		}
	}
	if err := checkPatternName(p.Name); err != nil {
		return Pattern{}, fmt.Errorf("field \"name\": %w", err)
	}
	if p.Regexp == "" {
		return Pattern{}, fmt.Errorf("pattern %q: field \"regexp\": is empty", p.Name)
	}
	if _, err := regexp.Compile(p.Regexp); err != nil {
		return Pattern{}, fmt.Errorf("pattern %q: field \"regexp\": %w", p.Name, err)
	}
	return p, nil
}

// strictObject decodes the JSON object data into its fields, refusing
// trailing data, repeated fields and fields not in allowed.
func strictObject(data []byte, allowed ...string) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, errors.New("must be a JSON object")
	}
	fields := map[string]json.RawMessage{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("malformed JSON: %w", err)
		}
		name, ok := t.(string)
		if !ok {
			return nil, errors.New("malformed JSON: expected a field name")
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("field %q: malformed JSON: %w", name, err)
		}
		if !slices.Contains(allowed, name) {
			return nil, fmt.Errorf("unknown field %q; the fields are %s", name, strings.Join(allowed, ", "))
		}
		if _, dup := fields[name]; dup {
			return nil, fmt.Errorf("field %q is given twice", name)
		}
		fields[name] = v
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("malformed JSON: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("unexpected data after the JSON object")
	}
	return fields, nil
}

// decodeStrict decodes v into into, refusing null.
func decodeStrict(v json.RawMessage, into any) error {
	if string(bytes.TrimSpace(v)) == "null" {
		return errors.New("null")
	}
	return json.Unmarshal(v, into)
}
