package redact_test

import (
	"errors"
	"regexp/syntax"
	"strings"
	"testing"

	"github.com/tooltrail/tooltrail/redact"
)

func TestNewErrors(t *testing.T) {
	if _, err := redact.New([]byte("0123456789abcde"), redact.DefaultRules()); !errors.Is(err, redact.ErrInvalidKey) {
		t.Errorf("New with a 15-byte key = %v; want ErrInvalidKey", err)
	}
	if _, err := redact.New(nil, redact.Off()); !errors.Is(err, redact.ErrInvalidKey) {
		t.Errorf("New with no key = %v; want ErrInvalidKey", err)
	}
	for _, c := range []struct {
		rules redact.Rules
		want  string
	}{
		{redact.Rules{Keys: []string{"password", ""}}, `keys[1]: key rule "" is empty`},
		{redact.Rules{Keys: []string{"-_. "}}, `keys[0]: key rule "-_. " is empty`},
		{redact.Rules{Keys: []string{"pass word!"}}, `keys[0]: key rule "pass word!" has '!'`},
		{redact.Rules{Patterns: []redact.Pattern{{Name: "ok", Regexp: "a"}, {Name: "internal", Regexp: "tt_[a-z"}}}, `patterns[1]: pattern "internal": error parsing regexp`},
		{redact.Rules{Patterns: []redact.Pattern{{Name: "x", Regexp: ""}}}, `pattern "x": the regexp is empty`},
		{redact.Rules{Patterns: []redact.Pattern{{Name: "", Regexp: "a"}}}, `patterns[0]: a pattern needs a name`},
		{redact.Rules{Patterns: []redact.Pattern{{Name: "a:b", Regexp: "a"}}}, `pattern name "a:b"`},
		{redact.Rules{Patterns: []redact.Pattern{{Name: "_a", Regexp: "a"}}}, `pattern name "_a"`},
		{redact.Rules{Patterns: []redact.Pattern{{Name: strings.Repeat("a", 65), Regexp: "a"}}}, `pattern name`},
		{redact.Rules{Patterns: []redact.Pattern{{Name: "a", Regexp: "a"}, {Name: "a", Regexp: "b"}}}, `patterns[1]: the name "a" is used twice`},
	} {
		_, err := redact.New(testKey, c.rules)
		if !errors.Is(err, redact.ErrInvalidRules) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("New(%+v) = %v; want ErrInvalidRules saying %s", c.rules, err, c.want)
		}
	}
	_, err := redact.New(testKey, redact.Rules{Patterns: []redact.Pattern{{Name: "p", Regexp: "("}}})
	if se := (*syntax.Error)(nil); !errors.As(err, &se) {
		t.Errorf("New with a bad regexp = %v; want it to wrap a *syntax.Error", err)
	}
}

// New copies what it is given.
func TestNewCopies(t *testing.T) {
	key := append([]byte(nil), testKey...)
	rules := redact.Rules{Keys: []string{"pin"}, Patterns: []redact.Pattern{{Name: "x", Regexp: "x+"}}}
	r, err := redact.New(key, rules)
	if err != nil {
		t.Fatal(err)
	}
	key[0]++
	rules.Keys[0] = "other"
	rules.Patterns[0].Regexp = "y"
	if got, _ := r.Text("axx y"); got != "a"+wantMarker(testKey, "x", "xx")+" y" {
		t.Errorf("Text = %s", got)
	}
	if got, _ := mustJSON(t, r, `{"PIN": 1}`); got != `{"PIN": "`+wantMarker(testKey, "key:pin", "1")+`"}` {
		t.Errorf("JSON = %s", got)
	}
}

// User patterns: a group named secret, and an empty match, which is not replaced.
func TestUserPatterns(t *testing.T) {
	r, err := redact.New(testKey, redact.Rules{Patterns: []redact.Pattern{
		{Name: "ticket", Regexp: `ticket=(?P<secret>[0-9]+)`},
		{Name: "maybe", Regexp: `z*`},
		{Name: "opt", Regexp: `opt(?P<secret>[0-9]+)?`},
		{Name: "fold", Regexp: `(?i)internal-[a-z]{4}`},
	}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ in, want string }{
		{"ticket=123 ticket=", "ticket=" + wantMarker(testKey, "ticket", "123") + " ticket="},
		{"zz", wantMarker(testKey, "maybe", "zz")},
		{"opt opt9", "opt opt" + wantMarker(testKey, "opt", "9")},
		{"INTERNAL-abcd", wantMarker(testKey, "fold", "INTERNAL-abcd")},
		{"nothing", "nothing"},
	} {
		if got, _ := r.Text(c.in); got != c.want {
			t.Errorf("Text(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
