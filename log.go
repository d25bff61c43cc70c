package tooltrail

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// Config sets up a Log. The zero value is ready to use.
type Config struct {
	Limits Limits // size limits of a call; zero fields take DefaultLimits
	// MaxBatch is the most calls one commit takes; default 1000.
	MaxBatch int
	// CommitTimeout bounds one batch's commit, detached from the callers'
	// contexts so that a caller who goes away cannot abort a commit that
	// others wait on; default 10s.
	CommitTimeout time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Observer is told of every commit; default none.
	Observer Observer
	// Redactor replaces secrets in every call before its leaf is made;
	// default none. tooltrail serve sets package redact's, with the
	// default rules.
	Redactor Redactor
	// Committed is called by the sequencer with the new head after every
	// batch that appended entries is durable; it must not block. A Notary's
	// Notify fits. Default none.
	Committed func(Head)
	// Logger receives the log's own messages (never arguments or result
	// summaries); default slog.Default().
	Logger *slog.Logger
	// Rand is where the sequencer reads each leaf's salt; default
	// crypto/rand.Reader. Only tests should set it: a predictable salt
	// lets whoever guesses an entry confirm it from its public leaf hash.
	Rand io.Reader

	unsalted bool // write unsalted leaves, to measure what salts cost
}

// Observer is told what the log's sequencer does, for metrics. Its methods
// are called from the sequencer goroutine and must not block.
type Observer interface {
	// Committed is called after a batch of n calls (appended or replayed)
	// is durable, with the time the commit took.
	Committed(n int, took time.Duration)
	// Failed is called when a batch of n calls failed to commit.
	Failed(n int, err error)
}

// Log is an audit log on a Store. Its methods are safe for concurrent use.
// Records go through one sequencer goroutine that commits everything
// waiting as one batch (group commit).
type Log struct {
	store  Store
	limits Limits
	cfg    Config

	mu     sync.RWMutex // guards closed against sends on queue
	closed bool
	queue  chan *pending
	done   chan struct{}

	changedMu sync.Mutex
	changed   chan struct{} // closed at the next commit that appends

	healthMu     sync.Mutex
	failedInARow int       // batches that failed to commit since the last that did
	lastFailure  time.Time // when the last of them failed
}

// CommitHealth says whether this Log can record: how many batches in a row
// failed to commit since the last one that committed (0 when the last
// committed, or none was tried), and when the last of them failed.
func (l *Log) CommitHealth() (failedInARow int, lastFailure time.Time) {
	l.healthMu.Lock()
	defer l.healthMu.Unlock()
	return l.failedInARow, l.lastFailure
}

func (l *Log) noteCommit(err error) {
	l.healthMu.Lock()
	defer l.healthMu.Unlock()
	if err == nil {
		l.failedInARow = 0
		return
	}
	l.failedInARow++
	l.lastFailure = time.Now()
}

type pending struct {
	c     content
	purge *purgeOrder // a purge, whose content seal works out
	reply chan result // buffered, so the sequencer never blocks on it
}

type result struct {
	r     Receipt
	purge purgeOutcome // of a purge
	err   error
}

