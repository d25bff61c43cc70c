package tooltrail

import (
	"context"
	"fmt"
)

// RecordBatch records calls as Record records each, in the order given,
// and returns once every one of them is durable or has failed: receipts[i]
// and errs[i] are those of calls[i], and errs[i] is nil when calls[i] was
// recorded (or replayed an earlier call_id with the same content). Calls go
// to the sequencer together, so a batch shares commits instead of waiting
// for one each, and the valid calls are recorded even when others are not.
// errs[i] is what Record would return for calls[i]: a *FieldError for a
// call that breaks the limits or uses a reserved tool name (nothing else
// of the batch is affected), ErrConflict, ErrUnavailable when its commit
// failed (other calls of the batch may be recorded: repeat the batch with
// the same call ids to be safe), ErrClosed, or ctx.Err().
func (l *Log) RecordBatch(ctx context.Context, calls []Call) (receipts []Receipt, errs []error) {
	receipts = make([]Receipt, len(calls))
	errs = make([]error, len(calls))
	ps := make([]*pending, len(calls))
	for i, call := range calls {
		if IsReservedToolName(call.ToolName) {
			errs[i] = invalid("tool_name", "names starting with %q (in any case or Unicode form) are the log's own (its purges and token changes); choose another", ReservedToolPrefix)
			continue
		}
		if call.UserID == "" {
			call.UserID = UserFrom(ctx)
		}
		c, err := l.limits.validate(call)
		c.Scope = CallScopeFrom(ctx)
		if err == nil {
			err = l.redact(&c)
		}
		if err != nil {
			errs[i] = err
			continue
		}
		ps[i] = &pending{c: c, reply: make(chan result, 1)}
	}
	// One goroutine enqueues in order into a first-in, first-out queue, so
	// the entries get ids in the order of calls.
	for i, p := range ps {
		if p == nil {
			continue
		}
		if err := l.enqueue(ctx, p); err != nil {
			for j := i; j < len(ps); j++ {
				if ps[j] != nil {
					errs[j], ps[j] = err, nil
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
			errs[i] = fmt.Errorf("record %s: %w", p.c.ToolName, ctx.Err())
		}
	}
	return receipts, errs
}
