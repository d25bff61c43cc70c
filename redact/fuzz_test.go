package redact_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/tooltrail/tooltrail/redact"
)

// maxFuzzInput bounds fuzz inputs: the fuzzer's minimizer tries every
// sub-slice of a new interesting input, so an input of several KiB stalls
// it for the whole run. Longer inputs add no coverage the shorter ones
// lack.
const maxFuzzInput = 512

func fuzzSeeds(f *testing.F) {
	for _, tc := range patternCases {
		f.Add(tc.text)
		f.Add(`{"note": ` + jsonString(tc.text) + `}`)
	}
	for _, s := range innocentTexts {
		f.Add(s)
	}
	for _, k := range secretKeys {
		f.Add(`{` + jsonString(k.key) + `: [1, {"a": "b"}]}`)
	}
	f.Add(`{"a": [1.50, 1e400, -0], "password": null, "token": ""}`)
	f.Add(`{"pass\u0077ord": "x\ud800y", "k": "\u017fecret=1 to\u212aen=2"}`)
	f.Add("password=[redacted:jwt:AAAAAAAAAAAAAAAA]x AKIAIOSFODNN7EXAMPLE[redacted:key:token:AAAAAAAAAAAAAAAA]")
	f.Add("Bearer abcdefgh_password=xyz1 Basic dXNlcjpwYXNz_AKIAIOSFODNN7EXAMPLE")
}

// FuzzJSON: JSON never panics, accepts exactly what encoding/json accepts,
// writes valid JSON, and does nothing more to its own output.
func FuzzJSON(f *testing.F) {
	fuzzSeeds(f)
	r := newDefault(f)
	f.Fuzz(func(t *testing.T, in string) {
		if len(in) > maxFuzzInput {
			return
		}
		out, n, err := r.JSON([]byte(in))
		if valid := json.Valid([]byte(in)); valid != (err == nil) {
			t.Fatalf("JSON(%q): error %v, but encoding/json says valid = %v", in, err, valid)
		}
		if err != nil {
			return
		}
		if !json.Valid(out) {
			t.Fatalf("JSON(%q) = %q: not valid JSON", in, out)
		}
		if n == 0 && string(out) != in {
			t.Fatalf("JSON(%q) = %q with no replacement", in, out)
		}
		again, n2, err := r.JSON(out)
		if err != nil || n2 != 0 || string(again) != string(out) {
			t.Fatalf("JSON(%q) = %q; again = %q, %d, %v", in, out, again, n2, err)
		}
	})
}

// FuzzText: Text never panics and does nothing more to its own output.
func FuzzText(f *testing.F) {
	fuzzSeeds(f)
	r := newDefault(f)
	f.Fuzz(func(t *testing.T, in string) {
		if len(in) > maxFuzzInput {
			return
		}
		out, n := r.Text(in)
		if n == 0 && out != in {
			t.Fatalf("Text(%q) = %q with no replacement", in, out)
		}
		if again, n2 := r.Text(out); again != out || n2 != 0 {
			t.Fatalf("Text(%q) = %q; again = %q, %d", in, out, again, n2)
		}
	})
}

// FuzzGenuine: Genuine never panics, finds genuine every marker Text
// writes, and nothing that is not exactly a marker.
func FuzzGenuine(f *testing.F) {
	fuzzSeeds(f)
	f.Add("[redacted:key:password:AAAAAAAAAAAAAAAA]")
	r := newDefault(f)
	f.Fuzz(func(t *testing.T, in string) {
		if len(in) > maxFuzzInput {
			return
		}
		if r.Genuine(in) && !redact.IsMarker(in) {
			t.Fatalf("Genuine(%q) for what is not a marker", in)
		}
		out, n := r.Text(in)
		if n == 0 {
			return
		}
		for i := strings.Index(out, "[redacted:"); i >= 0; {
			end := strings.IndexByte(out[i:], ']')
			if end < 0 {
				break
			}
			if m := out[i : i+end+1]; redact.IsMarker(m) && !strings.Contains(in, m) && !r.Genuine(m) {
				t.Fatalf("Text(%q) wrote %q, which Genuine refuses", in, m)
			}
			next := strings.Index(out[i+1:], "[redacted:")
			if next < 0 {
				break
			}
			i += 1 + next
		}
	})
}
