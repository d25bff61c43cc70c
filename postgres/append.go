package postgres

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/internal/dict"
	"github.com/tooltrail/tooltrail/internal/frontier"
	"golang.org/x/mod/sumdb/tlog"
)

// The statements of the append path. Rows go in as arrays (unnest), so
// that each statement has one text whatever the batch size, and all of a
// batch's writes and its COMMIT go in one round trip.
const (
	sqlInsertEntries = `INSERT INTO entries (id, ts, tool, session, task, "user", confirmed, call_id, call_scope, leaf)
SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::boolean[], $8::text[], $9::bigint[], $10::bytea[])`
	sqlInsertHashes = "INSERT INTO hashes (idx, hash) SELECT * FROM unnest($1::bigint[], $2::bytea[])"
	sqlAddCounts    = `INSERT INTO counts (tool, "user", confirmed, n)
SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::boolean[], $4::bigint[])
ON CONFLICT (tool, "user", confirmed) DO UPDATE SET n = counts.n + excluded.n`
	sqlUpdateHead     = "UPDATE head SET size = $1, root = $2, last_ts = $3 WHERE one AND size = $4"
	sqlReadHashes     = "SELECT idx, hash FROM hashes WHERE idx = ANY($1)"
	sqlLeavesByCallID = "SELECT call_id, call_scope, leaf FROM entries WHERE call_id = ANY($1) AND call_id IS NOT NULL"
)

// maxInsertBytes bounds the leaf bytes of one INSERT of entries: a
// statement's parameters must stay well under PostgreSQL's 1 GB message
// limit however large the batch.
const maxInsertBytes = 16 << 20

// Append seals a batch against the log's head and writes it: entries,
// tree hashes, tool counts and the new head, in one transaction that it
// commits, and returns once the commit is durable. When this store made
// the head last and no other server appended lately, it seals against the
// head it knows and writes everything in one round trip, in which the
// head row is locked (appendUnlocked); otherwise, or when another server
// appended meanwhile after all, it locks the head row first
// (appendLocked). seal reads no tree hash from the database when this
// store made the head it finds. Errors: seal's error as is; a batch that
// does not extend the head; database errors wrapping
// tooltrail.ErrUnavailable (nothing was written, unless the connection
// failed during COMMIT, when the batch may or may not be durable).
func (s *Store) Append(ctx context.Context, seal tooltrail.SealFunc) error {
	if head, known, ok := s.frontier.Latest(); ok && !s.shared.Load() {
		s.paths.unlocked.Add(1)
		err := s.appendUnlocked(ctx, seal, head, known)
		if !errors.Is(err, errRaced) {
			return err
		}
		s.paths.raced.Add(1)
		s.shared.Store(true)
	}
	s.paths.locked.Add(1)
	return s.appendLocked(ctx, seal)
}

// errRaced says that appendUnlocked wrote nothing because another server
// appended since the head it sealed against.
var errRaced = errors.New("postgres: another server appended meanwhile")

// appendLocked locks the head row, seals against it, and writes the batch:
// BEGIN and the lock take one round trip, the writes and COMMIT another,
// and names not seen before a third.
func (s *Store) appendLocked(ctx context.Context, seal tooltrail.SealFunc) error {
	tx, err := s.acquire(ctx)
	if err != nil {
		return err
	}
	defer tx.release(ctx)
	head, err := beginLocked(ctx, tx)
	if err != nil {
		return err
	}
	known := s.frontier.Get(head)
	s.shared.Store(known == nil && head.Size > 0)
	atx := &appendTx{tx: tx, head: head, Reader: frontier.Reader{Size: head.Size, Known: maps.Clone(known),
		Read: func(ctx context.Context, indexes []int64, dst map[int64]tlog.Hash) error {
			return readHashes(ctx, tx, indexes, dst)
		}}}
	batch, err := sealBatch(ctx, seal, atx)
	if err != nil || batch == nil {
		return err // release rolls back; nil: nothing to write
	}
	names, err := s.resolveNames(ctx, tx, batch.Entries)
	if err != nil {
		return err
	}
	b := &pgx.Batch{}
	queueWrites(b, names, batch)
	b.Queue(sqlUpdateHead, batch.Head.Size, batch.Head.Root[:], batch.Head.LastTime, head.Size).Exec(func(tag pgconn.CommandTag) error {
		if tag.RowsAffected() != 1 {
			return errors.New("the head moved under its lock")
		}
		return nil
	})
	queueCommit(b)
	if err := tx.send(ctx, b).Close(); err != nil {
		return unavailable("write batch", err)
	}
	s.frontier.Set(batch.Head, batch.Hashes, atx.Known)
	s.names.Add(names.resolved)
	return nil
}

