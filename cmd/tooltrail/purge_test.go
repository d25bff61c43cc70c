package main

import (
	"strings"
	"testing"

	"github.com/tooltrail/tooltrail"
)

func TestPurge(t *testing.T) {
	srv := startServer(t, t.TempDir())
	for range 3 {
		srv.mustRun(t, "record", "--tool", "call")
	}

	usage := []struct {
		name       string
		env        map[string]string
		args       []string
		wantStderr string
	}{
		{name: "ErrNeitherFlag", wantStderr: "purge deletes nothing by default"},
		{name: "ErrBothFlags", args: []string{"--all", "--older-than-days", "3"}, wantStderr: "not both"},
		{name: "ErrNegativeDays", args: []string{"--older-than-days", "-1"}, wantStderr: "at least 0"},
		{name: "ErrDaysNotNumber", args: []string{"--older-than-days", "many"}, wantStderr: `invalid value "many"`},
		{name: "ErrAllFromEnvIgnored", env: map[string]string{"TOOLTRAIL_ALL": "true"}, wantStderr: "purge deletes nothing by default"},
		{name: "ErrDaysFromEnvIgnored", env: map[string]string{"TOOLTRAIL_OLDER_THAN_DAYS": "0"}, wantStderr: "purge deletes nothing by default"},
	}
	for _, tt := range usage {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"TOOLTRAIL_URL": srv.url, "TOOLTRAIL_TOKEN": srv.token(t)}
			for k, v := range tt.env {
				env[k] = v
			}
			r := run(t, envOf(env), "", append([]string{"purge"}, tt.args...)...)
			if r.code != 2 || !strings.Contains(r.stderr, tt.wantStderr) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", r.code, r.stderr, tt.wantStderr)
			}
		})
	}
	if n := srv.mustRun(t, "count").stdout; n != "3\n" {
		t.Fatalf("usage errors purged something: count %q", n)
	}

	t.Run("OlderThanDaysKeepsRecent", func(t *testing.T) {
		if r := srv.mustRun(t, "purge", "--older-than-days", "1"); r.stdout != "deleted 0 entries\n" {
			t.Errorf("stdout = %q", r.stdout)
		}
	})
	t.Run("OlderThanZeroDaysDeletesAllBefore", func(t *testing.T) {
		// Three calls and the purge entry of the previous subtest.
		if r := srv.mustRun(t, "purge", "--older-than-days", "0"); r.stdout != "deleted 4 entries\n" {
			t.Errorf("stdout = %q", r.stdout)
		}
		if n := srv.mustRun(t, "count", "--tool", "call").stdout; n != "0\n" {
			t.Errorf("count of purged tool = %q, want 0", n)
		}
	})
	t.Run("AllDeletesEverything", func(t *testing.T) {
		srv.mustRun(t, "record", "--tool", "call")
		// The new call and the purge entry of the previous subtest.
		if r := srv.mustRun(t, "purge", "--all"); r.stdout != "deleted 2 entries\n" {
			t.Errorf("stdout = %q", r.stdout)
		}
		e := decodeEntries(t, srv.mustRun(t, "query", "--json").stdout)
		if len(e) != 1 || e[0].ToolName != tooltrail.PurgeTool {
			t.Errorf("after purge --all the log holds %+v, want only the purge's own entry", e)
		}
	})
}
