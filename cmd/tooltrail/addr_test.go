package main

import "testing"

func TestCheckLoopback(t *testing.T) {
	tests := []struct {
		addr string
		ok   bool
	}{
		{"127.0.0.1:7070", true},
		{"127.1.2.3:0", true},
		{"[::1]:7070", true},
		{"localhost:7070", true},
		{"LocalHost:7070", true},
		{"0.0.0.0:7070", false},
		{":7070", false},
		{"[::]:7070", false},
		{"192.168.1.10:7070", false},
		{"example.com:7070", false},
		{"127.0.0.1", false}, // no port
	}
	for _, tt := range tests {
		name := "Refused"
		if tt.ok {
			name = "Accepted"
		}
		t.Run(name+"/"+tt.addr, func(t *testing.T) {
			err := checkLoopback(tt.addr)
			if (err == nil) != tt.ok {
				t.Errorf("checkLoopback(%q) = %v, want ok=%v", tt.addr, err, tt.ok)
			}
		})
	}
}
