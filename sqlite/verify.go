package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"time"

	"github.com/tooltrail/tooltrail"
	"golang.org/x/mod/sumdb/tlog"
)

// sqlRows reads entries of one table (%s) with their columns resolved to
// the names they stand for, in id order.
const sqlRows = `SELECT e.id, e.ts, t.value, s.value, k.value, u.value, e.confirmed, e.call_id, e.leaf
FROM %s e
LEFT JOIN names t ON t.id = e.tool
LEFT JOIN names s ON s.id = e.session
LEFT JOIN names k ON k.id = e.task
LEFT JOIN names u ON u.id = e.user
WHERE e.id > ? AND e.id <= ? ORDER BY e.id LIMIT ?`

// ReadHashes returns the stored tree hashes at indexes, in order. Errors:
// tooltrail.ErrCorrupt for a missing or malformed hash;
// tooltrail.ErrUnavailable.
func (s *Store) ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	return readHashes(ctx, s.r, indexes)
}

// Rows returns at most limit entries with an id above afterID, in id
// order, with their columns as stored and their leaf bytes, from entries
// and recent, read in one snapshot; never a purged one, whose row may
// still wait for the eraser, nor one a recorded purge covers. Normally every id in recent is above
// every id in entries; a row of recent that is not (one written behind the
// store's back) comes out beside the entry of its id, for Verify to
// report. Errors wrap tooltrail.ErrUnavailable.
func (s *Store) Rows(ctx context.Context, afterID int64, limit int) ([]tooltrail.Entry, error) {
	var out []tooltrail.Entry
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		// Not only the purged entries: also those a recorded purge has
		// yet to take (a crash came between its entry and the purge).
		var through int64
		if err := tx.QueryRowContext(ctx, sqlPurgeBound).Scan(&through); err != nil {
			return unavailable("read purged", err)
		}
		afterID = max(afterID, through)
		indexed, err := readRows(ctx, tx, "entries", afterID, math.MaxInt64, limit, nil)
		if err != nil {
			return err
		}
		// Rows of recent up to the last indexed one returned, or, past
		// the indexed ones, as many as the page has room for.
		upTo := int64(math.MaxInt64)
		if len(indexed) == limit {
			upTo = indexed[len(indexed)-1].ID
		}
		waiting, err := readRows(ctx, tx, "recent", afterID, upTo, limit, nil)
		if err != nil {
			return err
		}
		out = mergeRows(indexed, waiting, limit)
		return nil
	})
	return out, err
}

// mergeRows merges two lists in id order, a's first where both hold an
// id, into at most limit rows; it does not cut between two rows of one id,
// so that the next page starts with both.
func mergeRows(a, b []tooltrail.Entry, limit int) []tooltrail.Entry {
	if len(b) == 0 || len(a) == 0 || a[len(a)-1].ID < b[0].ID {
		all := append(a, b...)
		return all[:min(limit, len(all))]
	}
	all := make([]tooltrail.Entry, 0, len(a)+len(b))
	for len(a) > 0 || len(b) > 0 {
		if len(b) == 0 || (len(a) > 0 && a[0].ID <= b[0].ID) {
			all, a = append(all, a[0]), a[1:]
		} else {
			all, b = append(all, b[0]), b[1:]
		}
	}
	n := min(limit, len(all))
	for n < len(all) && n > 1 && all[n].ID == all[n-1].ID {
		n--
	}
	return all[:n]
}

// readRows appends to out at most limit rows of table with an id above
// afterID and at most upTo.
func readRows(ctx context.Context, tx *sql.Tx, table string, afterID, upTo int64, limit int, out []tooltrail.Entry) ([]tooltrail.Entry, error) {
	rows, err := tx.QueryContext(ctx, fmt.Sprintf(sqlRows, table), afterID, upTo, limit)
	if err != nil {
		return nil, unavailable("read rows", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			e                          tooltrail.Entry
			ts                         int64
			tool, sess, task, user, id sql.NullString
		)
		if err := rows.Scan(&e.ID, &ts, &tool, &sess, &task, &user, &e.Confirmed, &id, &e.Leaf); err != nil {
			return nil, unavailable("read rows", err)
		}
		e.Timestamp = time.UnixMicro(ts).UTC()
		e.ToolName, e.SessionID, e.TaskID, e.UserID, e.CallID = tool.String, sess.String, task.String, user.String, id.String
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, unavailable("read rows", err)
	}
	return out, nil
}

// SaveCheckpoint keeps note as the latest signed checkpoint, of a tree of
// size entries, unless the store holds one of a larger tree. Errors wrap
// tooltrail.ErrUnavailable.
func (s *Store) SaveCheckpoint(ctx context.Context, size int64, note []byte) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO checkpoint (one, size, note) VALUES (1, ?, ?)
ON CONFLICT (one) DO UPDATE SET size = excluded.size, note = excluded.note WHERE excluded.size >= checkpoint.size`, size, note)
	if err != nil {
		return unavailable("save checkpoint", err)
	}
	return nil
}

// Checkpoint returns the latest signed checkpoint saved, or nil when there
// is none. Errors wrap tooltrail.ErrUnavailable.
func (s *Store) Checkpoint(ctx context.Context) ([]byte, error) {
	var note []byte
	err := s.r.QueryRowContext(ctx, "SELECT note FROM checkpoint WHERE one = 1").Scan(&note)
	if err == sql.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, unavailable("read checkpoint", err)
	}
	return note, nil
}
