package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/tooltrail/tooltrail"
	"golang.org/x/mod/sumdb/note"
)

// progressEvery is how often verify prints how far it got.
const progressEvery = 2 * time.Second

// verifyCommand checks a log: tooltrail verify.
type verifyCommand struct {
	data       string
	store      string
	key        string
	mirror     string
	server     string
	checkpoint string
	token      string
}

func (c *verifyCommand) define(fs *flag.FlagSet) {
	fs.StringVar(&c.data, "data", "", "data `DIR` of the log to check: its store, key and last checkpoint (default, without --store: that of serve)")
	fs.StringVar(&c.store, "store", "", "store `URL` to check instead of the store of --data: sqlite:PATH or postgres://...")
	fs.StringVar(&c.key, "key", "", "the log's verifier `KEY`, as serve printed it (default: the key in --data)")
	fs.StringVar(&c.mirror, "checkpoint-mirror", "", "also check the store against the checkpoint in `DIR`/checkpoint")
	fs.StringVar(&c.server, "server", "", "check a running server instead of a store: `URL` of it (needs --checkpoint and --key)")
	fs.StringVar(&c.checkpoint, "checkpoint", "", "with --server: `FILE` of the last checkpoint trusted, replaced by the new one once it is proved consistent (made when missing)")
	fs.StringVar(&c.token, "token", "", "with --server: bearer `TOKEN` to send; prefer TOOLTRAIL_TOKEN")
}

func (c *verifyCommand) run(ctx context.Context, s *streams) error {
	if c.server != "" {
		return c.runServer(ctx, s)
	}
	if c.checkpoint != "" {
		return usagef("--checkpoint goes with --server; to check a store against a checkpoint kept elsewhere, use --checkpoint-mirror DIR")
	}
	return c.runStore(ctx, s)
}

// verifier returns the verifier of --key, or of the key in dir.
func (c *verifyCommand) verifier(dir string) (note.Verifier, error) {
	vkey := c.key
	if vkey == "" {
		if dir == "" {
			return nil, usagef("--key is required: the log's verifier key, as 'tooltrail serve' printed it")
		}
		var err error
		if vkey, err = readVerifierKey(dir); err != nil {
			return nil, err
		}
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, usagef("--key %q is not a verifier key: %v", vkey, err)
	}
	return v, nil
}

// runStore checks a store: tooltrail verify --data DIR | --store URL.
func (c *verifyCommand) runStore(ctx context.Context, s *streams) error {
	storeURL, dir := c.store, ""
	if c.data == "" && c.store == "" {
		def, err := defaultDataDir()
		if err != nil {
			return usagef("--data or --store is required: there is no home directory for the default (%v)", err)
		}
		c.data = def
	}
	if c.data != "" {
		abs, err := filepath.Abs(c.data)
		if err != nil {
			return fmt.Errorf("data directory %s: %w", c.data, err)
		}
		dir = abs
	}
	if storeURL == "" {
		if _, err := os.Stat(filepath.Join(dir, "tooltrail.db")); err != nil {
			return fmt.Errorf("no log to check in %s: %w", dir, err)
		}
		storeURL = defaultStore(dir)
	}
	v, err := c.verifier(dir)
	if err != nil {
		return err
	}
	if c.key == "" {
		fmt.Fprintf(s.stderr, "checking against the key in %s: whoever can write that directory can replace it; an auditor gives --key\n", filepath.Join(dir, keyFileName))
	}
	var checkpoints [][]byte
	for _, d := range []string{dir, c.mirror} {
		if d == "" {
			continue
		}
		b, err := readCheckpointFile(filepath.Join(d, checkpointFileName))
		if err != nil {
			return err
		}
		if b == nil && d == c.mirror {
			return fmt.Errorf("the checkpoint mirror %s holds no checkpoint", d)
		}
		checkpoints = append(checkpoints, b)
	}
	open, err := parseStore(storeURL)
	if err != nil {
		return err
	}
	store, err := open(ctx, nil)
	if err != nil {
		return fmt.Errorf("open store %s: %w", redactURL(storeURL), err)
	}
	defer store.Close()
	start := time.Now()
	last := start
	rep, err := tooltrail.Verify(ctx, store, tooltrail.VerifyOptions{
		Verifier: v, Checkpoints: checkpoints,
		Progress: func(done, size int64) {
			if now := time.Now(); now.Sub(last) >= progressEvery {
				last = now
				fmt.Fprintf(s.stderr, "verified %d of %d entries (%.0f%%)\n", done, size, 100*float64(done)/float64(max(size, 1)))
			}
		},
	})
	if err != nil {
		return fmt.Errorf("verify %s: %w", redactURL(storeURL), err)
	}
	took := time.Since(start).Round(time.Millisecond)
	if !rep.OK() {
		for _, p := range rep.Problems {
			fmt.Fprintln(s.stdout, "FAIL", p)
		}
		return fmt.Errorf("the log is not intact: %d problem(s), the first: %s", len(rep.Problems), rep.Problems[0])
	}
	fmt.Fprintf(s.stdout, "ok: %d entries in the tree, %d checked", rep.Size, rep.Checked)
	if rep.PurgedThrough > 0 {
		fmt.Fprintf(s.stdout, ", 1 to %d purged", rep.PurgedThrough)
	}
	if rep.Checkpoint.Size > 0 {
		fmt.Fprintf(s.stdout, "; consistent with the checkpoint of %d signed by %s", rep.Checkpoint.Size, rep.Checkpoint.Origin)
	} else {
		fmt.Fprint(s.stdout, "; no signed checkpoint to compare with")
	}
	fmt.Fprintf(s.stdout, " (%s)\n", took)
	return nil
}

// runServer checks a running server against the checkpoint in FILE:
// tooltrail verify --server URL --checkpoint FILE --key KEY.
func (c *verifyCommand) runServer(ctx context.Context, s *streams) error {
	if c.checkpoint == "" {
		return usagef("--checkpoint FILE is required with --server: where the last trusted checkpoint is kept")
	}
	if c.key == "" {
		return usagef("--key is required with --server: the log's verifier key, from its operator (never trust the key a server serves)")
	}
	v, err := c.verifier("")
	if err != nil {
		return err
	}
	remote := remoteFlags{server: c.server, token: c.token}
	cl, err := remote.client()
	if err != nil {
		return err
	}
	trusted, err := readCheckpointFile(c.checkpoint)
	if err != nil {
		return err
	}
	signed, cp, err := cl.VerifyCheckpoint(ctx, v, trusted)
	if err != nil {
		if errors.Is(err, tooltrail.ErrCorrupt) || errors.Is(err, tooltrail.ErrInvalidArgument) {
			return fmt.Errorf("the log at %s is not consistent with %s: %w", redactURL(c.server), c.checkpoint, err)
		}
		return remote.explain(err)
	}
	if err := writeCheckpointFile(c.checkpoint, signed); err != nil {
		return err
	}
	if trusted == nil {
		fmt.Fprintf(s.stdout, "ok: first checkpoint of %s: %d entries; saved in %s\n", cp.Origin, cp.Size, c.checkpoint)
		return nil
	}
	fmt.Fprintf(s.stdout, "ok: %s grew consistently to %d entries; saved in %s\n", cp.Origin, cp.Size, c.checkpoint)
	return nil
}
