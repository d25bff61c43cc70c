package main

import (
	"context"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/client"
)

// mountSmallDisk mounts a tmpfs of size bytes at a new directory and
// unmounts it after the test. It needs the right to mount (root).
func mountSmallDisk(t *testing.T, size string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "disk")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI is set, and a small disk needs a tmpfs mount, which failed (run as root): %v: %s", err, out)
		}
		t.Skipf("a small disk needs a tmpfs mount, which failed (run as root): %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	return dir
}

// TestDiskFull fills the disk of a SQLite data directory while a writer
// records: records fail with a clear 503 or 507, nothing acknowledged is
// lost, the server records again by itself once space is freed, and
// verify is clean.
func TestDiskFull(t *testing.T) {
	disk := mountSmallDisk(t, "24m")
	data := filepath.Join(disk, "data")
	srv := startProcess(t, data)
	token, err := os.ReadFile(filepath.Join(data, adminTokenFileName))
	if err != nil {
		t.Fatal(err)
	}
	c := client.New(srv.url)
	c.Token = strings.TrimSpace(string(token))
	c.HTTPClient = &http.Client{Timeout: 20 * time.Second}
	ctx := context.Background()

	// A filler leaves about 2 MiB free.
	filler := filepath.Join(disk, "filler")
	var fs syscall.Statfs_t
	if err := syscall.Statfs(disk, &fs); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filler, make([]byte, int64(fs.Bavail)*fs.Bsize-2<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	summary := strings.Repeat("x", 16<<10)
	var acked []tooltrail.Receipt
	var refusal error
	for i := 0; i < 2000 && refusal == nil; i++ {
		r, err := c.Record(ctx, tooltrail.Call{ToolName: "fill", ResultSummary: summary})
		if err != nil {
			refusal = err
			break
		}
		acked = append(acked, r)
	}
	var ae *client.Error
	if !errors.As(refusal, &ae) || (ae.Status != http.StatusServiceUnavailable && ae.Status != http.StatusInsufficientStorage) {
		t.Fatalf("after %d records on a full disk: %v; want a 503 or 507 answer", len(acked), refusal)
	}
	t.Logf("full after %d records: %v", len(acked), refusal)
	ready := func() int {
		resp, err := http.Get(srv.url + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	// Readiness turns after a few failed commits in a row.
	for range 3 {
		if _, err := c.Record(ctx, tooltrail.Call{ToolName: "fill", ResultSummary: summary}); err == nil {
			t.Fatal("a record on a full disk was acknowledged after one was refused")
		}
	}
	if code := ready(); code != http.StatusServiceUnavailable {
		t.Errorf("GET /readyz on a full disk: %d, want 503 so that a load balancer takes the server out", code)
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	var back error
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		var r tooltrail.Receipt
		if r, back = c.Record(ctx, tooltrail.Call{ToolName: "after"}); back == nil {
			acked = append(acked, r)
			break
		}
	}
	if back != nil {
		t.Fatalf("30 s after space was freed the server still refused records: %v", back)
	}
	if code := ready(); code != http.StatusOK {
		t.Errorf("GET /readyz once it records again: %d, want 200", code)
	}
	for _, r := range acked {
		e, err := c.Entry(ctx, r.ID)
		if err != nil || tooltrail.LeafHash(e.Leaf) != r.LeafHash {
			t.Errorf("acknowledged entry %d: %v", r.ID, err)
		}
	}
	if code := srv.stop(t); code != 0 {
		t.Errorf("serve exited %d after SIGTERM, want 0", code)
	}
	if r := run(t, noEnv, "", "verify", "--data", data); r.code != 0 {
		t.Errorf("verify: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
