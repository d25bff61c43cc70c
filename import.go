package tooltrail

import (
	"context"
	"errors"
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
// never go backwards: import into a log before recording into it to keep
// every time), and its salted leaf (SaltedLeafVersion) holds the source,
// the source id and the source's own timestamp text. A call without a
// CallID gets "Source:SourceID", so importing the same rows again appends
// nothing while their entries live: their receipts come back with
// Replayed set. Import returns once every entry is durable, with a
// receipt and an error for each call, as RecordBatch: errs[i] is nil when
// calls[i] was imported or replayed; a *FieldError (wrapping
// ErrInvalidArgument or ErrTooLarge, its message naming the call's source
// id) for a call that cannot be imported as it is, which affects no other;
// a commit error (ErrUnavailable: import again to resume); ErrClosed;
// ctx.Err().
func (l *Log) Import(ctx context.Context, calls []ImportedCall) (receipts []Receipt, errs []error) {
	receipts = make([]Receipt, len(calls))
	errs = make([]error, len(calls))
	ps := make([]*pending, len(calls))
	for i, ic := range calls {
		c, err := l.importContent(ic)
		if err != nil {
			errs[i] = err
			continue
		}
		ps[i] = &pending{c: c, reply: make(chan result, 1)}
	}
	// One goroutine enqueues in order and the queue is first in, first
	// out, so the entries get ids in the order of calls.
	for i, p := range ps {
		if p == nil {
			continue
		}
		if err := l.enqueue(ctx, p); err != nil {
			for j := i; j < len(ps); j++ {
				if ps[j] != nil {
					errs[j], ps[j] = fmt.Errorf("import: %w", err), nil
				}
			}
			break
		}
	}
	for i, p := range ps {
		if p == nil {
			continue
		}
		select {
		case res := <-p.reply:
			receipts[i], errs[i] = res.r, res.err
		case <-ctx.Done():
			errs[i] = fmt.Errorf("import: %w", ctx.Err())
		}
	}
	return receipts, errs
}

// importContent validates and redacts one imported call. Errors: a
// *FieldError that names the source id.
func (l *Log) importContent(ic ImportedCall) (content, error) {
	if ic.Source == "" || ic.SourceID < 1 || ic.Time.IsZero() {
		return content{}, invalid("source", "an imported call needs a Source, a SourceID of at least 1 and a Time")
	}
	if ic.Call.CallID == "" {
		ic.Call.CallID = fmt.Sprintf("%s:%d", ic.Source, ic.SourceID)
	}
	c, err := l.limits.validate(ic.Call)
	if err == nil {
		err = l.redact(&c)
	}
	if err == nil {
		err = checkText("source", ic.Source+ic.SourceRaw, l.limits.ID, false)
	}
	if err != nil {
		if fe, ok := errors.AsType[*FieldError](err); ok {
			fe2 := *fe
			fe2.Reason = fmt.Sprintf("%s (%s id %d)", fe.Reason, ic.Source, ic.SourceID)
			return content{}, &fe2
		}
		return content{}, fmt.Errorf("%s id %d: %w", ic.Source, ic.SourceID, err)
	}
	c.Imported = &Imported{Source: ic.Source, ID: ic.SourceID, Timestamp: ic.SourceRaw}
	c.At = ic.Time.UTC().Truncate(time.Microsecond)
	return c, nil
}
