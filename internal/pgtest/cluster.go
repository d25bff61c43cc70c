package pgtest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Cluster is a PostgreSQL server of the test's own, made with initdb in a
// temporary directory, that the test may stop, start and restart without
// disturbing the tests that share TOOLTRAIL_TEST_POSTGRES.
type Cluster struct {
	bin, dir, data string
	port           int
	asUser         []string // runs a command as the cluster's owner when the test runs as root
}

// NewCluster makes and starts a cluster, stopped (immediately) and removed
// when the test ends. It needs PostgreSQL's server binaries (initdb,
// pg_ctl) from pg_config --bindir or /usr/lib/postgresql/*/bin; without
// them it skips the test, or fails it when CI is set. As root it runs the
// server as the user postgres, since PostgreSQL refuses to run as root.
func NewCluster(t testing.TB) *Cluster {
	t.Helper()
	bin := serverBinaries()
	if bin == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("PostgreSQL's server binaries (initdb, pg_ctl) are not installed; CI must test PostgreSQL faults")
		}
		t.Skip("PostgreSQL's server binaries (initdb, pg_ctl) are not installed")
	}
	dir, err := os.MkdirTemp("", "tooltrail-pg-")
	if err != nil {
		t.Fatal(err)
	}
	c := &Cluster{bin: bin, dir: dir, data: filepath.Join(dir, "data"), port: freePort(t)}
	if os.Geteuid() == 0 {
		owner, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root needs the user postgres to own the test cluster: %v", err)
		}
		uid, _ := strconv.Atoi(owner.Uid)
		gid, _ := strconv.Atoi(owner.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
		c.asUser = []string{"runuser", "-u", "postgres", "--"}
	}
	t.Cleanup(func() {
		c.pgctl(t, "stop", "-m", "immediate")
		os.RemoveAll(dir)
	})
	if out, err := c.command("initdb", "-D", c.data, "-U", "root", "--auth=trust", "-E", "UTF8", "--no-sync").CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	c.Start(t)
	return c
}

// URL is the cluster's database as a postgres:// URL for the user root.
func (c *Cluster) URL() string {
	return fmt.Sprintf("postgres://root@127.0.0.1:%d/postgres?sslmode=disable", c.port)
}

// Addr is the host:port the cluster listens on.
func (c *Cluster) Addr() string { return fmt.Sprintf("127.0.0.1:%d", c.port) }

// Start starts the cluster and waits until it accepts connections.
func (c *Cluster) Start(t testing.TB) {
	t.Helper()
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1", c.port, c.dir)
	if out, err := c.pgctl(t, "start", "-w", "-t", "60", "-l", filepath.Join(c.dir, "log"), "-o", opts); err != nil {
		log, _ := os.ReadFile(filepath.Join(c.dir, "log"))
		t.Fatalf("pg_ctl start: %v\n%s\n%s", err, out, log)
	}
	c.waitReady(t)
}

// Stop stops the cluster in mode (smart, fast or immediate, as pg_ctl -m).
func (c *Cluster) Stop(t testing.TB, mode string) {
	t.Helper()
	if out, err := c.pgctl(t, "stop", "-w", "-m", mode); err != nil {
		t.Fatalf("pg_ctl stop -m %s: %v\n%s", mode, err, out)
	}
}

// Restart stops the cluster in mode and starts it again.
func (c *Cluster) Restart(t testing.TB, mode string) {
	t.Helper()
	c.Stop(t, mode)
	c.Start(t)
}

func (c *Cluster) pgctl(t testing.TB, args ...string) ([]byte, error) {
	t.Helper()
	return c.command("pg_ctl", append([]string{"-D", c.data}, args...)...).CombinedOutput()
}

func (c *Cluster) command(name string, args ...string) *exec.Cmd {
	argv := append(append(append([]string{}, c.asUser...), filepath.Join(c.bin, name)), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = c.dir
	return cmd
}

// waitReady connects until the server answers a query, since pg_ctl -w
// may return while a crashed server still replays its WAL.
func (c *Cluster) waitReady(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		conn, err := pgx.Connect(ctx, c.URL())
		if err == nil {
			_, err = conn.Exec(ctx, "SELECT 1")
			conn.Close(ctx)
		}
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the test cluster did not accept connections within 60s: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// serverBinaries finds the directory of initdb and pg_ctl, or "".
func serverBinaries() string {
	var dirs []string
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		dirs = append(dirs, strings.TrimSpace(string(out)))
	}
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	for i := len(found) - 1; i >= 0; i-- {
		dirs = append(dirs, found[i])
	}
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err != nil {
			continue
		}
		if _, err := os.Stat(filepath.Join(d, "pg_ctl")); err == nil {
			return d
		}
	}
	return ""
}

// freePort returns a TCP port on 127.0.0.1 that nothing listens on now.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
