package tooltrail

import (
	"context"
	"fmt"
	"time"
)

// ImportedCall is one entry of another audit log to copy into this one.
type ImportedCall struct {
	Call      Call
	Time      time.Time // when the other log recorded it
	Source    string    // the other log, e.g. "oai-web"
	SourceID  int64     // its id there, at least 1
	SourceRaw string    // its timestamp as the other log wrote it
}

// Import appends calls of another audit log, in the order given, keeping
// their original times: each entry's timestamp is its Time, or the
// timestamp of the entry before it when that is later (a log's timestamps
// never go backwards), and its salted leaf (SaltedLeafVersion) holds the
// source, the source id and the source's own timestamp text. A call without
// a CallID gets "Source:SourceID", so importing the same rows again appends
// nothing: their receipts come back with Replayed set. Import returns once
// every entry is durable, with one receipt per call. Errors: for a call
// that breaks the limits or has no source, an error that names the call's
// index ("calls[3]") and wraps a *FieldError, before anything is recorded; the first commit error (earlier calls may be recorded: import
// again to resume); ErrClosed; ctx.Err().
func (l *Log) Import(ctx context.Context, calls []ImportedCall) ([]Receipt, error) {
	ps := make([]*pending, len(calls))
	for i, ic := range calls {
		if ic.Source == "" || ic.SourceID < 1 || ic.Time.IsZero() {
			return nil, invalid(fmt.Sprintf("calls[%d]", i), "needs a Source, a SourceID of at least 1 and a Time")
		}
		if ic.Call.CallID == "" {
			ic.Call.CallID = fmt.Sprintf("%s:%d", ic.Source, ic.SourceID)
		}
		c, err := l.limits.validate(ic.Call)
		if err == nil {
			err = l.redact(&c)
		}
		if err != nil {
			return nil, fmt.Errorf("calls[%d] (%s id %d): %w", i, ic.Source, ic.SourceID, err)
		}
		if err := checkText("source", ic.Source+ic.SourceRaw, l.limits.ID, false); err != nil {
			return nil, fmt.Errorf("calls[%d]: %w", i, err)
		}
		c.Imported = &Imported{Source: ic.Source, ID: ic.SourceID, Timestamp: ic.SourceRaw}
		c.At = ic.Time.UTC().Truncate(time.Microsecond)
		ps[i] = &pending{c: c, reply: make(chan result, 1)}
	}
	// One goroutine enqueues in order and the queue is first in, first
	// out, so the entries get ids in the order of calls.
	for i, p := range ps {
		if err := l.enqueue(ctx, p); err != nil {
			return nil, fmt.Errorf("import calls[%d]: %w", i, err)
		}
	}
	receipts := make([]Receipt, len(ps))
	var first error
	for i, p := range ps {
		select {
		case res := <-p.reply:
			receipts[i] = res.r
			if res.err != nil && first == nil {
				first = fmt.Errorf("import calls[%d]: %w", i, res.err)
			}
		case <-ctx.Done():
			return nil, fmt.Errorf("import: %w", ctx.Err())
		}
	}
	return receipts, first
}