// New returns a Log on store and starts its sequencer. Close it when done;
// closing the Log does not close the store. New reads the store's head and
// returns its error (wrapping ErrUnavailable) when the store cannot be read.
func New(ctx context.Context, store Store, cfg Config) (*Log, error) {
	if cfg.MaxBatch <= 0 {
		cfg.MaxBatch = 1000
	}
	if cfg.CommitTimeout <= 0 {
		cfg.CommitTimeout = 10 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	if _, err := store.Head(ctx); err != nil {
		return nil, fmt.Errorf("open log: %w", err)
	}
	l := &Log{
		store:   store,
		limits:  cfg.Limits.withDefaults(),
		cfg:     cfg,
		queue:   make(chan *pending, 4*cfg.MaxBatch),
		done:    make(chan struct{}),
		changed: make(chan struct{}),
	}
	go l.sequence()
	return l, nil
}

// Record appends one call to the log and returns its receipt once the entry
// is durable. When the call has no UserID, the user of ctx (WithUser) is
// recorded. Tool names that IsReservedToolName reports are the log's own
// (its purges, its token changes) and refused. Errors: a *FieldError
// wrapping ErrInvalidArgument or ErrTooLarge for a call that breaks the
// limits or uses a reserved tool name; ErrConflict when its
// CallID was recorded before with other content; ErrUnavailable when the
// store did not commit (nothing was recorded: retry, with the same CallID
// to be safe); ErrClosed after Close; ctx.Err() when ctx ends first, in
// which case the entry may still be recorded.
func (l *Log) Record(ctx context.Context, call Call) (Receipt, error) {
	if IsReservedToolName(call.ToolName) {
		return Receipt{}, invalid("tool_name", "names starting with %q (in any case or Unicode form) are the log's own (its purges and token changes); choose another", ReservedToolPrefix)
	}
	return l.record(ctx, call)
}

// RecordAdmin records an action of the log's administration under a
// reserved tool name (ReservedToolPrefix and more), as the token commands
// do. Errors: as Record, and a *FieldError for any other tool name.
func (l *Log) RecordAdmin(ctx context.Context, call Call) (Receipt, error) {
	if !strings.HasPrefix(call.ToolName, ReservedToolPrefix) || call.ToolName == PurgeTool {
		return Receipt{}, invalid("tool_name", "an administration entry's name starts with %q and is not %q, got %q", ReservedToolPrefix, PurgeTool, call.ToolName)
	}
	return l.record(ctx, call)
}

// record validates and appends a call, whatever its tool name.
func (l *Log) record(ctx context.Context, call Call) (Receipt, error) {
	if call.UserID == "" {
		call.UserID = UserFrom(ctx)
	}
	c, err := l.limits.validate(call)
	if err != nil {
		return Receipt{}, err
	}
	c.Scope = CallScopeFrom(ctx)
	if err := l.redact(&c); err != nil {
		return Receipt{}, err
	}
	p := &pending{c: c, reply: make(chan result, 1)}
	if err := l.enqueue(ctx, p); err != nil {
		return Receipt{}, err
	}
	select {
	case res := <-p.reply:
		return res.r, res.err
	case <-ctx.Done():
		return Receipt{}, fmt.Errorf("record %s: %w", c.ToolName, ctx.Err())
	}
}

func (l *Log) enqueue(ctx context.Context, p *pending) error {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.closed {
		return ErrClosed
	}
	select {
	case l.queue <- p:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("record %s: %w", p.c.ToolName, ctx.Err())
	}
}

// Changed returns a channel that is closed when this Log next appends
// entries: a live view waits on it, then queries what is new. Entries that
// other processes append to the same store do not close it; poll Head for
// those.
func (l *Log) Changed() <-chan struct{} {
	l.changedMu.Lock()
	defer l.changedMu.Unlock()
	return l.changed
}

// QueueDepth returns how many calls wait for the sequencer.
func (l *Log) QueueDepth() int { return len(l.queue) }

// Close stops taking calls, commits every call already taken, and returns
// once the sequencer has stopped. It does not close the store.
func (l *Log) Close() error {
	l.mu.Lock()
	if !l.closed {
		l.closed = true
		close(l.queue)
	}
	l.mu.Unlock()
	<-l.done
	return nil
}

// sequence is the sequencer goroutine: it takes everything waiting, up to
// MaxBatch, and commits it as one batch, until the queue is closed and
// drained.
func (l *Log) sequence() {
	defer close(l.done)
	batch := make([]*pending, 0, l.cfg.MaxBatch)
	for p := range l.queue {
		batch = append(batch[:0], p)
	drain:
		for len(batch) < l.cfg.MaxBatch {
			select {
			case p, ok := <-l.queue:
				if !ok {
					break drain
				}
				batch = append(batch, p)
			default:
				break drain
			}
		}
		l.commit(batch)
	}
}

// commit appends one batch and answers every call in it: all with their
// receipts once the store committed, or all with the error if it did not.
func (l *Log) commit(batch []*pending) {
	ctx, cancel := context.WithTimeout(context.Background(), l.cfg.CommitTimeout)
	defer cancel()
	start := time.Now()
	results := make([]result, len(batch))
	var sealed *Batch
	err := l.store.Append(ctx, func(ctx context.Context, tx AppendTx) (*Batch, error) {
		b, err := l.seal(ctx, tx, batch, results)
		sealed = b
		return b, err
	})
	if err != nil {
		if !errors.Is(err, ErrUnavailable) {
			err = fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
		l.noteCommit(err)
		l.cfg.Logger.Error("commit failed; every call of the batch fails", "calls", len(batch), "err", err)
		if l.cfg.Observer != nil {
			l.cfg.Observer.Failed(len(batch), err)
		}
		for _, p := range batch {
			p.reply <- result{err: fmt.Errorf("record %s: %w", p.c.ToolName, err)}
		}
		return
	}
	l.noteCommit(nil)
	if l.cfg.Observer != nil {
		l.cfg.Observer.Committed(len(batch), time.Since(start))
	}
	if sealed != nil && len(sealed.Entries) > 0 {
		if l.cfg.Committed != nil {
			l.cfg.Committed(sealed.Head)
		}
		l.changedMu.Lock()
		close(l.changed)
		l.changed = make(chan struct{})
		l.changedMu.Unlock()
	}
	for i, p := range batch {
		p.reply <- results[i]
	}
}

// seal gives each call of the batch its id, timestamp, leaf and tree
// hashes, inside the store's transaction, and fills results. Calls that
// repeat a call_id get the first receipt (or a conflict) and no new entry.
func (l *Log) seal(ctx context.Context, tx AppendTx, batch []*pending, results []result) (*Batch, error) {
	head := tx.Head()
	existing, err := l.existingCalls(ctx, tx, batch)
	if err != nil {
		return nil, err
	}
	now := l.cfg.Now().UTC().Truncate(time.Microsecond)
	if now.Before(head.LastTime) {
		now = head.LastTime
	}
	last := head.LastTime
	out := &Batch{Head: head}
	leaves := make([]tlog.Hash, 0, len(batch))
	var salts []byte
	if !l.cfg.unsalted {
		// One read for the whole batch, so that the salts cost one call
		// of the system's source per commit, not one per entry.
		salts = make([]byte, SaltSize*len(batch))
		if _, err := io.ReadFull(l.cfg.Rand, salts); err != nil {
			return nil, fmt.Errorf("salts of the batch: %w", err)
		}
	}
	firstInBatch := make(map[CallKey]int)
	for i, p := range batch {
		results[i] = result{}
		if p.purge != nil {
			c, o, err := l.sealPurge(ctx, tx, p.purge, out.PurgeThrough)
			if err != nil {
				return nil, err
			}
			results[i].purge = o
			if !o.recorded {
				continue
			}
			p.c = c
			out.PurgeThrough = max(out.PurgeThrough, o.through)
		}
		if p.c.CallID != "" {
			id := CallKey{Scope: p.c.Scope, CallID: p.c.CallID}
			if leaf, ok := existing[id]; ok {
				results[i] = replay(p.c, leaf)
				continue
			}
			if j, ok := firstInBatch[id]; ok {
				results[i] = replayInBatch(p.c, batch[j].c, results[j].r)
				continue
			}
			firstInBatch[id] = i
		}
		ts := now
		if !p.c.At.IsZero() { // imported: its own time
			ts = p.c.At
		}
		if ts.Before(last) { // but never before the entry it follows
			ts = last
		}
		last = ts
		e := p.c.entry(head.Size+int64(len(out.Entries))+1, ts)
		if salts != nil {
			e.Salt = salts[SaltSize*i : SaltSize*(i+1) : SaltSize*(i+1)]
		}
		e.Leaf = EncodeLeaf(e)
		h := LeafHash(e.Leaf)
		out.Entries = append(out.Entries, e)
		if p.c.Scope != 0 && out.CallScopes == nil {
			out.CallScopes = make([]int64, len(out.Entries)-1, len(batch))
		}
		if out.CallScopes != nil {
			out.CallScopes = append(out.CallScopes, p.c.Scope)
		}
		leaves = append(leaves, h)
		results[i].r = Receipt{ID: e.ID, Timestamp: ts, LeafHash: h}
	}
	if len(out.Entries) == 0 {
		return out, nil
	}
	out.Hashes, out.Head.Root, err = extendTree(ctx, tx, head.Size, leaves)
	if err != nil {
		return nil, err
	}
	out.Head.Size += int64(len(out.Entries))
	out.Head.LastTime = out.Entries[len(out.Entries)-1].Timestamp
	return out, nil
}

// existingCalls returns the leaves already stored for the call ids of the
// batch.
func (l *Log) existingCalls(ctx context.Context, tx AppendTx, batch []*pending) (map[CallKey][]byte, error) {
	var ids []CallKey
	for _, p := range batch {
		if p.c.CallID != "" {
			ids = append(ids, CallKey{Scope: p.c.Scope, CallID: p.c.CallID})
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	return tx.LeavesByCallID(ctx, ids)
}

// replay answers a call whose call_id is stored already.
func replay(c content, leaf []byte) result {
	e, err := DecodeLeaf(leaf)
	if err != nil {
		return result{err: fmt.Errorf("%w: entry of call_id %q: %w", ErrCorrupt, c.CallID, err)}
	}
	if !c.sameAs(e.content()) {
		return result{err: fmt.Errorf("%w: call_id %q was recorded as entry %d with other content", ErrConflict, c.CallID, e.ID)}
	}
	return result{r: Receipt{ID: e.ID, Timestamp: e.Timestamp, LeafHash: LeafHash(leaf), Replayed: true}}
}

// replayInBatch answers a call whose call_id an earlier call of the same
// batch holds.
func replayInBatch(c, first content, r Receipt) result {
	if !c.sameAs(first) {
		return result{err: fmt.Errorf("%w: call_id %q was recorded as entry %d with other content", ErrConflict, c.CallID, r.ID)}
	}
	r.Replayed = true
	return result{r: r}
}

func (c content) entry(id int64, ts time.Time) Entry {
	return Entry{
		ID: id, Timestamp: ts, SessionID: c.SessionID, ToolName: c.ToolName, Arguments: c.Arguments,
		ResultSummary: c.ResultSummary, Confirmed: c.Confirmed, TaskID: c.TaskID, UserID: c.UserID, CallID: c.CallID,
		Imported: c.Imported,
	}
}

func (e Entry) content() content {
	return content{
		ToolName: e.ToolName, Arguments: e.Arguments, ResultSummary: e.ResultSummary, Confirmed: e.Confirmed,
		SessionID: e.SessionID, TaskID: e.TaskID, UserID: e.UserID, CallID: e.CallID, Imported: e.Imported,
	}
}

func (c content) sameAs(o content) bool {
	return c.ToolName == o.ToolName && bytes.Equal(c.Arguments, o.Arguments) && c.ResultSummary == o.ResultSummary &&
		c.Confirmed == o.Confirmed && c.SessionID == o.SessionID && c.TaskID == o.TaskID && c.UserID == o.UserID &&
		c.CallID == o.CallID && (c.Imported == nil) == (o.Imported == nil) && (c.Imported == nil || *c.Imported == *o.Imported)
}
