package tooltrail

import (
	"context"
	"encoding/json"
	"runtime"
	"sync"

	"golang.org/x/mod/sumdb/tlog"
)

// verifyChunk is one batch of stored rows, read and checked ahead of the
// tree walk, which is sequential: reading the next batch and decoding its
// leaves overlap the walk of this one.
type verifyChunk struct {
	after, end int64 // the ids after+1..end
	rows       []Entry
	checks     []rowCheck // of rows, in order
	stored     map[int64]tlog.Hash
	err        error
}

// rowCheck is what a row says on its own: its leaf hash and whatever is
// wrong with its leaf and columns.
type rowCheck struct {
	hash          tlog.Hash
	problems      []string
	purge         bool  // a purge entry of this log that states purged_through
	purgedThrough int64 // that id
}

// fetchChunks reads the rows and stored hashes of a tree of size entries
// verifyBatch ids at a time, whatever is missing, and checks the rows,
// sending each batch in order. It stops after a batch with an error, or
// when ctx ends.
func fetchChunks(ctx context.Context, store Store, size int64) <-chan verifyChunk {
	out := make(chan verifyChunk, 1)
	go func() {
		defer close(out)
		var after int64
		for after < size {
			c := verifyChunk{after: after, end: min(after+verifyBatch, size)}
			c.rows, c.err = store.Rows(ctx, after, verifyBatch)
			if c.err == nil {
				// Rows past this batch's ids come again with the next.
				n := 0
				for n < len(c.rows) && c.rows[n].ID <= c.end {
					n++
				}
				c.rows = c.rows[:n]
				c.stored, c.err = readStored(ctx, store, after, c.end)
			}
			if c.err == nil {
				c.checks = checkRows(c.rows)
			}
			select {
			case out <- c:
			case <-ctx.Done():
				return
			}
			if c.err != nil {
				return
			}
			after = c.end
		}
	}()
	return out
}

// checkRows checks rows on every CPU.
func checkRows(rows []Entry) []rowCheck {
	checks := make([]rowCheck, len(rows))
	workers := runtime.GOMAXPROCS(0)
	per := (len(rows) + workers - 1) / workers
	var wg sync.WaitGroup
	for lo := 0; lo < len(rows); lo += per {
		hi := min(lo+per, len(rows))
		wg.Go(func() {
			for i := lo; i < hi; i++ {
				checks[i] = checkRow(&rows[i])
			}
		})
	}
	wg.Wait()
	return checks
}

// checkRow hashes a row's leaf, decodes it, and compares it with the row's
// columns.
func checkRow(row *Entry) rowCheck {
	c := rowCheck{hash: LeafHash(row.Leaf)}
	e, err := DecodeLeaf(row.Leaf)
	if err != nil {
		c.problems = append(c.problems, "its leaf is not a canonical leaf: "+err.Error())
		return c
	}
	c.problems = columnDiffs(row, &e)
	if e.ToolName == PurgeTool && e.Imported == nil && len(e.Arguments) > 0 {
		var args struct {
			PurgedThrough *int64 `json:"purged_through"`
		}
		if json.Unmarshal(e.Arguments, &args) == nil && args.PurgedThrough != nil {
			c.purge, c.purgedThrough = true, *args.PurgedThrough
		}
	}
	return c
}
