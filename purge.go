package tooltrail

import (
	"context"
	"fmt"
	"maps"
	"time"
)

// PurgeTool is the tool name of the entry that records a purge.
const PurgeTool = "tooltrail.purge"

// maxPurgeDays bounds older_than_days (about 2,700 years), so that the
// cutoff stays a real time.
const maxPurgeDays = 1_000_000

// Purge deletes the entries older than olderThanDays days, or every entry
// when olderThanDays is nil, as oAI-Web's audit log does, and returns how
// many it deleted. Leaf and tree hashes stay, so proofs still verify. The
// purge is itself recorded as an entry with tool name PurgeTool, before
// the deletion and in the transaction that decides what it deletes, so it
// is never its own victim and a crash cannot leave a deletion unrecorded;
// its arguments say how many entries it deletes ("deleted") and up to
// which id no entry is left ("purged_through"), which Verify holds the
// missing entries against. Errors: a *FieldError for a negative or absurd
// number of days; ErrUnavailable when the purge could not be recorded
// (nothing is deleted), or when it was but the store failed to erase all
// it says (the count is returned, and the store finishes the erasure when
// it next purges or opens); ErrClosed after Close, when nothing is
// deleted.
func (l *Log) Purge(ctx context.Context, olderThanDays *int) (int64, error) {
	var before time.Time
	args := map[string]any{"older_than_days": nil}
	if olderThanDays != nil {
		d := *olderThanDays
		if d < 0 || d > maxPurgeDays {
			return 0, invalid("older_than_days", "must be from 0 to %d, or null for all, got %d", maxPurgeDays, d)
		}
		// AddDate, not a Duration: days*24h overflows past 106,751 days.
		before = l.cfg.Now().UTC().AddDate(0, 0, -d).Truncate(time.Microsecond)
		args["older_than_days"] = d
		args["before"] = before.Format(TimeLayout)
	}
	return l.purge(ctx, before, args, true)
}

// PurgeBefore deletes the entries recorded before t, as a retention policy
// does, and records the purge like Purge when it deleted anything (so a
// retention timer that finds nothing to do does not fill the log with
// empty purges). Errors as Purge; a zero t is a *FieldError (use
// Purge(ctx, nil) to delete everything).
func (l *Log) PurgeBefore(ctx context.Context, t time.Time) (int64, error) {
	if t.IsZero() {
		return 0, invalid("before", "is required")
	}
	t = t.UTC().Truncate(time.Microsecond)
	return l.purge(ctx, t, map[string]any{"before": t.Format(TimeLayout), "retention": true}, false)
}

// purgeOrder is a purge waiting for the sequencer, which works out what
// it deletes against the head it seals against.
type purgeOrder struct {
	before        time.Time // zero: every entry
	args          map[string]any
	user          string
	recordNothing bool // record a purge that deletes nothing too
}

// purgeOutcome is what the sequencer sealed for a purge.
type purgeOutcome struct {
	deleted  int64 // how many live entries the purge deletes
	through  int64 // every entry up to this id is purged, by it or before
	recorded bool  // the purge has an entry in the batch
}

// purge records the purge entry and then has the store erase what it
// says. The entry goes first, in the transaction that also makes the
// store remember the bound (Batch.PurgeThrough), and its arguments are
// worked out in that transaction: a crash at any point leaves either no
// purge at all or a recorded one that the store finishes, and two purges
// at once, from this or another process, never claim the same entries.
func (l *Log) purge(ctx context.Context, before time.Time, args map[string]any, recordNothing bool) (int64, error) {
	p := &pending{
		c:     content{ToolName: PurgeTool},
		purge: &purgeOrder{before: before, args: args, user: UserFrom(ctx), recordNothing: recordNothing},
		reply: make(chan result, 1),
	}
	if err := l.enqueue(ctx, p); err != nil {
		return 0, err
	}
	// Not ctx: once taken, the purge is decided by its commit, which the
	// commit timeout bounds, and its caller must learn the outcome.
	res := <-p.reply
	if res.err != nil {
		return 0, fmt.Errorf("purge: %w", res.err)
	}
	o := res.purge
	if o.deleted == 0 {
		return 0, nil
	}
	if _, err := l.store.Purge(context.WithoutCancel(ctx), o.through); err != nil {
		return o.deleted, fmt.Errorf("purge recorded as entry %d, but not all of its %d entries are erased yet (the store finishes when it next purges or opens): %w",
			res.r.ID, o.deleted, err)
	}
	return o.deleted, nil
}

// sealPurge works out, inside the append's transaction, what the purge o
// deletes: the live entries recorded before its time, above what earlier
// purges (committed, or inBatch in this batch) took. It returns the
// content of its entry, unless it deletes nothing and o records only
// purges that delete something. Errors: the store's.
func (l *Log) sealPurge(ctx context.Context, tx AppendTx, o *purgeOrder, inBatch int64) (content, purgeOutcome, error) {
	purged, err := tx.PurgedThrough(ctx)
	if err != nil {
		return content{}, purgeOutcome{}, err
	}
	purged = max(purged, inBatch)
	cutoff := tx.Head().Size
	if !o.before.IsZero() {
		if cutoff, err = tx.LastBefore(ctx, o.before); err != nil {
			return content{}, purgeOutcome{}, err
		}
	}
	// Purges take the oldest entries, so the live ones are one unbroken
	// run above purged: every id up to the cutoff above it is a live entry.
	out := purgeOutcome{through: max(purged, cutoff), deleted: max(cutoff-purged, 0)}
	if out.deleted == 0 && !o.recordNothing {
		return content{}, out, nil
	}
	args := maps.Clone(o.args)
	args["deleted"] = out.deleted
	// What a verifier checks the missing oldest entries against.
	args["purged_through"] = out.through
	c, err := l.limits.validate(Call{
		ToolName: PurgeTool, Arguments: args, UserID: o.user,
		ResultSummary: fmt.Sprintf("deleted %d entries", out.deleted),
	})
	if err != nil {
		return content{}, purgeOutcome{}, fmt.Errorf("purge entry: %w", err)
	}
	out.recorded = true
	return c, out, nil
}
