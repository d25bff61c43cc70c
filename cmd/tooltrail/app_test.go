package main

import (
	"strings"
	"testing"
)

func TestMain_help(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{name: "HelpListsCommands", args: []string{"help"}, wantCode: 0, wantStdout: "purge"},
		{name: "DashHelpListsCommands", args: []string{"--help"}, wantCode: 0, wantStdout: "serve"},
		{name: "HelpOfCommandListsFlags", args: []string{"help", "record"}, wantCode: 0, wantStdout: "--args-file"},
		{name: "HelpShowsEnvVars", args: []string{"help", "query"}, wantCode: 0, wantStdout: "[$TOOLTRAIL_URL]"},
		{name: "DashHOfCommandListsFlags", args: []string{"query", "-h"}, wantCode: 0, wantStderr: "--confirmed-only"},
		{name: "VersionNamesGoAndPlatform", args: []string{"version"}, wantCode: 0, wantStdout: " go1."},
		{name: "DashVersion", args: []string{"--version"}, wantCode: 0, wantStdout: "tooltrail "},
		{name: "ErrNoCommand", args: nil, wantCode: 2, wantStderr: "Commands:"},
		{name: "ErrUnknownCommand", args: []string{"frobnicate"}, wantCode: 2, wantStderr: `unknown command "frobnicate"`},
		{name: "ErrHelpOfUnknownCommand", args: []string{"help", "frobnicate"}, wantCode: 2, wantStderr: `unknown command "frobnicate"`},
		{name: "ErrUnknownFlag", args: []string{"count", "--nope"}, wantCode: 2, wantStderr: "flag provided but not defined: --nope"},
		{name: "ErrBadFlagValueSaysWhichNotAllFlags", args: []string{"query", "--limit", "many"}, wantCode: 2, wantStderr: `invalid value "many" for flag --limit`},
		{name: "TokenHelp", args: []string{"token", "--help"}, wantCode: 0, wantStdout: "tooltrail token revoke"},
		{name: "ErrPositionalArgument", args: []string{"count", "extra"}, wantCode: 2, wantStderr: `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, noEnv, "", tt.args...)
			if r.code != tt.wantCode {
				t.Errorf("exit %d, want %d\nstderr: %s", r.code, tt.wantCode, r.stderr)
			}
			if !strings.Contains(r.stdout, tt.wantStdout) {
				t.Errorf("stdout = %q, want it to contain %q", r.stdout, tt.wantStdout)
			}
			if !strings.Contains(r.stderr, tt.wantStderr) {
				t.Errorf("stderr = %q, want it to contain %q", r.stderr, tt.wantStderr)
			}
		})
	}
}
