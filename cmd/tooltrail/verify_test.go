package main

import (
	"database/sql"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tooltrail/tooltrail"
	"golang.org/x/mod/sumdb/note"
)

// verifierKeyOf returns the verifier key a server printed at start.
func verifierKeyOf(t *testing.T, s *testServer) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^verifier key: (\S+)$`).FindStringSubmatch(s.stdout.String())
	if m == nil {
		t.Fatalf("serve printed no verifier key:\n%s", s.stdout)
	}
	return m[1]
}

// TestServe_keyAndCheckpoints checks what serve keeps for tamper evidence:
// the key made once, 0600, printed as a verifier key that opens the
// checkpoints written to the data directory and the mirror.
func TestServe_keyAndCheckpoints(t *testing.T) {
	dir, mirror := t.TempDir(), filepath.Join(t.TempDir(), "mirror")
	s := startServer(t, dir, "--origin", "example.test/audit", "--checkpoint-mirror", mirror)
	vkey := verifierKeyOf(t, s)
	if !strings.Contains(s.stdout.String(), "a new signing key was made in "+filepath.Join(dir, keyFileName)) {
		t.Errorf("serve did not say it made a key:\n%s", s.stdout)
	}
	fi, err := os.Stat(filepath.Join(dir, keyFileName))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, mode %v; want 0600", err, fi.Mode())
	}
	for i := range 3 {
		s.mustRun(t, "record", "--tool", "t", "--args", `{"i":`+itoa(i)+`}`)
	}
	if code := s.stop(t); code != 0 {
		t.Fatalf("serve exit %d", code)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{filepath.Join(dir, checkpointFileName), filepath.Join(mirror, checkpointFileName)} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		c, err := tooltrail.OpenCheckpoint(b, v)
		if err != nil || c.Size != 3 || c.Origin != "example.test/audit" {
			t.Errorf("%s: %+v, %v; want a checkpoint of 3 entries of example.test/audit", f, c, err)
		}
	}

	// A second start keeps the key and says nothing of a new one.
	s2 := startServer(t, dir)
	if verifierKeyOf(t, s2) != vkey || strings.Contains(s2.stdout.String(), "new signing key") {
		t.Errorf("second start changed the key or made one:\n%s", s2.stdout)
	}
	s2.stop(t)
}

func TestServe_refusesBadKeys(t *testing.T) {
	dir := t.TempDir()
	startServer(t, dir, "--origin", "example.test/audit").stop(t)
	tests := []struct {
		name  string
		setup func(t *testing.T)
		args  []string
		want  string
	}{
		{"another origin", func(*testing.T) {}, []string{"--origin", "other.test/log"}, `differs from the origin "example.test/audit"`},
		{"a key others can read", func(t *testing.T) {
			os.Chmod(filepath.Join(dir, keyFileName), 0o644)
			t.Cleanup(func() { os.Chmod(filepath.Join(dir, keyFileName), 0o600) })
		}, nil, "can be read by others"},
		{"a bad origin", func(t *testing.T) {}, []string{"--data", t.TempDir(), "--origin", "has space"}, "--origin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.setup(t)
			r := run(t, noEnv, "", append([]string{"serve", "--addr", "127.0.0.1:0", "--data", dir}, tt.args...)...)
			if r.code == 0 || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("serve = exit %d, stderr %q; want a failure saying %q", r.code, r.stderr, tt.want)
			}
		})
	}
}

// TestServe_refusesRolledBackStore restores an older copy of the database
// file and checks that serve will not sign on top of it, and that verify
// names the first entry the copy lost.
func TestServe_refusesRolledBackStore(t *testing.T) {
	dir, mirror := t.TempDir(), t.TempDir()
	s := startServer(t, dir, "--checkpoint-mirror", mirror)
	for i := range 4 {
		s.mustRun(t, "record", "--tool", "t", "--args", `{"i":`+itoa(i)+`}`)
	}
	s.stop(t)
	db := filepath.Join(dir, "tooltrail.db")
	old, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	s = startServer(t, dir, "--checkpoint-mirror", mirror)
	for i := range 3 {
		s.mustRun(t, "record", "--tool", "later", "--args", `{"i":`+itoa(i)+`}`)
	}
	s.stop(t)
	if r := run(t, noEnv, "", "verify", "--data", dir, "--checkpoint-mirror", mirror); r.code != 0 || !strings.HasPrefix(r.stdout, "ok: 7 entries") {
		t.Fatalf("verify of the intact log = %d %q %q", r.code, r.stdout, r.stderr)
	}
	if err := os.WriteFile(db, old, 0o644); err != nil {
		t.Fatal(err)
	}
	r := run(t, noEnv, "", "serve", "--addr", "127.0.0.1:0", "--data", dir, "--checkpoint-mirror", mirror)
	if r.code == 0 || !strings.Contains(r.stderr, "refusing to serve") {
		t.Errorf("serve on a rolled-back store = exit %d, stderr %q; want a refusal", r.code, r.stderr)
	}
	r = run(t, noEnv, "", "verify", "--data", dir, "--checkpoint-mirror", mirror)
	if r.code != 1 || !strings.Contains(r.stdout, "FAIL entry 5:") || !strings.Contains(r.stderr, "entry 5") {
		t.Errorf("verify of a rolled-back store = exit %d\nstdout %s\nstderr %s\nwant exit 1 naming entry 5", r.code, r.stdout, r.stderr)
	}
}

// TestVerify_namesTheFirstWrongEntry changes a column of the SQLite file
// behind the log's back and checks what verify prints.
func TestVerify_namesTheFirstWrongEntry(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, dir)
	for _, tool := range []string{"a", "b", "c", "d"} {
		s.mustRun(t, "record", "--tool", tool)
	}
	s.stop(t)
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "tooltrail.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		"DROP TRIGGER entries_no_update",
		"UPDATE entries SET tool = (SELECT tool FROM entries WHERE id = 4) WHERE id = 3",
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	r := run(t, noEnv, "", "verify", "--data", dir)
	if r.code != 1 || !strings.Contains(r.stdout, `FAIL entry 3: column tool_name says "d", its leaf "c"`) {
		t.Errorf("verify = exit %d\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
	}
}

// TestVerify_server checks the auditor's side against a real server: the
// first run saves the checkpoint, a later one proves the growth, and a
// checkpoint of another log (a fork) is refused and FILE kept.
func TestVerify_server(t *testing.T) {
	s := startServer(t, t.TempDir())
	vkey := verifierKeyOf(t, s)
	cp := filepath.Join(t.TempDir(), "checkpoint")
	s.mustRun(t, "record", "--tool", "a")
	waitSigned(t, s, 1)
	r := run(t, noEnv, "", "verify", "--server", s.url, "--checkpoint", cp, "--key", vkey)
	if r.code != 0 || !strings.Contains(r.stdout, "first checkpoint") {
		t.Fatalf("first verify --server = %d %q %q", r.code, r.stdout, r.stderr)
	}
	s.mustRun(t, "record", "--tool", "b")
	waitSigned(t, s, 2)
	r = run(t, noEnv, "", "verify", "--server", s.url, "--checkpoint", cp, "--key", vkey)
	if r.code != 0 || !strings.Contains(r.stdout, "grew consistently to 2 entries") {
		t.Fatalf("second verify --server = %d %q %q", r.code, r.stdout, r.stderr)
	}
	kept, _ := os.ReadFile(cp)

	// Another log under the same key (its data directory holds a copy of
	// the key) with other entries: a fork of the first.
	forkDir := t.TempDir()
	key, _ := os.ReadFile(filepath.Join(s.dir, keyFileName))
	os.WriteFile(filepath.Join(forkDir, keyFileName), key, 0o600)
	fork := startServer(t, forkDir)
	for _, tool := range []string{"x", "y", "z"} {
		fork.mustRun(t, "record", "--tool", tool)
	}
	waitSigned(t, fork, 3)
	r = run(t, noEnv, "", "verify", "--server", fork.url, "--checkpoint", cp, "--key", vkey)
	if r.code != 1 || !strings.Contains(r.stderr, "not consistent") {
		t.Errorf("verify --server of a fork = %d %q %q; want exit 1", r.code, r.stdout, r.stderr)
	}
	if now, _ := os.ReadFile(cp); string(now) != string(kept) {
		t.Error("a refused checkpoint replaced the trusted one")
	}
	for _, args := range [][]string{
		{"verify", "--server", s.url, "--checkpoint", cp},
		{"verify", "--server", s.url, "--key", vkey},
		{"verify", "--server", s.url, "--checkpoint", cp, "--key", "not-a-key"},
	} {
		if r := run(t, noEnv, "", args...); r.code != exitUsage {
			t.Errorf("%v = exit %d, stderr %q; want a usage error", args, r.code, r.stderr)
		}
	}
}

// waitSigned waits until the server's checkpoint covers n entries.
func waitSigned(t *testing.T, s *testServer, n int64) {
	t.Helper()
	c := s.client(t)
	for range 200 {
		if info, err := c.Log(t.Context()); err == nil && info.TreeSize >= n {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("the server did not sign a checkpoint of %d entries", n)
}

func itoa(i int) string { return strconv.Itoa(i) }

// TestServe_refusesStoreWithoutAnchor removes the data directory's
// checkpoint: the store still holds one, and a store restored from an
// older copy would look the same, so serve refuses unless told to trust
// the store.
func TestServe_refusesStoreWithoutAnchor(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, dir)
	s.mustRun(t, "record", "--tool", "t")
	s.stop(t)
	if err := os.Remove(filepath.Join(dir, checkpointFileName)); err != nil {
		t.Fatal(err)
	}
	r := run(t, noEnv, "", "serve", "--addr", "127.0.0.1:0", "--data", dir)
	if r.code == 0 || !strings.Contains(r.stderr, "--trust-store") {
		t.Fatalf("serve without a checkpoint outside the store = exit %d, stderr %q; want a refusal that names --trust-store", r.code, r.stderr)
	}
	s = startServer(t, dir, "--trust-store")
	s.mustRun(t, "record", "--tool", "t")
	if code := s.stop(t); code != 0 {
		t.Errorf("serve --trust-store exit %d", code)
	}
	if _, err := os.Stat(filepath.Join(dir, checkpointFileName)); err != nil {
		t.Errorf("serve --trust-store wrote no checkpoint: %v", err)
	}
}

// TestVerify_storeWhileClientsAreConfigured checks that the environment the
// README gives client users (TOOLTRAIL_URL, TOOLTRAIL_TOKEN) leaves
// `verify --data` checking the store.
func TestVerify_storeWhileClientsAreConfigured(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, dir)
	s.mustRun(t, "record", "--tool", "read_file")
	s.stop(t)
	env := envOf(map[string]string{"TOOLTRAIL_URL": "http://127.0.0.1:1", "TOOLTRAIL_TOKEN": "tt_unused"})
	if r := run(t, env, "", "verify", "--data", dir); r.code != 0 {
		t.Errorf("verify --data with TOOLTRAIL_URL set = exit %d\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
	}
}
