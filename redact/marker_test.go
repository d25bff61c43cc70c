package redact_test

import (
	"strings"
	"testing"

	"github.com/tooltrail/tooltrail/redact"
)

func TestMarkerFormat(t *testing.T) {
	r := newDefault(t)
	got, _ := r.Text("password=hunter2")
	marker := strings.TrimPrefix(got, "password=")
	if want := wantMarker(testKey, "assignment", "hunter2"); marker != want {
		t.Errorf("marker %s, want %s", marker, want)
	}
	if !redact.IsMarker(marker) || len(marker) != len("[redacted:assignment:]")+16 {
		t.Errorf("%s: not a marker of a 16-character MAC", marker)
	}
}

// TestGenuine checks that only markers the Redactor wrote are genuine:
// not one typed to look like them, nor one of another key, nor one whose
// rule or fingerprint was changed.
func TestGenuine(t *testing.T) {
	r := newDefault(t)
	other, err := redact.New([]byte("another-key-0123456789"), redact.DefaultRules())
	if err != nil {
		t.Fatal(err)
	}
	real := wantMarker(testKey, "key:password", "hunter2")
	fromOther, _ := other.Text("password=hunter2")
	mac := real[len(real)-17 : len(real)-1]
	tests := []struct {
		name string
		s    string
		want bool
	}{
		{"written by the Redactor", real, true},
		{"written by Text", strings.TrimPrefix(must(r.Text("password=hunter2")), "password="), true},
		{"typed by a caller", "[redacted:key:password:AAAAAAAAAAAAAAAA]", false},
		{"of another key", strings.TrimPrefix(fromOther, "password="), false},
		{"its rule changed", "[redacted:jwt:" + mac + "]", false},
		{"its fingerprint changed", "[redacted:key:password:" + flip(mac, 0) + "]", false},
		{"its seal changed", "[redacted:key:password:" + flip(mac, 15) + "]", false},
		{"not a marker", "hunter2", false},
		{"a marker with text around it", " " + real, false},
	}
	for _, tt := range tests {
		if got := r.Genuine(tt.s); got != tt.want {
			t.Errorf("%s: Genuine(%q) = %t, want %t", tt.name, tt.s, got, tt.want)
		}
	}
	var none *redact.Redactor
	if none.Genuine(real) {
		t.Error("a nil Redactor found a genuine marker")
	}
}

func must(s string, _ int) string { return s }

// flip changes the base64url character at i of s into another.
func flip(s string, i int) string {
	b := []byte(s)
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

// Equal secrets give equal markers under one key, in JSON and in text;
// another key gives other markers.
func TestMarkerEquality(t *testing.T) {
	r := newDefault(t)
	other, err := redact.New([]byte("another-key-0123456789"), redact.DefaultRules())
	if err != nil {
		t.Fatal(err)
	}
	in := `{"password": "hunter2", "pw": {"db_password": "hunter2"}, "note": "password=hunter2", "other": {"passwd": "hunter3"}}`
	out, n, err := r.JSON([]byte(in))
	if err != nil || n != 4 {
		t.Fatalf("JSON = %s, %d, %v", out, n, err)
	}
	m := wantMarker(testKey, "key:password", "hunter2")
	if strings.Count(string(out), m) != 2 || !strings.Contains(string(out), wantMarker(testKey, "assignment", "hunter2")) {
		t.Errorf("JSON = %s; want %s twice", out, m)
	}
	if strings.Contains(string(out), wantMarker(testKey, "key:passwd", "hunter2")) || !strings.Contains(string(out), wantMarker(testKey, "key:passwd", "hunter3")) {
		t.Errorf("JSON = %s; the marker of hunter3 must differ", out)
	}
	out2, _, _ := other.JSON([]byte(in))
	if string(out2) == string(out) || strings.Contains(string(out2), m) {
		t.Errorf("another key gave %s; want other markers than %s", out2, out)
	}
	a, _ := r.Text("AKIAIOSFODNN7EXAMPLE")
	b, _ := r.Text("x AKIAIOSFODNN7EXAMPLE")
	if "x "+a != b {
		t.Errorf("markers of one secret differ: %s, %s", a, b)
	}
}

func TestIsMarker(t *testing.T) {
	for _, c := range []struct {
		s    string
		want bool
	}{
		{"[redacted:jwt:AAAAAAAAAAAAAAAA]", true},
		{"[redacted:key:password:abcDEF0123-_xyzW]", true},
		{"[redacted:key:contraseña:abcDEF0123-_xyzW]", true},
		{"[redacted:my-rule_2:abcDEF0123-_xyzW]", true},
		{"[redacted:key:abcDEF0123-_xyzW]", true}, // a pattern called "key"
		{"[redacted:jwt:AAAAAAAAAAAAAAA]", false},
		{"[redacted:jwt:AAAAAAAAAAAAAAAAA]", false},
		{"[redacted:jwt:AAAAAAAAAAAAAAA=]", false},
		{"[redacted::AAAAAAAAAAAAAAAA]", false},
		{"[redacted:key::AAAAAAAAAAAAAAAA]", false},
		{"[redacted:JWT:AAAAAAAAAAAAAAAA]", false},
		{"[redacted:-x:AAAAAAAAAAAAAAAA]", false},
		{"[redacted:key:Password:AAAAAAAAAAAAAAAA]", false},
		{"[redacted:key:api_key:AAAAAAAAAAAAAAAA]", false},
		{"[redacted:jwt:AAAAAAAAAAAAAAAA] ", false},
		{" [redacted:jwt:AAAAAAAAAAAAAAAA]", false},
		{"[redacted:jwt:AAAAAAAAAAAAAAAA", false},
		{"[Redacted:jwt:AAAAAAAAAAAAAAAA]", false},
		{"[redacted:" + strings.Repeat("a", 65) + ":AAAAAAAAAAAAAAAA]", false},
		{"", false},
	} {
		if got := redact.IsMarker(c.s); got != c.want {
			t.Errorf("IsMarker(%q) = %v, want %v", c.s, got, c.want)
		}
	}
}
