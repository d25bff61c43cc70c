package sqlite_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/sqlite"
	"github.com/tooltrail/tooltrail/storetest"
	"golang.org/x/mod/sumdb/tlog"
)

// crashChildEnv names the database a crash-test child records into.
const crashChildEnv = "TOOLTRAIL_CRASH_CHILD_DB"

// TestCrashKeepsAcknowledged runs a child process that records from many
// goroutines and prints every acknowledged id, kills it with SIGKILL, and
// checks after reopening that every acknowledged entry is there with its
// content, that the ids are dense and that the tree covers them all.
func TestCrashKeepsAcknowledged(t *testing.T) {
	if path := os.Getenv(crashChildEnv); path != "" {
		crashChild(path)
		return
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashKeepsAcknowledged$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := map[int64]string{} // id -> arguments the child sent
	lines := bufio.NewScanner(out)
	deadline := time.Now().Add(20 * time.Second)
	for len(acked) < 3000 && time.Now().Before(deadline) && lines.Scan() {
		var (
			id   int64
			g, i int
		)
		if _, err := fmt.Sscanf(lines.Text(), "%d %d %d", &id, &g, &i); err != nil {
			t.Fatalf("child said %q: %v", lines.Text(), err)
		}
		acked[id] = fmt.Sprintf(`{"g":%d,"i":%d}`, g, i)
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no chance to clean up
		t.Fatal(err)
	}
	cmd.Wait()
	if len(acked) < 100 {
		t.Fatalf("child acknowledged only %d records before the kill", len(acked))
	}

	ctx := context.Background()
	store, err := sqlite.Open(ctx, sqlite.Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	log, err := tooltrail.New(ctx, store, tooltrail.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	head, err := log.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for id, args := range acked {
		e, err := log.Entry(ctx, id)
		if err != nil {
			t.Fatalf("acknowledged entry %d lost: %v", id, err)
		}
		if string(e.Arguments) != args {
			t.Fatalf("entry %d holds %s, acknowledged %s", id, e.Arguments, args)
		}
	}
	var leaves []tlog.Hash
	for id := int64(1); id <= head.Size; id++ {
		e, err := log.Entry(ctx, id)
		if err != nil {
			t.Fatalf("ids not dense: entry %d of %d: %v", id, head.Size, err)
		}
		leaves = append(leaves, tooltrail.LeafHash(e.Leaf))
	}
	if root := storetest.RootOf(t, leaves); root != head.Root {
		t.Fatalf("tree of %d entries after the crash: root %v, head says %v", head.Size, root, head.Root)
	}
	t.Logf("%d acknowledged before SIGKILL, %d entries after reopening", len(acked), head.Size)
	// The log goes on where it stopped.
	r, err := log.Record(ctx, tooltrail.Call{ToolName: "after-crash"})
	if err != nil || r.ID != head.Size+1 {
		t.Fatalf("record after the crash: %+v, %v; want id %d", r, err, head.Size+1)
	}
}

// crashChild records until it is killed, printing "id g i" per receipt.
func crashChild(path string) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, sqlite.Config{Path: path})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	log, err := tooltrail.New(ctx, store, tooltrail.Config{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for g := range 32 {
		wg.Go(func() {
			for i := 0; ; i++ {
				r, err := log.Record(ctx, tooltrail.Call{ToolName: "crash", Arguments: map[string]int{"g": g, "i": i}})
				if err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(2)
				}
				mu.Lock()
				fmt.Fprintf(os.Stdout, "%d %d %d\n", r.ID, g, i)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}
