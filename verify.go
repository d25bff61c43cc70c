package tooltrail

import (
	"cmp"
	"context"
	"errors"
	"fmt"

	"slices"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// verifyBatch is how many entries Verify reads at a time.
const verifyBatch = 10_000

// VerifyOptions sets up Verify.
type VerifyOptions struct {
	// Verifier is the log's public key (required): every checkpoint is
	// opened with it.
	Verifier note.Verifier
	// Checkpoints are signed checkpoints kept outside the store (a mirror,
	// a client's last one) to check the tree against, besides the one the
	// store holds. Empty entries are skipped.
	Checkpoints [][]byte
	// Progress, when set, is called after every batch of entries with the
	// highest id checked and the tree size.
	Progress func(done, size int64)
}

// Problem is one thing Verify found wrong. ID is the entry it concerns, or
// 0 when it concerns the log as a whole (a checkpoint, the head).
type Problem struct {
	ID   int64
	What string
}

// String returns the problem as verify prints it: "entry N: what", or
// what alone for the log as a whole.
func (p Problem) String() string {
	if p.ID == 0 {
		return p.What
	}
	return fmt.Sprintf("entry %d: %s", p.ID, p.What)
}

// VerifyReport is what Verify found.
type VerifyReport struct {
	Size          int64      // entries in the store's tree
	Checked       int64      // live entries whose leaf and columns were checked
	PurgedThrough int64      // entries 1..PurgedThrough were purged (0: none)
	Checkpoint    Checkpoint // the largest valid signed checkpoint compared
	Problems      []Problem  // in the order found; the first names the first wrong entry
}

// OK says whether nothing was wrong.
func (r *VerifyReport) OK() bool { return len(r.Problems) == 0 }

// maxProblems bounds the problems a report lists: past it, one tampered
// table would make the report as large as the log.
const maxProblems = 100

func (r *VerifyReport) add(id int64, format string, args ...any) {
	if len(r.Problems) < maxProblems {
		r.Problems = append(r.Problems, Problem{ID: id, What: fmt.Sprintf(format, args...)})
	}
}

// Verify checks everything a store holds against itself and against the
// signed checkpoints: it re-hashes every kept leaf and compares the hash
// with the tree's; checks that each leaf is canonical, carries its own id
// and says what the row's columns say; recomputes every tree hash from
// the leaves (and, for purged entries, the kept leaf hashes) and compares
// it with the stored one; and compares the roots with the head and with
// every checkpoint. Entries missing before the oldest kept one are
// reported as purged as far as the last purge entry's purged_through says,
// and as a problem beyond; missing entries after the oldest kept one are
// always a problem. It checks the tree of the head it reads first; entries
// appended while it runs are not checked. Problems come ordered by entry,
// those of the log as a whole (ID 0) last. Errors: ErrInvalidArgument
// for a missing verifier; the store's errors (ErrUnavailable) — what the
// data says is in the report, not in the error.
func Verify(ctx context.Context, store Store, opts VerifyOptions) (*VerifyReport, error) {
	if opts.Verifier == nil {
		return nil, fmt.Errorf("%w: verify: the log's verifier key is required", ErrInvalidArgument)
	}
	head, err := store.Head(ctx)
	if err != nil {
		return nil, err
	}
	rep := &VerifyReport{Size: head.Size}
	if ok, err := headHasLeaf(ctx, store, head, rep); err != nil || !ok {
		return rep, err
	}
	roots, err := checkpointRoots(ctx, store, opts, head, rep)
	if err != nil {
		return nil, err
	}
	w := &treeWalk{roots: roots, rep: rep}
	var purges purgeMarks
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for c := range fetchChunks(ctx, store, head.Size) {
		if c.err != nil {
			return nil, c.err
		}
		w.stored = c.stored
		after := c.after
		for i := range c.rows {
			row, check := &c.rows[i], &c.checks[i]
			if row.ID <= after {
				rep.add(row.ID, "is stored more than once: a copy beside it was written outside the log")
				continue
			}
			w.missing(after+1, row.ID-1)
			w.live(row, check)
			purges.see(row, check)
			after = row.ID
		}
		w.missing(after+1, c.end)
		if opts.Progress != nil {
			opts.Progress(c.end, head.Size)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	purges.judge(rep)
	if err := rowsBeyond(ctx, store, head, rep); err != nil {
		return nil, err
	}
	if head.Size > 0 {
		root, err := tlog.TreeHash(head.Size, w)
		if err != nil {
			return nil, fmt.Errorf("verify: recompute root: %w", err)
		}
		if root != head.Root {
			rep.add(0, "the head says root %s for %d entries, the leaves give %s", head.Root, head.Size, root)
		}
	}
	// Entries in order, so that the first problem names the first entry
	// found wrong; then what concerns the log as a whole.
	slices.SortStableFunc(rep.Problems, func(a, b Problem) int { return cmp.Compare(uint64(a.ID-1), uint64(b.ID-1)) })
	return rep, nil
}

// headHasLeaf checks that the tree holds the leaf hash of the head's last
// entry, so that a head that claims more entries than the tree has is
// reported instead of walked. ok is false when it is not there.
func headHasLeaf(ctx context.Context, store Store, head Head, rep *VerifyReport) (ok bool, err error) {
	if head.Size == 0 {
		return true, nil
	}
	_, err = store.ReadHashes(ctx, []int64{tlog.StoredHashIndex(0, head.Size-1)})
	if errors.Is(err, ErrCorrupt) {
		rep.add(0, "the head says the log holds %d entries, but the tree holds no leaf hash of entry %d: the head was changed or the tree cut short", head.Size, head.Size)
		return false, nil
	}
	return err == nil, err
}

// rowsBeyond reports rows with ids above the head that were not appended
// since Verify read it: rows no append wrote.
func rowsBeyond(ctx context.Context, store Store, head Head, rep *VerifyReport) error {
	rows, err := store.Rows(ctx, head.Size, 1)
	if err != nil || len(rows) == 0 {
		return err
	}
	now, err := store.Head(ctx)
	if err != nil {
		return err
	}
	if rows[0].ID > now.Size {
		rep.add(rows[0].ID, "is stored, but the head says the log holds %d entries", now.Size)
	}
	return nil
}

// purgeMarks follows the purge entries Verify walks past: only the log
// writes them (ReservedToolPrefix), each saying up to which id no entry
// is left after it.
type purgeMarks struct {
	seen    bool
	through int64 // the largest purged_through below its own entry's id
	first   int64 // the oldest entry stored, 0 before the first
	// undone is the first purge entry that says an entry stored below it
	// is gone (a purge undone, or a row put back): its id, and the oldest
	// stored entry it should have taken.
	undone, undoneFirst int64
}

// see takes in a stored entry, in id order.
func (p *purgeMarks) see(row *Entry, c *rowCheck) {
	if p.first == 0 {
		p.first = row.ID
	}
	if !c.purge {
		return
	}
	p.seen = true
	if c.purgedThrough >= row.ID {
		return
	}
	// Every entry up to purged_through lies before this one in id
	// order, so the walk has met any that is stored.
	if p.undone == 0 && p.first <= c.purgedThrough {
		p.undone, p.undoneFirst = row.ID, p.first
	}
	p.through = max(p.through, c.purgedThrough)
}

// judge reports the missing oldest entries that no purge accounts for,
// and stored entries that a purge says are gone.
func (p *purgeMarks) judge(rep *VerifyReport) {
	if p.undone != 0 {
		rep.add(p.undoneFirst, "is stored, but the purge recorded in entry %d left no entry up to it: the purge was undone, or the entry put back, outside the log", p.undone)
	}
	switch {
	case rep.PurgedThrough <= p.through:
	case !p.seen:
		rep.add(p.through+1, "entries %d to %d are missing and no purge is recorded", p.through+1, rep.PurgedThrough)
		rep.PurgedThrough = p.through
	default:
		rep.add(p.through+1, "entries %d to %d are missing, but the last purge left every entry after %d: they were deleted outside a purge", p.through+1, rep.PurgedThrough, p.through)
		rep.PurgedThrough = p.through
	}
}

// checkpointRoots opens the store's checkpoint and opts.Checkpoints and
// returns the root each says for its size; checkpoints that do not open,
// disagree with each other or are larger than the store go into rep.
func checkpointRoots(ctx context.Context, store Store, opts VerifyOptions, head Head, rep *VerifyReport) (map[int64]tlog.Hash, error) {
	stored, err := store.Checkpoint(ctx)
	if err != nil {
		return nil, err
	}
	type source struct {
		name string
		note []byte
	}
	sources := []source{{"the store's checkpoint", stored}}
	for i, c := range opts.Checkpoints {
		sources = append(sources, source{fmt.Sprintf("checkpoint %d given", i+1), c})
	}
	roots := make(map[int64]tlog.Hash)
	for _, s := range sources {
		if len(s.note) == 0 {
			continue
		}
		c, err := OpenCheckpoint(s.note, opts.Verifier)
		if err != nil {
			rep.add(0, "%s: %v", s.name, err)
			continue
		}
		if c.Size == 0 {
			continue
		}
		if c.Size > head.Size {
			rep.add(head.Size+1, "%s vouches for %d entries, the store holds %d: the newest entries were cut off or an older copy restored", s.name, c.Size, head.Size)
			continue
		}
		if r, ok := roots[c.Size]; ok && r != c.Root {
			rep.add(0, "%s and another signed checkpoint give different roots for %d entries: the key signed a fork", s.name, c.Size)
			continue
		}
		roots[c.Size] = c.Root
		if c.Size >= rep.Checkpoint.Size {
			rep.Checkpoint = c
		}
	}
	return roots, nil
}

// treeWalk recomputes the tree record by record, keeping the newest node
// of each level (all that the next records and the roots need), and
// compares what it computes with the stored hashes.
type treeWalk struct {
	rep    *VerifyReport
	roots  map[int64]tlog.Hash // checkpoint size -> signed root
	stored map[int64]tlog.Hash // stored hashes of the current batch
	front  [64]struct {
		idx int64
		h   tlog.Hash
		ok  bool
	}
	n int64 // records added so far
}

// ReadHashes implements tlog.HashReader over the frontier.
func (w *treeWalk) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, idx := range indexes {
		found := false
		for l := range w.front {
			if f := &w.front[l]; f.ok && f.idx == idx {
				out[i], found = f.h, true
				break
			}
		}
		if !found {
			return nil, fmt.Errorf("tree hash %d is not on the frontier", idx)
		}
	}
	return out, nil
}

// readStored reads the stored hashes of the records of ids after+1..end.
// Hashes that are missing or malformed are left out of the map, so that
// the walk names the entries whose hashes are gone.
func readStored(ctx context.Context, store Store, after, end int64) (map[int64]tlog.Hash, error) {
	if end <= after {
		return nil, nil
	}
	lo, hi := tlog.StoredHashIndex(0, after), tlog.StoredHashIndex(0, end)
	idx := make([]int64, 0, hi-lo)
	for i := lo; i < hi; i++ {
		idx = append(idx, i)
	}
	stored := make(map[int64]tlog.Hash, len(idx))
	hs, err := store.ReadHashes(ctx, idx)
	if errors.Is(err, ErrCorrupt) {
		// Some hash is missing or malformed: read them one by one.
		for _, i := range idx {
			h, err := store.ReadHashes(ctx, []int64{i})
			if errors.Is(err, ErrCorrupt) {
				continue
			}
			if err != nil {
				return nil, err
			}
			stored[i] = h[0]
		}
		return stored, nil
	}
	if err != nil {
		return nil, err
	}
	for i, h := range hs {
		stored[idx[i]] = h
	}
	return stored, nil
}

// missing adds the records of the ids from..to, which have no row, to the
// tree by their stored leaf hashes.
func (w *treeWalk) missing(from, to int64) {
	for id := from; id <= to; id++ {
		if w.rep.Checked == 0 {
			w.rep.PurgedThrough = id
		} else if id == from {
			if from == to {
				w.rep.add(id, "is missing: it was deleted outside a purge")
			} else {
				w.rep.add(id, "entries %d to %d are missing: they were deleted outside a purge", from, to)
			}
		}
		h, ok := w.stored[tlog.StoredHashIndex(0, id-1)]
		if !ok {
			w.rep.add(id, "its leaf hash is missing from the tree")
		}
		w.add(id, h)
	}
}

// live adds the record of a stored row to the tree, hashed from its leaf
// bytes, with the problems check found in it.
func (w *treeWalk) live(row *Entry, check *rowCheck) {
	w.rep.Checked++
	if s, ok := w.stored[tlog.StoredHashIndex(0, row.ID-1)]; !ok {
		w.rep.add(row.ID, "its leaf hash is missing from the tree")
	} else if s != check.hash {
		w.rep.add(row.ID, "its leaf bytes do not hash to the leaf hash in the tree: the leaf was changed")
	}
	for _, p := range check.problems {
		w.rep.add(row.ID, "%s", p)
	}
	w.add(row.ID, check.hash)
}

// columnDiffs lists where the columns of row say something else than the
// entry its leaf decodes to.
func columnDiffs(row, e *Entry) []string {
	var out []string
	if e.ID != row.ID {
		out = append(out, fmt.Sprintf("its leaf is the leaf of entry %d: rows were swapped or moved", e.ID))
	}
	if !e.Timestamp.Equal(row.Timestamp) {
		out = append(out, fmt.Sprintf("column timestamp says %s, its leaf %s", row.Timestamp.Format(TimeLayout), e.Timestamp.Format(TimeLayout)))
	}
	for _, c := range []struct{ name, col, leaf string }{
		{"tool_name", row.ToolName, e.ToolName}, {"session_id", row.SessionID, e.SessionID},
		{"task_id", row.TaskID, e.TaskID}, {"user_id", row.UserID, e.UserID}, {"call_id", row.CallID, e.CallID},
	} {
		if c.col != c.leaf {
			out = append(out, fmt.Sprintf("column %s says %q, its leaf %q", c.name, c.col, c.leaf))
		}
	}
	if row.Confirmed != e.Confirmed {
		out = append(out, fmt.Sprintf("column confirmed says %t, its leaf %t", row.Confirmed, e.Confirmed))
	}
	return out
}

// add appends the record of entry id with leaf hash h to the tree,
// compares the hashes it completes with the stored ones, and the root with
// any checkpoint of this size.
func (w *treeWalk) add(id int64, h tlog.Hash) {
	hashes, err := tlog.StoredHashesForRecordHash(w.n, h, w)
	if err != nil { // the frontier always holds what tlog asks for
		panic(fmt.Sprintf("verify: tree walk at record %d: %v", w.n, err))
	}
	base := tlog.StoredHashIndex(0, w.n)
	for level, hh := range hashes {
		idx := base + int64(level)
		if level > 0 {
			if s, ok := w.stored[idx]; !ok {
				w.rep.add(id, "the stored tree hash at level %d over entries %d to %d is missing", level, id-(1<<level)+1, id)
			} else if s != hh {
				w.rep.add(id, "the stored tree hash at level %d over entries %d to %d differs from the one its leaves give", level, id-(1<<level)+1, id)
			}
		}
		w.front[level].idx, w.front[level].h, w.front[level].ok = idx, hh, true
	}
	w.n++
	if want, ok := w.roots[w.n]; ok {
		root, err := tlog.TreeHash(w.n, w)
		if err != nil {
			panic(fmt.Sprintf("verify: root at %d: %v", w.n, err))
		}
		if root != want {
			w.rep.add(0, "the tree of entries 1 to %d has root %s, but a signed checkpoint says %s: an entry up to %d was changed together with its tree hashes, or the checkpoint is of another log", w.n, root, want, w.n)
		}
	}
}