// appendUnlocked seals against head, the head this store committed last,
// without a transaction, and writes the batch in one round trip whose
// first statement moves the head row only if it still holds head: the
// head row is locked for that round trip only. Names new to the cache
// make it three, as in appendLocked: BEGIN and the guard, the names, the
// writes and COMMIT. Errors: errRaced, wrapping the database's error,
// when the head had moved (nothing was written); as Append.
func (s *Store) appendUnlocked(ctx context.Context, seal tooltrail.SealFunc, head tooltrail.Head, known map[int64]tlog.Hash) error {
	tx, err := s.acquire(ctx)
	if err != nil {
		return err
	}
	defer tx.release(ctx)
	atx := &appendTx{tx: tx, head: head, Reader: frontier.Reader{Size: head.Size, Known: maps.Clone(known),
		Read: func(ctx context.Context, indexes []int64, dst map[int64]tlog.Hash) error {
			return readHashes(ctx, tx, indexes, dst)
		}}}
	batch, err := sealBatch(ctx, seal, atx)
	if err != nil || batch == nil {
		return err
	}
	b := &pgx.Batch{}
	b.Queue("BEGIN")
	b.Queue(sqlMoveHead, batch.Head.Size, batch.Head.Root[:], batch.Head.LastTime, head.Size, head.Root[:])
	names := s.cachedNames(batch.Entries)
	if len(names.missing) > 0 {
		// The head row before new names, as in every append: two servers
		// would otherwise each wait for a name the other inserted.
		if err := tx.send(ctx, b).Close(); err != nil {
			return racedOr(err)
		}
		b = &pgx.Batch{}
		if err := names.resolve(ctx, tx); err != nil {
			return err
		}
	}
	queueWrites(b, names, batch)
	queueCommit(b)
	if err := tx.send(ctx, b).Close(); err != nil {
		return racedOr(err)
	}
	s.frontier.Set(batch.Head, batch.Hashes, atx.Known)
	s.names.Add(names.resolved)
	return nil
}

// racedOr returns errRaced wrapping err for an error of sqlMoveHead's
// guard, else err wrapping tooltrail.ErrUnavailable. A unique violation
// counts as a race too, as a safety net: past the guard no id of the
// batch can be taken, and a call id only by a batch that moved the head.
func racedOr(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && (pgErr.Code == codeDivisionByZero || pgErr.Code == codeUniqueViolation) {
		return fmt.Errorf("%w: %w", errRaced, err)
	}
	return unavailable("write batch", err)
}

// The SQLSTATEs of the errors that tell appendUnlocked it raced another
// server.
const (
	codeDivisionByZero  = "22012"
	codeUniqueViolation = "23505"
)

// sqlMoveHead moves the head row from the head an unlocked append sealed
// against ($4, $5) to its batch's head, and fails with a division by zero
// when the row holds another head: the server then skips the rest of the
// round trip, COMMIT too.
const sqlMoveHead = `WITH moved AS (UPDATE head SET size = $1, root = $2, last_ts = $3 WHERE one AND size = $4 AND root = $5 RETURNING 1)
SELECT 1 / count(*)::int FROM moved`

