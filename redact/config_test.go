package redact_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp/syntax"
	"slices"
	"strings"
	"testing"

	"github.com/tooltrail/tooltrail/redact"
)

func writeConfig(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "redact.json")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func load(t *testing.T, content string) (redact.Rules, error) {
	t.Helper()
	return redact.LoadRules(writeConfig(t, content))
}

func names(rules redact.Rules) []string {
	var n []string
	for _, p := range rules.Patterns {
		n = append(n, p.Name)
	}
	return n
}

func TestLoadRulesExample(t *testing.T) {
	rules, err := load(t, `{"disable_defaults": false, "disable": ["jwt", "key:cookie"], "keys": ["session_secret"],
	  "patterns": [{"name": "internal", "regexp": "tt_[a-z0-9]{32}"}]}`)
	if err != nil {
		t.Fatal(err)
	}
	r, err := redact.New(testKey, rules)
	if err != nil {
		t.Fatal(err)
	}
	jwt := "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlMTIz"
	internal := "tt_" + strings.Repeat("a1", 16)
	in := `{"cookie": "a=b", "cookies": ["c"], "SESSION_SECRET": "s", "session": {"secret": 5}, "t": "` + jwt + ` ` + internal + `"}`
	got, n := mustJSON(t, r, in)
	for _, w := range []string{
		`"cookie": "a=b"`,
		`"cookies": "` + wantMarker(testKey, "key:cookies", `["c"]`) + `"`,
		`"SESSION_SECRET": "` + wantMarker(testKey, "key:sessionsecret", "s") + `"`, // the longest rule names the marker
		`"secret": "` + wantMarker(testKey, "key:secret", "5") + `"`,
		jwt,
		wantMarker(testKey, "internal", internal),
	} {
		if !strings.Contains(got, w) {
			t.Errorf("JSON = %s\nwant it to contain %s", got, w)
		}
	}
	if n != 4 {
		t.Errorf("n = %d, want 4", n)
	}
	if slices.Contains(names(rules), "jwt") || slices.Contains(rules.Keys, "cookie") || !slices.Contains(rules.Keys, "session_secret") {
		t.Errorf("rules = %+v", rules)
	}
}

func TestLoadRulesCases(t *testing.T) {
	defaults := redact.DefaultRules()
	for _, c := range []struct {
		name, file string
		check      func(redact.Rules) bool
	}{
		{"empty object: the defaults", `{}`, func(r redact.Rules) bool {
			return slices.Equal(r.Keys, defaults.Keys) && slices.Equal(r.Patterns, defaults.Patterns)
		}},
		{"off", `{"off": true}`, func(r redact.Rules) bool { return len(r.Keys) == 0 && len(r.Patterns) == 0 }},
		{"off false", `{"off": false}`, func(r redact.Rules) bool { return len(r.Patterns) == len(defaults.Patterns) }},
		{"no defaults", `{"disable_defaults": true, "keys": ["pin"]}`, func(r redact.Rules) bool {
			return slices.Equal(r.Keys, []string{"pin"}) && len(r.Patterns) == 0
		}},
		{"disable a pattern", `{"disable": ["assignment"]}`, func(r redact.Rules) bool {
			return len(r.Patterns) == len(defaults.Patterns)-1 && !slices.Contains(names(r), "assignment")
		}},
		{"disable a key, written otherwise", `{"disable": ["key:API-Key"]}`, func(r redact.Rules) bool {
			return len(r.Keys) == len(defaults.Keys)-1 && !slices.Contains(r.Keys, "api_key")
		}},
		{"a key already there", `{"keys": ["PASSWORD"]}`, func(r redact.Rules) bool { return len(r.Keys) == len(defaults.Keys) }},
		{"replace a default pattern in place", `{"patterns": [{"name": "jwt", "regexp": "jwt_[0-9]+"}]}`, func(r redact.Rules) bool {
			return len(r.Patterns) == len(defaults.Patterns) && r.Patterns[1] == redact.Pattern{Name: "jwt", Regexp: "jwt_[0-9]+"}
		}},
		{"add a pattern last", `{"patterns": [{"name": "x", "regexp": "x+"}]}`, func(r redact.Rules) bool {
			return r.Patterns[len(r.Patterns)-1] == redact.Pattern{Name: "x", Regexp: "x+"}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			rules, err := load(t, c.file)
			if err != nil {
				t.Fatal(err)
			}
			if !c.check(rules) {
				t.Errorf("rules = %+v", rules)
			}
			if _, err := redact.New(testKey, rules); err != nil {
				t.Errorf("New: %v", err)
			}
		})
	}
}

