package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestServe_redacts records a call with secrets through serve: they are
// markers in what the log keeps and serves, the redaction key is kept
// 0600 beside the signing key, and a rules file can switch it off.
func TestServe_redacts(t *testing.T) {
	dir := t.TempDir()
	srv := startServer(t, dir)
	srv.mustRun(t, "record", "--tool", "db.connect", "--args", `{"host":"db","password":"hunter2-horse"}`, "--result", "Authorization: Bearer abcDEF0123456789xyz")
	out := srv.mustRun(t, "query", "--json").stdout
	if strings.Contains(out, "hunter2-horse") || strings.Contains(out, "abcDEF0123456789xyz") || !strings.Contains(out, "[redacted:key:password:") {
		t.Errorf("the entry as served: %s", out)
	}
	fi, err := os.Stat(filepath.Join(dir, redactKeyFileName))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("redaction key: %v, %v; want mode 0600", err, fi)
	}
	srv.stop(t)
	db, _ := os.ReadFile(filepath.Join(dir, "tooltrail.db"))
	wal, _ := os.ReadFile(filepath.Join(dir, "tooltrail.db-wal"))
	if strings.Contains(string(db)+string(wal), "hunter2-horse") {
		t.Error("the database file holds the secret")
	}

	off := filepath.Join(t.TempDir(), "rules.json")
	os.WriteFile(off, []byte(`{"off": true}`), 0o644)
	plain := startServer(t, t.TempDir(), "--redact-config", off)
	plain.mustRun(t, "record", "--tool", "db.connect", "--args", `{"password":"hunter2-horse"}`)
	if out := plain.mustRun(t, "query", "--json").stdout; !strings.Contains(out, "hunter2-horse") {
		t.Errorf("with redaction off the entry is %s", out)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"patterns": [{"name": "x", "regexp": "("}]}`), 0o644)
	if r := run(t, noEnv, "", "serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--redact-config", bad); r.code == 0 || !strings.Contains(r.stderr, `pattern "x"`) {
		t.Errorf("a bad rules file: exit %d, %q", r.code, r.stderr)
	}
}
