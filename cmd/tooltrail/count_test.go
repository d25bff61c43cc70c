package main

import (
	"strings"
	"testing"
)

func TestCount(t *testing.T) {
	srv := startServer(t, t.TempDir())
	srv.mustRun(t, "record", "--tool", "web_search", "--session", "s1", "--confirmed")
	srv.mustRun(t, "record", "--tool", "web_fetch", "--session", "s1")
	srv.mustRun(t, "record", "--tool", "shell", "--session", "s2")

	tests := []struct {
		name string
		args []string
		want string
	}{
		{"CountsAll", nil, "3\n"},
		{"CountsToolSubstring", []string{"--tool", "Web_"}, "2\n"},
		{"CountsSession", []string{"--session", "s1"}, "2\n"},
		{"CountsConfirmed", []string{"--confirmed-only"}, "1\n"},
		{"CountsNoneInFuture", []string{"--start", "2999-01-01"}, "0\n"},
		{"CountsWithTooltrailSessionEnv", nil, "1\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"TOOLTRAIL_URL": srv.url, "TOOLTRAIL_TOKEN": srv.token(t)}
			if tt.name == "CountsWithTooltrailSessionEnv" {
				env["TOOLTRAIL_SESSION"] = "s2"
			}
			r := run(t, envOf(env), "", append([]string{"count"}, tt.args...)...)
			if r.code != 0 || r.stdout != tt.want {
				t.Errorf("exit %d, stdout %q, want 0 and %q\nstderr: %s", r.code, r.stdout, tt.want, r.stderr)
			}
		})
	}
	t.Run("ErrLimitIsNotACountFlag", func(t *testing.T) {
		r := srv.run(t, "count", "--limit", "3")
		if r.code != 2 || !strings.Contains(r.stderr, "not defined") {
			t.Errorf("exit %d, stderr %q", r.code, r.stderr)
		}
	})
}
