package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/client"
	"github.com/tooltrail/tooltrail/internal/pgtest"
	"github.com/tooltrail/tooltrail/postgres"
	"github.com/tooltrail/tooltrail/storetest"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// freshStore returns a store URL for a new schema of base, dropped after
// the test, and the schema's name.
func freshStore(t *testing.T, base string) (storeURL, schema string) {
	t.Helper()
	schema = pgtest.FreshSchema(t, base)
	return pgtest.StoreURL(t, base, schema), schema
}

// serverProcess is tooltrail serve running as a child process.
type serverProcess struct {
	cmd *exec.Cmd
	url string
}

// startProcess starts the test binary as `tooltrail serve --data data`
// with args and waits until it listens.
func startProcess(t *testing.T, data string, args ...string) *serverProcess {
	t.Helper()
	all, _ := json.Marshal(append([]string{"serve", "--addr", "127.0.0.1:0", "--data", data}, args...))
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childArgsEnv+"="+string(all))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &serverProcess{cmd: cmd}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	listening := make(chan string, 1)
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "tooltrail serving on "); ok {
				listening <- u
			}
		}
	}()
	select {
	case p.url = <-listening:
	case <-exited:
		t.Fatal("server process exited before it listened (its error is above)")
	case <-time.After(30 * time.Second):
		t.Fatal("server process did not listen within 30s")
	}
	return p
}

// stop sends SIGTERM and returns the exit code.
func (p *serverProcess) stop(t *testing.T) int {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	err := p.cmd.Wait()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0
}

// TestTwoServersOneDatabase runs two server processes on one PostgreSQL
// schema, records through both at once, and checks that the ids are dense
// and unique and that there is one tree over all entries.
// twoServers runs two server processes on one fresh PostgreSQL schema,
// as an operator sets them up: the second gets a copy of the key the
// first made, and of its checkpoint, to check the database against.
type twoServers struct {
	base, schema string
	data         []string
	servers      []*serverProcess
	token        string // the admin token both take
	key          []byte // the log's key file
}

func startTwoServers(t *testing.T) *twoServers {
	t.Helper()
	ts := &twoServers{base: pgtest.URL(t), data: []string{t.TempDir(), t.TempDir()}}
	var storeURL string
	storeURL, ts.schema = freshStore(t, ts.base)
	seedPostgresToken(t, ts.base, ts.schema, ts.data[0])
	ts.servers = []*serverProcess{startProcess(t, ts.data[0], "--store", storeURL)}
	var err error
	if ts.key, err = os.ReadFile(filepath.Join(ts.data[0], keyFileName)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ts.data[1], keyFileName), ts.key, 0o600); err != nil {
		t.Fatal(err)
	}
	cp, err := os.ReadFile(filepath.Join(ts.data[0], checkpointFileName))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ts.data[1], checkpointFileName), cp, 0o644); err != nil {
		t.Fatal(err)
	}
	ts.servers = append(ts.servers, startProcess(t, ts.data[1], "--store", storeURL))
	// The database has a token, so neither server makes one.
	token, err := os.ReadFile(filepath.Join(ts.data[0], adminTokenFileName))
	if err != nil {
		t.Fatal(err)
	}
	ts.token = strings.TrimSpace(string(token))
	if _, err := os.Stat(filepath.Join(ts.data[1], adminTokenFileName)); err == nil {
		t.Error("the second server made an admin token of its own")
	}
	return ts
}

// verifier returns the verifier of the servers' key.
func (ts *twoServers) verifier(t *testing.T) note.Verifier {
	t.Helper()
	k, err := parseKeyFile(ts.key)
	if err != nil {
		t.Fatal(err)
	}
	v, err := note.NewVerifier(k.verifier)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestTwoServersOneDatabase(t *testing.T) {
	ts := startTwoServers(t)
	base, schema, data, servers := ts.base, ts.schema, ts.data, ts.servers
	token := ts.token

	const callersPerServer, each = 16, 40
	var (
		mu       sync.Mutex
		receipts = map[int64]tooltrail.Receipt{}
		wg       sync.WaitGroup
	)
	for si, s := range servers {
		c := client.New(s.url)
		c.Token = token
		for g := range callersPerServer {
			wg.Go(func() {
				for i := range each {
					r, err := c.Record(context.Background(), tooltrail.Call{
						ToolName: "multi", Arguments: map[string]int{"server": si, "caller": g, "i": i},
						CallID: fmt.Sprintf("s%d-c%d-i%d", si, g, i),
					})
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					if _, dup := receipts[r.ID]; dup {
						t.Errorf("id %d acknowledged twice", r.ID)
					}
					receipts[r.ID] = r
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	const total = 2 * callersPerServer * each
	if len(receipts) != total {
		t.Fatalf("%d distinct ids for %d records", len(receipts), total)
	}
	ids := slices.Sorted(func(yield func(int64) bool) {
		for id := range receipts {
			if !yield(id) {
				return
			}
		}
	})
	if ids[0] != 1 || ids[len(ids)-1] != total {
		t.Fatalf("ids run from %d to %d, want 1 to %d", ids[0], ids[len(ids)-1], total)
	}
	for _, s := range servers {
		if code := s.stop(t); code != 0 {
			t.Errorf("server exited %d after SIGTERM, want 0", code)
		}
	}

	// One tree: the head's root is the root over every receipt's leaf hash
	// in id order.
	ctx := context.Background()
	store, err := postgres.Open(ctx, postgres.Config{URL: base, Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	head, err := store.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	leaves := make([]tlog.Hash, 0, total)
	for _, id := range ids {
		leaves = append(leaves, receipts[id].LeafHash)
	}
	root := storetest.RootOf(t, leaves)
	if head.Size != total || head.Root != root {
		t.Errorf("head %d %v; want %d entries with root %v from the receipts", head.Size, head.Root, total, root)
	}

	// Both servers signed checkpoints of that one tree, with the one key,
	// and the last ones cover everything: verify finds nothing wrong
	// against either server's checkpoint.
	v := ts.verifier(t)
	var cps [][]byte
	for _, d := range data {
		b, err := os.ReadFile(filepath.Join(d, checkpointFileName))
		if err != nil {
			t.Fatal(err)
		}
		c, err := tooltrail.OpenCheckpoint(b, v)
		if err != nil {
			t.Fatalf("checkpoint of %s: %v", d, err)
		}
		if c.Size != total || c.Root != root {
			t.Errorf("the last checkpoint of %s is of %d entries, root %v; want %d, %v", d, c.Size, c.Root, total, root)
		}
		cps = append(cps, b)
	}
	rep, err := tooltrail.Verify(ctx, store, tooltrail.VerifyOptions{Verifier: v, Checkpoints: cps})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || rep.Checked != total {
		t.Errorf("verify: %d checked of %d, problems %v", rep.Checked, total, rep.Problems)
	}
}