// sealBatch runs seal on atx and checks that the batch extends atx's head;
// it returns nil when there is nothing to write.
func sealBatch(ctx context.Context, seal tooltrail.SealFunc, atx *appendTx) (*tooltrail.Batch, error) {
	batch, err := seal(ctx, atx)
	if err != nil {
		return nil, err
	}
	if batch == nil || len(batch.Entries) == 0 {
		return nil, nil
	}
	if batch.Head.Size != atx.head.Size+int64(len(batch.Entries)) {
		return nil, fmt.Errorf("postgres: batch of %d entries would move the head from %d to %d", len(batch.Entries), atx.head.Size, batch.Head.Size)
	}
	return batch, nil
}

// queueWrites queues the writes of a batch but the head's: its entries,
// tree hashes, tool counts and the bound of a purge it records.
func queueWrites(b *pgx.Batch, names *names, batch *tooltrail.Batch) {
	queueEntries(b, names, batch.Entries, batch.CallScopes)
	queueHashes(b, batch.Hashes)
	queueCounts(b, names, batch.Entries)
	if batch.PurgeThrough > 0 {
		b.Queue(sqlMovePurge, batch.PurgeThrough)
	}
}

// beginLocked begins the transaction of tx and locks the head row, in one
// round trip, and returns the head.
func beginLocked(ctx context.Context, tx *writeTx) (tooltrail.Head, error) {
	b := &pgx.Batch{}
	b.Queue("BEGIN")
	b.Queue(sqlReadHeadLocked)
	br := tx.send(ctx, b)
	if _, err := br.Exec(); err != nil {
		br.Close()
		return tooltrail.Head{}, unavailable("begin", err)
	}
	head, err := scanHead(br.QueryRow())
	if cerr := br.Close(); err == nil && cerr != nil {
		err = unavailable("lock head", cerr)
	}
	return head, err
}

// queueCommit queues the COMMIT that ends a batch of writes; its callback
// fails unless the transaction committed.
func queueCommit(b *pgx.Batch) {
	b.Queue("COMMIT").Exec(func(tag pgconn.CommandTag) error {
		if !committed(tag) {
			return fmt.Errorf("COMMIT answered %q", tag.String())
		}
		return nil
	})
}

// queueEntries queues the INSERTs of entries, maxInsertBytes of leaves at
// most in each.
func queueEntries(b *pgx.Batch, names *names, entries []tooltrail.Entry, scopes []int64) {
	if scopes == nil {
		scopes = make([]int64, len(entries))
	}
	for len(entries) > 0 {
		n, size := 0, 0
		for n < len(entries) && (n == 0 || size+len(entries[n].Leaf) <= maxInsertBytes) {
			size += len(entries[n].Leaf)
			n++
		}
		queueEntryRows(b, names, entries[:n], scopes[:n])
		entries, scopes = entries[n:], scopes[n:]
	}
}

func queueEntryRows(b *pgx.Batch, names *names, entries []tooltrail.Entry, scopes []int64) {
	var (
		n         = len(entries)
		ids       = make([]int64, n)
		ts        = make([]time.Time, n)
		tools     = make([]int64, n)
		sessions  = make([]pgtype.Int8, n)
		tasks     = make([]pgtype.Int8, n)
		users     = make([]pgtype.Int8, n)
		confirmed = make([]bool, n)
		callIDs   = make([]pgtype.Text, n)
		leaves    = make([][]byte, n)
	)
	for i := range entries {
		e := &entries[i]
		ids[i], ts[i], confirmed[i], leaves[i] = e.ID, e.Timestamp, e.Confirmed, e.Leaf
		tools[i], _ = names.id(dict.KindTool, e.ToolName)
		sessions[i].Int64, sessions[i].Valid = names.id(dict.KindSession, e.SessionID)
		tasks[i].Int64, tasks[i].Valid = names.id(dict.KindTask, e.TaskID)
		users[i].Int64, users[i].Valid = names.id(dict.KindUser, e.UserID)
		callIDs[i] = pgtype.Text{String: e.CallID, Valid: e.CallID != ""}
	}
	b.Queue(sqlInsertEntries, ids, ts, tools, sessions, tasks, users, confirmed, callIDs, scopes, leaves)
}

