package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestRecord(t *testing.T) {
	srv := startServer(t, t.TempDir())
	argsFile := filepath.Join(t.TempDir(), "args.json")
	if err := os.WriteFile(argsFile, []byte(`{"path": "/etc/hosts"}`), 0o600); err != nil {
		t.Fatal(err)
	}

	t.Run("PrintsReceiptLine", func(t *testing.T) {
		r := srv.mustRun(t, "record", "--tool", "web_search", "--args", `{"q":"go"}`, "--result", "3 hits",
			"--confirmed", "--session", "s1", "--task", "t1", "--user", "ann")
		if !regexp.MustCompile(`^entry 1 at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z leaf_hash [A-Za-z0-9+/]{43}=\n$`).MatchString(r.stdout) {
			t.Errorf("stdout = %q, want one receipt line", r.stdout)
		}
	})
	t.Run("PrintsReceiptJSON", func(t *testing.T) {
		r := srv.mustRun(t, "record", "--tool", "read_file", "--args-file", argsFile, "--json")
		rec := decodeReceipt(t, r.stdout)
		if rec.ID != 2 || rec.Timestamp == "" || len(rec.LeafHash) != 44 || rec.Replayed {
			t.Errorf("receipt = %+v", rec)
		}
	})
	t.Run("ReadsArgsFromStdin", func(t *testing.T) {
		r := run(t, noEnv, `[1, 2, 3]`, "record", "--server", srv.url, "--token", srv.token(t), "--tool", "stdin_tool", "--args-file", "-", "--json")
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		q := srv.mustRun(t, "query", "--tool", "stdin_tool", "--json")
		if e := decodeEntries(t, q.stdout); len(e) != 1 || string(e[0].Arguments) != "[1,2,3]" {
			t.Errorf("entries = %+v", e)
		}
	})
	t.Run("ReplaysSameCallID", func(t *testing.T) {
		a := decodeReceipt(t, srv.mustRun(t, "record", "--tool", "x", "--call-id", "c-1", "--json").stdout)
		b := srv.mustRun(t, "record", "--tool", "x", "--call-id", "c-1")
		if !strings.Contains(b.stdout, "entry "+strconv.FormatInt(a.ID, 10)+" ") || !strings.Contains(b.stdout, "replayed") {
			t.Errorf("repeat printed %q, want entry %d replayed", b.stdout, a.ID)
		}
	})
	t.Run("ErrConflictingCallID", func(t *testing.T) {
		r := srv.run(t, "record", "--tool", "y", "--call-id", "c-1")
		if r.code != 1 || !strings.Contains(r.stderr, "tooltrail: server said 409 conflict:") {
			t.Errorf("exit %d, stderr %q; want 1 and the server's conflict", r.code, r.stderr)
		}
	})
	t.Run("UsesTooltrailURL", func(t *testing.T) {
		r := run(t, envOf(map[string]string{"TOOLTRAIL_URL": srv.url, "TOOLTRAIL_TOKEN": srv.token(t), "TOOLTRAIL_TOOL": "from_env"}), "", "record")
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		if n := srv.mustRun(t, "count", "--tool", "from_env").stdout; n != "1\n" {
			t.Errorf("count = %q, want 1", n)
		}
	})

	usage := []struct {
		name       string
		stdin      string
		args       []string
		wantStderr string
	}{
		{name: "ErrToolRequired", args: []string{"--args", "{}"}, wantStderr: "--tool is required"},
		{name: "ErrBadArgsJSON", args: []string{"--tool", "t", "--args", "{nope"}, wantStderr: "--args is not valid JSON"},
		{name: "ErrTrailingArgsJSON", args: []string{"--tool", "t", "--args", "{} {}"}, wantStderr: "--args is not valid JSON"},
		{name: "ErrBadArgsFileJSON", stdin: "not json", args: []string{"--tool", "t", "--args-file", "-"}, wantStderr: "--args-file - is not valid JSON"},
		{name: "ErrArgsAndArgsFile", args: []string{"--tool", "t", "--args", "{}", "--args-file", argsFile}, wantStderr: "not both"},
		{name: "ErrBadServerURL", args: []string{"--tool", "t", "--server", "127.0.0.1:7070"}, wantStderr: "is not a server URL"},
	}
	for _, tt := range usage {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, noEnv, tt.stdin, append([]string{"record", "--server", srv.url, "--token", srv.token(t)}, tt.args...)...)
			if r.code != 2 {
				t.Errorf("exit %d, want 2", r.code)
			}
			if !strings.Contains(r.stderr, tt.wantStderr) {
				t.Errorf("stderr = %q, want it to contain %q", r.stderr, tt.wantStderr)
			}
		})
	}
	t.Run("ErrArgsFileMissing", func(t *testing.T) {
		r := srv.run(t, "record", "--tool", "t", "--args-file", filepath.Join(t.TempDir(), "none.json"))
		if r.code != 1 || !strings.Contains(r.stderr, "--args-file") {
			t.Errorf("exit %d, stderr %q", r.code, r.stderr)
		}
	})
	t.Run("ErrServerRefusesBadCall", func(t *testing.T) {
		r := srv.run(t, "record", "--tool", "t", "--args", `{"a":1,"a":2}`)
		if r.code != 1 || !strings.Contains(r.stderr, "tooltrail: server said 400 invalid_argument: arguments:") {
			t.Errorf("exit %d, stderr %q", r.code, r.stderr)
		}
	})
}
