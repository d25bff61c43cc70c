package redact

import "testing"

// Every match of a default pattern contains one of its needles, so that
// the prefilter never skips a string a pattern would change.
func FuzzPrefilter(f *testing.F) {
	for _, s := range []string{
		"password=x", "\u017fecret=1", "to\u212aen: 2", "Bearer abcd1234", "BASIC dXNlcjpwYXNz",
		"sk-ant-api03-abcdefghijklmnopqrstuvwxyz", "https://u:p@h", "-----BEGIN PRIVATE KEY-----",
		"AKIAIOSFODNN7EXAMPLE", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.x", "cookie: a", "api-KEY=1",
	} {
		f.Add(s)
	}
	r, err := New([]byte("0123456789abcdef"), DefaultRules())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 512 {
			return // see maxFuzzInput in fuzz_test.go
		}
		cand := r.pre.scan(lowerFold(nil, s))
		for i, p := range r.patterns {
			if cand&(1<<i) == 0 && p.re.MatchString(s) {
				t.Fatalf("%s matches %q in %q, but the prefilter skips it", p.name, p.re.FindString(s), s)
			}
		}
	})
}

func TestBuiltinsKnown(t *testing.T) {
	r, err := New([]byte("0123456789abcdef"), DefaultRules())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range r.patterns {
		if len(p.needles) == 0 {
			t.Errorf("default pattern %s has no needles", p.name)
		}
	}
	if r.hasAlways {
		t.Error("a default pattern runs on every string")
	}
}
