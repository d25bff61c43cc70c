package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/tooltrail/tooltrail"
	"golang.org/x/mod/sumdb/note"
)

// verifyResult is what bench --verify measured.
type verifyResult struct {
	Mode          string  `json:"mode"` // "verify"
	Entries       int64   `json:"entries"`
	Checked       int64   `json:"checked"`
	Seconds       float64 `json:"seconds"`
	EntriesPerSec float64 `json:"entries_per_second"`
	Problems      int     `json:"problems"`
}

// runVerify is bench --verify: how long tooltrail.Verify takes over the
// whole store, as tooltrail verify runs it.
func (c *benchCommand) runVerify(ctx context.Context, s *streams) error {
	if !c.library {
		return usagef("--verify reads the store itself: give --library with --data or --store")
	}
	store, _, _, err := c.store.open(ctx, false)
	if err != nil {
		return err
	}
	defer store.Close()
	v, err := c.benchVerifier(ctx, store)
	if err != nil {
		return err
	}
	start := time.Now()
	rep, err := tooltrail.Verify(ctx, store, tooltrail.VerifyOptions{Verifier: v})
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	took := time.Since(start)
	res := verifyResult{Mode: "verify", Entries: rep.Size, Checked: rep.Checked, Seconds: took.Seconds(),
		EntriesPerSec: float64(rep.Size) / took.Seconds(), Problems: len(rep.Problems)}
	if c.json {
		if err := json.NewEncoder(s.stdout).Encode(res); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(s.stdout, "%-8s %12s %12s %10s %12s %9s\n", "mode", "entries", "checked", "seconds", "entries/s", "problems")
		fmt.Fprintf(s.stdout, "%-8s %12d %12d %10.2f %12.0f %9d\n", res.Mode, res.Entries, res.Checked, res.Seconds, res.EntriesPerSec, res.Problems)
	}
	if !rep.OK() {
		return fmt.Errorf("verify found %d problems; the first: entry %d: %s", len(rep.Problems), rep.Problems[0].ID, rep.Problems[0].What)
	}
	return nil
}

// benchVerifier returns the key to verify with: --key, the key in --data,
// or, for a log no server signed (a data set bench built), a key of this
// run, since there is no checkpoint to open.
func (c *benchCommand) benchVerifier(ctx context.Context, store tooltrail.Store) (note.Verifier, error) {
	vkey := c.key
	if vkey == "" && c.store.store == "" && c.store.data != "" {
		if _, err := os.Stat(filepath.Join(c.store.data, keyFileName)); err == nil {
			if vkey, err = readVerifierKey(c.store.data); err != nil {
				return nil, err
			}
		}
	}
	if vkey == "" {
		cp, err := store.Checkpoint(ctx)
		if err != nil {
			return nil, err
		}
		if cp != nil {
			return nil, usagef("the store holds a signed checkpoint: give --key, the log's verifier key")
		}
		if _, vkey, err = tooltrail.GenerateKey("bench.tooltrail"); err != nil {
			return nil, err
		}
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, usagef("--key %q is not a verifier key: %v", vkey, err)
	}
	return v, nil
}
