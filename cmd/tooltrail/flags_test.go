package main

import (
	"errors"
	"flag"
	"io"
	"strings"
	"testing"
)

func TestEnvVar(t *testing.T) {
	for flagName, want := range map[string]string{
		"server":          "TOOLTRAIL_URL",
		"token":           "TOOLTRAIL_TOKEN",
		"addr":            "TOOLTRAIL_ADDR",
		"older-than-days": "TOOLTRAIL_OLDER_THAN_DAYS",
		"confirmed-only":  "TOOLTRAIL_CONFIRMED_ONLY",
	} {
		if got := envVar(flagName); got != want {
			t.Errorf("envVar(%q) = %q, want %q", flagName, got, want)
		}
	}
}

func TestParseFlags(t *testing.T) {
	type values struct {
		tool   string
		limit  int
		json   bool
		server string
		all    bool
	}
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		want    values
		wantErr string // substring; "" for none
		usage   bool   // the error is a usage error
	}{
		{name: "Defaults", want: values{server: defaultServer}},
		{name: "EnvApplies", env: map[string]string{"TOOLTRAIL_TOOL": "web", "TOOLTRAIL_LIMIT": "7", "TOOLTRAIL_JSON": "true", "TOOLTRAIL_URL": "http://127.0.0.1:9"},
			want: values{tool: "web", limit: 7, json: true, server: "http://127.0.0.1:9"}},
		{name: "CommandLineWins", env: map[string]string{"TOOLTRAIL_TOOL": "web", "TOOLTRAIL_LIMIT": "7"}, args: []string{"--tool", "shell", "--limit", "3"},
			want: values{tool: "shell", limit: 3, server: defaultServer}},
		{name: "EmptyEnvIsUnset", env: map[string]string{"TOOLTRAIL_TOOL": ""}, want: values{server: defaultServer}},
		{name: "ExemptFlagIgnoresEnv", env: map[string]string{"TOOLTRAIL_ALL": "true"}, want: values{server: defaultServer}},
		{name: "ErrBadEnvValueNamesVariable", env: map[string]string{"TOOLTRAIL_LIMIT": "many"}, wantErr: "TOOLTRAIL_LIMIT", usage: true},
		{name: "ErrBadFlag", args: []string{"--limit", "many"}, wantErr: `invalid value "many" for flag --limit`, usage: true},
		{name: "ErrUnknownFlag", args: []string{"--nope"}, wantErr: "not defined: --nope", usage: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v values
			fs := flag.NewFlagSet("test", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			fs.StringVar(&v.tool, "tool", "", "")
			fs.IntVar(&v.limit, "limit", 0, "")
			fs.BoolVar(&v.json, "json", false, "")
			fs.StringVar(&v.server, "server", defaultServer, "")
			fs.BoolVar(&v.all, "all", false, "")
			err := parseFlags(fs, tt.args, envOf(tt.env), "all")
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("parseFlags: %v", err)
				}
				if v != tt.want {
					t.Errorf("got %+v, want %+v", v, tt.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("parseFlags error = %v, want one containing %q", err, tt.wantErr)
			}
			var ue *usageError
			if tt.usage != errors.As(err, &ue) {
				t.Errorf("usage error = %v, want %v", !tt.usage, tt.usage)
			}
		})
	}
}

func TestParseFlags_help(t *testing.T) {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if err := parseFlags(fs, []string{"-h"}, noEnv); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("parseFlags(-h) = %v, want flag.ErrHelp", err)
	}
}
