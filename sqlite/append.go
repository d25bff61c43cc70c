package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"strings"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/internal/dict"
	"github.com/tooltrail/tooltrail/internal/frontier"
	"golang.org/x/mod/sumdb/tlog"
)

// rowsPerInsert is the most rows one INSERT statement carries. A batch
// goes in statements of 32 rows and, for the rest, of powers of two rows
// (16, 8, ... 1), so that a batch of n rows takes at most n/32+5
// statements and only six texts per table are prepared: each statement
// costs about as much as the rows it carries.
const rowsPerInsert = 32

// chunkSizes are the row counts of the prepared INSERT statements.
var chunkSizes = []int{rowsPerInsert, 16, 8, 4, 2, 1}

// The statements of the append path (see writeQueries).
const (
	sqlUpdateHead     = "UPDATE head SET size = ?, root = ?, last_ts = ? WHERE one = 1"
	sqlReadHashes     = "SELECT idx, hash FROM hashes WHERE idx IN (SELECT value FROM json_each(?))"
	sqlLeavesByCallID = `SELECT t, id, call_id, call_scope, leaf, id <= (SELECT through FROM purged WHERE one = 1) FROM (
SELECT 'entries' AS t, id, call_id, call_scope, leaf FROM entries WHERE call_id IN (SELECT value FROM json_each(?1))
UNION ALL SELECT 'recent', id, call_id, call_scope, leaf FROM recent WHERE call_id IN (SELECT value FROM json_each(?1)))`
	sqlInsertEntries = "INSERT INTO recent (id, ts, tool, session, task, user, confirmed, call_id, call_scope, leaf) VALUES "
	sqlInsertHashes  = "INSERT INTO hashes (idx, hash) VALUES "
	entryCols        = 10
	hashCols         = 2
)

// Append runs seal in an immediate transaction on the write connection and
// writes the batch it returns: entries (into recent, for the indexer), tree
// hashes and head. It returns once the commit is durable (WAL,
// synchronous=FULL). Errors: seal's
// error as is; database errors wrap tooltrail.ErrUnavailable.
func (s *Store) Append(ctx context.Context, seal tooltrail.SealFunc) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	sqlTx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return unavailable("begin append", err)
	}
	defer sqlTx.Rollback()
	tx := writeTx{tx: sqlTx, stmts: s.stmts}
	if err := s.checkSchema(ctx, tx); err != nil {
		return err
	}
	head, err := readHead(ctx, tx)
	if err != nil {
		return err
	}
	atx := &appendTx{tx: tx, head: head, Reader: frontier.Reader{Size: head.Size, Known: maps.Clone(s.frontier.Get(head)),
		Read: func(ctx context.Context, indexes []int64, dst map[int64]tlog.Hash) error {
			return readHashesInto(ctx, tx, indexes, dst)
		}}}
	batch, err := seal(ctx, atx)
	if err != nil {
		return err
	}
	if len(batch.Entries) == 0 {
		return nil
	}
	if batch.Head.Size != head.Size+int64(len(batch.Entries)) {
		return fmt.Errorf("sqlite: batch of %d entries would move the head from %d to %d", len(batch.Entries), head.Size, batch.Head.Size)
	}
	// A call id is free again once its entry is purged, but the unique
	// index still holds it while the row waits for the eraser.
	var erasedRecent int64
	for _, row := range atx.purgedRows {
		if _, err := tx.tx.ExecContext(ctx, "DELETE FROM "+row.table+" WHERE id = ?", row.id); err != nil {
			return unavailable("erase a purged call id", err)
		}
		if row.table == "recent" {
			erasedRecent++
		}
	}
	names := &nameResolver{tx: tx, cache: s.names, seen: make(map[dict.Key]int64)}
	if err := insertEntries(ctx, tx, names, batch.Entries, batch.CallScopes); err != nil {
		return err
	}
	if err := insertHashes(ctx, tx, batch.Hashes); err != nil {
		return err
	}
	if _, err := tx.exec(ctx, sqlUpdateHead,
		batch.Head.Size, batch.Head.Root[:], batch.Head.LastTime.UnixMicro()); err != nil {
		return unavailable("update head", err)
	}
	if batch.PurgeThrough > 0 {
		if _, err := tx.exec(ctx, sqlMovePurgeIntent, batch.PurgeThrough, batch.PurgeThrough); err != nil {
			return unavailable("record purge bound", err)
		}
	}
	if err := sqlTx.Commit(); err != nil {
		return unavailable("commit", err)
	}
	s.commits.Add(1)
	s.appends.Add(1)
	s.names.Add(names.seen)
	s.frontier.Set(batch.Head, batch.Hashes, atx.Known)
	s.waiting.Add(int64(len(batch.Entries)) - erasedRecent)
	if len(atx.purgedRows) > 0 && s.erasing.Add(-int64(len(atx.purgedRows))) < 0 {
		s.erasing.Store(0)
	}
	s.ix.nudge()
	return nil
}

// valuesList returns "(?,?,?),(?,?,?)..." for rows rows of cols columns.
func valuesList(rows, cols int) string {
	one := "(" + strings.Repeat("?,", cols-1) + "?)"
	return strings.Repeat(one+",", rows-1) + one
}

// insertSQL returns the INSERT statement of rows rows: prefix and the
// values.
func insertSQL(prefix string, rows, cols int) string {
	return prefix + valuesList(rows, cols)
}

