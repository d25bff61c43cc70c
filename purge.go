package tooltrail

import (
	"context"
	"errors"
	"fmt"
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
// purge is itself recorded as an entry with tool name PurgeTool, after the
// deletion, so it is never its own victim; its arguments say how many it
// deleted ("deleted") and up to which id no entry is left
// ("purged_through"), which Verify holds the missing entries against. Errors: a *FieldError for a
// negative or absurd number of days; ErrUnavailable when the store fails
// (some entries may be deleted by then; the returned count says how many,
// and the purge entry still records them); ErrClosed after Close, when
// nothing is deleted.
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

// purge deletes through the store and records the purge; recordNothing
// says whether a purge that deleted nothing is recorded too.
func (l *Log) purge(ctx context.Context, before time.Time, args map[string]any, recordNothing bool) (int64, error) {
	// A closed log could not record the purge: delete nothing.
	l.mu.RLock()
	closed := l.closed
	l.mu.RUnlock()
	if closed {
		return 0, ErrClosed
	}
	n, err := l.store.Purge(ctx, before)
	if n == 0 && err == nil && !recordNothing {
		return 0, nil
	}
	if err != nil {
		err = fmt.Errorf("purge: %w", err)
		args["error"] = err.Error()
	}
	args["deleted"] = n
	// What a verifier checks the missing oldest entries against: every
	// entry up to this id is gone, by this purge or an earlier one.
	if through, terr := l.purgedThrough(ctx); terr == nil {
		args["purged_through"] = through
	} else {
		err = errors.Join(err, fmt.Errorf("purge: %w", terr))
	}
	summary := fmt.Sprintf("deleted %d entries", n)
	_, rerr := l.record(context.WithoutCancel(ctx), Call{ToolName: PurgeTool, Arguments: args, ResultSummary: summary})
	if rerr != nil {
		rerr = fmt.Errorf("purge deleted %d entries but could not record it: %w", n, rerr)
	}
	return n, errors.Join(err, rerr)
}

// purgedThrough returns the id below the oldest live entry: after a purge,
// every entry up to it is gone. With no live entry, it is the head's size.
func (l *Log) purgedThrough(ctx context.Context) (int64, error) {
	rows, err := l.store.Rows(ctx, 0, 1)
	if err != nil {
		return 0, err
	}
	if len(rows) == 1 {
		return rows[0].ID - 1, nil
	}
	head, err := l.store.Head(ctx)
	if err != nil {
		return 0, err
	}
	return head.Size, nil
}
