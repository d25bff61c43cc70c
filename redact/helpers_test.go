package redact_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/tooltrail/tooltrail/redact"
)

var testKey = []byte("test-key-0123456789abcdef")

// newDefault returns a Redactor with the default rules and testKey.
func newDefault(t testing.TB) *redact.Redactor {
	t.Helper()
	r, err := redact.New(testKey, redact.DefaultRules())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// wantMarker computes the marker independently of the package: 6 bytes
// of the secret's HMAC, then 6 of the HMAC of the seal's label, the rule,
// a NUL and those.
func wantMarker(key []byte, rule, secret string) string {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(secret))
	fingerprint := h.Sum(nil)[:6]
	h = hmac.New(sha256.New, key)
	h.Write([]byte("tooltrail redaction marker\x00" + rule + "\x00"))
	h.Write(fingerprint)
	mac := append(fingerprint, h.Sum(nil)[:6]...)
	return "[redacted:" + rule + ":" + base64.RawURLEncoding.EncodeToString(mac) + "]"
}

// mustJSON redacts raw and checks what holds for every output.
func mustJSON(t *testing.T, r *redact.Redactor, raw string) (string, int) {
	t.Helper()
	out, n, err := r.JSON([]byte(raw))
	if err != nil {
		t.Fatalf("JSON(%s): %v", raw, err)
	}
	if !json.Valid(out) {
		t.Fatalf("JSON(%s) = %s, not valid JSON", raw, out)
	}
	if n == 0 && string(out) != raw {
		t.Fatalf("JSON(%s) = %s with no replacement", raw, out)
	}
	again, n2, err := r.JSON(out)
	if err != nil || n2 != 0 || string(again) != string(out) {
		t.Fatalf("JSON of the output %s again = %s, %d, %v; want it unchanged", out, again, n2, err)
	}
	return string(out), n
}

// jsonString returns s as a JSON string.
func jsonString(s string) string {
	var b strings.Builder
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(false)
	e.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}