// insertChunked runs an INSERT of n rows in statements of chunkSizes rows,
// with args(i) giving the values of row i.
func insertChunked(ctx context.Context, tx writeTx, prefix string, cols, n int, args func(i int, dst []any) ([]any, error)) error {
	vals := make([]any, 0, rowsPerInsert*cols)
	for start := 0; start < n; {
		rows := 1
		for _, size := range chunkSizes {
			if n-start >= size {
				rows = size
				break
			}
		}
		vals = vals[:0]
		for i := start; i < start+rows; i++ {
			var err error
			if vals, err = args(i, vals); err != nil {
				return err
			}
		}
		if _, err := tx.exec(ctx, insertSQL(prefix, rows, cols), vals...); err != nil {
			return unavailable("insert", err)
		}
		start += rows
	}
	return nil
}

func insertEntries(ctx context.Context, tx writeTx, names *nameResolver, entries []tooltrail.Entry, scopes []int64) error {
	return insertChunked(ctx, tx, sqlInsertEntries, entryCols, len(entries), func(i int, dst []any) ([]any, error) {
		e := &entries[i]
		tool, err := names.id(ctx, dict.KindTool, e.ToolName)
		if err != nil {
			return nil, err
		}
		session, err := names.id(ctx, dict.KindSession, e.SessionID)
		if err != nil {
			return nil, err
		}
		task, err := names.id(ctx, dict.KindTask, e.TaskID)
		if err != nil {
			return nil, err
		}
		user, err := names.id(ctx, dict.KindUser, e.UserID)
		if err != nil {
			return nil, err
		}
		var callID any
		if e.CallID != "" {
			callID = e.CallID
		}
		var scope int64
		if scopes != nil {
			scope = scopes[i]
		}
		return append(dst, e.ID, e.Timestamp.UnixMicro(), tool, session, task, user, e.Confirmed, callID, scope, e.Leaf), nil
	})
}

func insertHashes(ctx context.Context, tx writeTx, hashes []tooltrail.StoredHash) error {
	return insertChunked(ctx, tx, sqlInsertHashes, hashCols, len(hashes),
		func(i int, dst []any) ([]any, error) {
			return append(dst, hashes[i].Index, hashes[i].Hash[:]), nil
		})
}

// appendTx is the view of the append transaction that seal reads: tree
// hashes come from the frontier this store cached at its last append when
// the head is still that one.
type appendTx struct {
	tx   writeTx
	head tooltrail.Head
	frontier.Reader
	// purgedRows are rows of purged entries that hold call ids of the
	// batch: the append deletes them before it inserts.
	purgedRows []tableRow
}

// tableRow is one row of entries or recent.
type tableRow struct {
	table string
	id    int64
}

func (a *appendTx) Head() tooltrail.Head { return a.head }

// readHashes returns the stored hashes at indexes, in order. A missing one
// is tooltrail.ErrCorrupt.
func readHashes(ctx context.Context, q queryer, indexes []int64) ([]tlog.Hash, error) {
	found := make(map[int64]tlog.Hash, len(indexes))
	if err := readHashesInto(ctx, q, indexes, found); err != nil {
		return nil, err
	}
	out := make([]tlog.Hash, len(indexes))
	for i, idx := range indexes {
		h, ok := found[idx]
		if !ok {
			return nil, fmt.Errorf("%w: tree hash %d is missing", tooltrail.ErrCorrupt, idx)
		}
		out[i] = h
	}
	return out, nil
}

// readHashesInto reads the stored hashes at indexes into dst.
func readHashesInto(ctx context.Context, q queryer, indexes []int64, dst map[int64]tlog.Hash) error {
	if len(indexes) == 0 {
		return nil
	}
	list, _ := json.Marshal(indexes) // a slice of int64 always encodes
	rows, err := q.QueryContext(ctx, sqlReadHashes, string(list))
	if err != nil {
		return unavailable("read hashes", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			idx int64
			h   []byte
		)
		if err := rows.Scan(&idx, &h); err != nil {
			return unavailable("read hashes", err)
		}
		if len(h) != tlog.HashSize {
			return fmt.Errorf("%w: tree hash %d has %d bytes", tooltrail.ErrCorrupt, idx, len(h))
		}
		dst[idx] = tlog.Hash(h)
	}
	if err := rows.Err(); err != nil {
		return unavailable("read hashes", err)
	}
	return nil
}

// LeavesByCallID returns the leaves of the live entries holding keys,
// and keeps the rows of purged ones that do for the append to delete.
func (a *appendTx) LeavesByCallID(ctx context.Context, keys []tooltrail.CallKey) (map[tooltrail.CallKey][]byte, error) {
	callIDs := make([]string, len(keys))
	want := make(map[tooltrail.CallKey]bool, len(keys))
	for i, k := range keys {
		callIDs[i] = k.CallID
		want[k] = true
	}
	list, err := json.Marshal(callIDs)
	if err != nil {
		return nil, fmt.Errorf("sqlite: call ids: %w", err)
	}
	rows, err := a.tx.QueryContext(ctx, sqlLeavesByCallID, string(list))
	if err != nil {
		return nil, unavailable("look up call ids", err)
	}
	defer rows.Close()
	out := make(map[tooltrail.CallKey][]byte)
	for rows.Next() {
		var (
			row    tableRow
			key    tooltrail.CallKey
			leaf   []byte
			purged bool
		)
		if err := rows.Scan(&row.table, &row.id, &key.CallID, &key.Scope, &leaf, &purged); err != nil {
			return nil, unavailable("look up call ids", err)
		}
		if !want[key] {
			continue // the same call id in another scope
		}
		if purged {
			a.purgedRows = append(a.purgedRows, row)
			continue
		}
		out[key] = leaf
	}
	if err := rows.Err(); err != nil {
		return nil, unavailable("look up call ids", err)
	}
	return out, nil
}