func TestLoadRulesOffRedactsNothing(t *testing.T) {
	rules, err := load(t, `{"off": true}`)
	if err != nil {
		t.Fatal(err)
	}
	r, err := redact.New(testKey, rules)
	if err != nil {
		t.Fatal(err)
	}
	in := `{"password": "hunter2"}`
	if out, n, err := r.JSON([]byte(in)); string(out) != in || n != 0 || err != nil {
		t.Errorf("JSON = %s, %d, %v; want it unchanged", out, n, err)
	}
}

func TestLoadRulesErrors(t *testing.T) {
	for _, c := range []struct{ file, want string }{
		{`{"disable_default": true}`, `unknown field "disable_default"`},
		{`{"patterns": [{"name": "x", "regexp": "a", "flags": "i"}]}`, `field "patterns"[0]: unknown field "flags"`},
		{`{"patterns": [{"name": "internal", "regexp": "tt_[a-z"}]}`, `pattern "internal": field "regexp": error parsing regexp`},
		{`{"patterns": [{"name": "Bad Name", "regexp": "a"}]}`, `field "patterns"[0]: field "name": pattern name "Bad Name"`},
		{`{"patterns": [{"regexp": "a"}]}`, `field "patterns"[0]: field "name" is missing`},
		{`{"patterns": [{"name": "x", "regexp": ""}]}`, `pattern "x": field "regexp": is empty`},
		{`{"patterns": [{"name": "x", "regexp": "a"}, {"name": "x", "regexp": "b"}]}`, `field "patterns"[1]: the name "x" is used twice`},
		{`{"patterns": {"name": "x"}}`, `field "patterns": must be an array`},
		{`{"disable": ["jwtt"]}`, `field "disable"[0]: "jwtt" is not a default rule`},
		{`{"disable": ["key:nosuch"]}`, `field "disable"[0]: "key:nosuch" is not a default rule`},
		{`{"disable": ["jwt", "jwt"]}`, `field "disable"[1]`},
		{`{"disable": "jwt"}`, `field "disable": must be an array of strings`},
		{`{"keys": ["ok", "__"]}`, `field "keys"[1]: key rule "__" is empty`},
		{`{"keys": ["a/b"]}`, `field "keys"[0]: key rule "a/b" has '/'`},
		{`{"keys": [1]}`, `field "keys": must be an array of strings`},
		{`{"keys": null}`, `field "keys": must be`},
		{`{"off": "yes"}`, `field "off": must be true or false`},
		{`{"off": true, "keys": ["x"]}`, `field "off": is true, so no other field may be given`},
		{`{"disable_defaults": true, "disable": ["jwt"]}`, `field "disable": has no effect`},
		{`{"keys": [], "keys": []}`, `field "keys" is given twice`},
		{`[]`, `must be a JSON object`},
		{`{"keys": []} {}`, `unexpected data after the JSON object`},
		{`{"keys": [}`, `malformed JSON`},
		{``, `must be a JSON object`},
	} {
		_, err := load(t, c.file)
		if !errors.Is(err, redact.ErrInvalidConfig) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("LoadRules(%s) = %v; want ErrInvalidConfig saying %s", c.file, err, c.want)
		}
	}
	_, err := load(t, `{"patterns": [{"name": "internal", "regexp": "("}]}`)
	if se := (*syntax.Error)(nil); !errors.As(err, &se) {
		t.Errorf("bad regexp: %v does not wrap a *syntax.Error", err)
	}
}

func TestLoadRulesMissingFile(t *testing.T) {
	_, err := redact.LoadRules(filepath.Join(t.TempDir(), "none.json"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("LoadRules of a missing file = %v; want fs.ErrNotExist", err)
	}
}

func TestLoadRulesTooLarge(t *testing.T) {
	_, err := load(t, `{"keys": ["`+strings.Repeat("a", 1<<20)+`"]}`)
	if !errors.Is(err, redact.ErrInvalidConfig) || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("LoadRules of a large file = %v", err)
	}
}
