package main

import (
	"strings"
	"testing"
)

func TestRemote_unreachable(t *testing.T) {
	url := "http://" + closedAddr(t)
	tests := []struct {
		name string
		env  map[string]string
		args []string
	}{
		{"ErrUnreachableRecord", nil, []string{"record", "--tool", "t", "--server", url}},
		{"ErrUnreachableQuery", nil, []string{"query", "--server", url}},
		{"ErrUnreachableCount", nil, []string{"count", "--server", url}},
		{"ErrUnreachablePurge", nil, []string{"purge", "--all", "--server", url}},
		{"ErrUnreachableFromTooltrailURL", map[string]string{"TOOLTRAIL_URL": url}, []string{"count"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, envOf(tt.env), "", tt.args...)
			if r.code != 1 {
				t.Errorf("exit %d, want 1", r.code)
			}
			for _, want := range []string{"the server is not reachable at " + url, "tooltrail serve"} {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("stderr = %q, want it to contain %q", r.stderr, want)
				}
			}
		})
	}
}