func queueHashes(b *pgx.Batch, hashes []tooltrail.StoredHash) {
	idx := make([]int64, len(hashes))
	hs := make([][]byte, len(hashes))
	for i := range hashes {
		idx[i], hs[i] = hashes[i].Index, hashes[i].Hash[:]
	}
	b.Queue(sqlInsertHashes, idx, hs)
}

// countKey is one row of the counts table.
type countKey struct {
	tool, user int64
	confirmed  bool
}

// queueCounts queues the upsert that adds the entries to the counts table,
// one row per key (an upsert may not touch a row twice).
func queueCounts(b *pgx.Batch, names *names, entries []tooltrail.Entry) {
	counts := make(map[countKey]int64)
	for i := range entries {
		e := &entries[i]
		k := countKey{confirmed: e.Confirmed}
		k.tool, _ = names.id(dict.KindTool, e.ToolName)
		k.user, _ = names.id(dict.KindUser, e.UserID) // 0 for none
		counts[k]++
	}
	var (
		tools, users, ns []int64
		confirmed        []bool
	)
	for k, n := range counts {
		tools, users, confirmed, ns = append(tools, k.tool), append(users, k.user), append(confirmed, k.confirmed), append(ns, n)
	}
	b.Queue(sqlAddCounts, tools, users, confirmed, ns)
}

// appendTx is the view of the append transaction that seal reads.
type appendTx struct {
	tx   *writeTx
	head tooltrail.Head
	frontier.Reader
}

func (a *appendTx) Head() tooltrail.Head { return a.head }

// readHashes reads the stored hashes at indexes into dst.
func readHashes(ctx context.Context, q querier, indexes []int64, dst map[int64]tlog.Hash) error {
	rows, err := q.Query(ctx, sqlReadHashes, indexes)
	if err != nil {
		return unavailable("read hashes", err)
	}
	var (
		idx int64
		h   []byte
	)
	_, err = pgx.ForEachRow(rows, []any{&idx, &h}, func() error {
		if len(h) != tlog.HashSize {
			return fmt.Errorf("postgres: %w: tree hash %d has %d bytes", tooltrail.ErrCorrupt, idx, len(h))
		}
		dst[idx] = tlog.Hash(h)
		return nil
	})
	if errors.Is(err, tooltrail.ErrCorrupt) {
		return err
	}
	if err != nil {
		return unavailable("read hashes", err)
	}
	return nil
}

// LeavesByCallID returns the leaves of the live entries holding keys.
// Errors wrap tooltrail.ErrUnavailable.
func (a *appendTx) LeavesByCallID(ctx context.Context, keys []tooltrail.CallKey) (map[tooltrail.CallKey][]byte, error) {
	callIDs := make([]string, len(keys))
	want := make(map[tooltrail.CallKey]bool, len(keys))
	for i, k := range keys {
		callIDs[i] = k.CallID
		want[k] = true
	}
	rows, err := a.tx.Query(ctx, sqlLeavesByCallID, callIDs)
	if err != nil {
		return nil, unavailable("look up call ids", err)
	}
	out := make(map[tooltrail.CallKey][]byte)
	var (
		key  tooltrail.CallKey
		leaf []byte
	)
	_, err = pgx.ForEachRow(rows, []any{&key.CallID, &key.Scope, &leaf}, func() error {
		if want[key] { // not the same call id in another scope
			out[key] = leaf // pgx scans a fresh slice per row
		}
		return nil
	})
	if err != nil {
		return nil, unavailable("look up call ids", err)
	}
	return out, nil
}
