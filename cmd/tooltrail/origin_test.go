package main

import (
	"os"
	"testing"

	"github.com/tooltrail/tooltrail"
)

// TestDefaultOrigin checks that a new key's origin is the log's URL
// prefix without the scheme, as tlog-tiles recommends, and a valid key
// name.
func TestDefaultOrigin(t *testing.T) {
	host, err := os.Hostname()
	if err != nil {
		t.Skip(err)
	}
	for _, tc := range []struct {
		addr string
		tls  bool
		want string
	}{
		{"audit.example.com:443", true, "audit.example.com"},
		{"audit.example.com:80", false, "audit.example.com"},
		{"audit.example.com:7070", true, "audit.example.com:7070"},
		{"audit.example.com:443", false, "audit.example.com:443"},
		{"192.0.2.7:8443", true, "192.0.2.7:8443"},
		{"[2001:db8::1]:443", true, "[2001:db8::1]"},
		{"[2001:db8::1]:7070", false, "[2001:db8::1]:7070"},
		{"127.0.0.1:7070", false, host + ":7070"},
		{"0.0.0.0:443", true, host},
		{":7070", false, host + ":7070"},
		{"localhost:0", false, host},
	} {
		got := defaultOrigin(tc.addr, tc.tls)
		if got != tc.want {
			t.Errorf("defaultOrigin(%q, tls %t) = %q, want %q", tc.addr, tc.tls, got, tc.want)
		}
		if _, _, err := tooltrail.GenerateKey(got); err != nil {
			t.Errorf("defaultOrigin(%q) = %q, not a key name: %v", tc.addr, got, err)
		}
	}
}
