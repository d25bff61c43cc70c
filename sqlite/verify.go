package sqlite

import (
	"context"
	"database/sql"
	"fmt"
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
WHERE e.id > ? ORDER BY e.id LIMIT ?`

// ReadHashes returns the stored tree hashes at indexes, in order. Errors:
// tooltrail.ErrCorrupt for a missing or malformed hash;
// tooltrail.ErrUnavailable.
func (s *Store) ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	return readHashes(ctx, s.r, indexes)
}

// Rows returns at most limit entries with an id above afterID, in id
// order, with their columns as stored and their leaf bytes: those in
// entries, then those in recent, which are all newer, read in one
// snapshot. Errors wrap tooltrail.ErrUnavailable.
func (s *Store) Rows(ctx context.Context, afterID int64, limit int) ([]tooltrail.Entry, error) {
	var out []tooltrail.Entry
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		for _, table := range []string{"entries", "recent"} {
			if len(out) == limit {
				return nil
			}
			after := afterID
			if len(out) > 0 {
				after = out[len(out)-1].ID
			}
			var err error
			if out, err = readRows(ctx, tx, table, after, limit-len(out), out); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// readRows appends to out at most limit rows of table with an id above
// afterID.
func readRows(ctx context.Context, tx *sql.Tx, table string, afterID int64, limit int, out []tooltrail.Entry) ([]tooltrail.Entry, error) {
	rows, err := tx.QueryContext(ctx, fmt.Sprintf(sqlRows, table), afterID, limit)
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
