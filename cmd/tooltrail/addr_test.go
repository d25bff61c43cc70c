package main

import "testing"

func TestIsLoopback(t *testing.T) {
	tests := []struct {
		addr     string
		loopback bool
		bad      bool
	}{
		{addr: "127.0.0.1:7070", loopback: true},
		{addr: "127.1.2.3:0", loopback: true},
		{addr: "[::1]:7070", loopback: true},
		{addr: "localhost:7070", loopback: true},
		{addr: "LocalHost:7070", loopback: true},
		{addr: "0.0.0.0:7070"},
		{addr: ":7070"},
		{addr: "[::]:7070"},
		{addr: "192.168.1.10:7070"},
		{addr: "example.com:7070"},
		{addr: "127.0.0.1", bad: true}, // no port
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			got, err := isLoopback(tt.addr)
			if (err != nil) != tt.bad || got != tt.loopback {
				t.Errorf("isLoopback(%q) = %v, %v; want %v (error: %v)", tt.addr, got, err, tt.loopback, tt.bad)
			}
		})
	}
}
