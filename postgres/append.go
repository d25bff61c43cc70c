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
	sqlInsertEntries = `INSERT INTO entries (id, ts, tool, session, task, "user", confirmed, call_id, leaf)
SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::boolean[], $8::text[], $9::bytea[])`
	sqlInsertHashes = "INSERT INTO hashes (idx, hash) SELECT * FROM unnest($1::bigint[], $2::bytea[])"
	sqlAddCounts    = `INSERT INTO counts (tool, "user", confirmed, n)
SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::boolean[], $4::bigint[])
ON CONFLICT (tool, "user", confirmed) DO UPDATE SET n = counts.n + excluded.n`
	sqlUpdateHead     = "UPDATE head SET size = $1, root = $2, last_ts = $3 WHERE one AND size = $4"
	sqlReadHashes     = "SELECT idx, hash FROM hashes WHERE idx = ANY($1)"
	sqlLeavesByCallID = "SELECT call_id, leaf FROM entries WHERE call_id = ANY($1) AND call_id IS NOT NULL"
)

// maxInsertBytes bounds the leaf bytes of one INSERT of entries: a
// statement's parameters must stay well under PostgreSQL's 1 GB message
// limit however large the batch.
const maxInsertBytes = 16 << 20

// Append locks the head row, runs seal, and writes the batch it returns:
// entries, tree hashes, tool counts and the new head, then commits. BEGIN
// and the lock take one round trip, the writes and COMMIT another, and
// names not seen before a third; seal reads no tree hash from the database
// when this store made the head it finds. It returns once the commit is
// durable. Errors: seal's error as is; a batch that does not extend the
// head; database errors wrapping tooltrail.ErrUnavailable (nothing was
// written, unless the connection failed during COMMIT, when the batch may
// or may not be durable).
func (s *Store) Append(ctx context.Context, seal tooltrail.SealFunc) error {
	tx, err := s.acquire(ctx)
	if err != nil {
		return err
	}
	defer tx.release(ctx)
	head, err := beginLocked(ctx, tx)
	if err != nil {
		return err
	}
	atx := &appendTx{tx: tx, head: head, Reader: frontier.Reader{Size: head.Size, Known: maps.Clone(s.frontier.Get(head)),
		Read: func(ctx context.Context, indexes []int64, dst map[int64]tlog.Hash) error {
			return readHashes(ctx, tx, indexes, dst)
		}}}
	batch, err := seal(ctx, atx)
	if err != nil {
		return err
	}
	if batch == nil || len(batch.Entries) == 0 {
		return nil // release rolls back
	}
	if batch.Head.Size != head.Size+int64(len(batch.Entries)) {
		return fmt.Errorf("postgres: batch of %d entries would move the head from %d to %d", len(batch.Entries), head.Size, batch.Head.Size)
	}
	names, err := s.resolveNames(ctx, tx, batch.Entries)
	if err != nil {
		return err
	}
	b := &pgx.Batch{}
	queueEntries(b, names, batch.Entries)
	queueHashes(b, batch.Hashes)
	queueCounts(b, names, batch.Entries)
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
	s.names.Add(names.resolved)
	s.frontier.Set(batch.Head, batch.Hashes, atx.Known)
	return nil
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
func queueEntries(b *pgx.Batch, names *names, entries []tooltrail.Entry) {
	for len(entries) > 0 {
		n, size := 0, 0
		for n < len(entries) && (n == 0 || size+len(entries[n].Leaf) <= maxInsertBytes) {
			size += len(entries[n].Leaf)
			n++
		}
		queueEntryRows(b, names, entries[:n])
		entries = entries[n:]
	}
}

func queueEntryRows(b *pgx.Batch, names *names, entries []tooltrail.Entry) {
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
	b.Queue(sqlInsertEntries, ids, ts, tools, sessions, tasks, users, confirmed, callIDs, leaves)
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

// LeavesByCallID returns the leaves of the live entries holding callIDs.
// Errors wrap tooltrail.ErrUnavailable.
func (a *appendTx) LeavesByCallID(ctx context.Context, callIDs []string) (map[string][]byte, error) {
	rows, err := a.tx.Query(ctx, sqlLeavesByCallID, callIDs)
	if err != nil {
		return nil, unavailable("look up call ids", err)
	}
	out := make(map[string][]byte)
	var (
		id   string
		leaf []byte
	)
	_, err = pgx.ForEachRow(rows, []any{&id, &leaf}, func() error {
		out[id] = leaf // pgx scans a fresh slice per row
		return nil
	})
	if err != nil {
		return nil, unavailable("look up call ids", err)
	}
	return out, nil
}
