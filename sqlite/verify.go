package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/tooltrail/tooltrail"
	"golang.org/x/mod/sumdb/tlog"
)

// sqlRows reads entries, indexed or not yet, with their columns resolved
// to the names they stand for, in id order.
const sqlRows = `SELECT e.id, e.ts, t.value, s.value, k.value, u.value, e.confirmed, e.call_id, e.leaf
FROM (SELECT * FROM (SELECT * FROM entries WHERE id > ?1 ORDER BY id LIMIT ?2)
	UNION ALL SELECT * FROM (SELECT * FROM recent WHERE id > ?1 ORDER BY id LIMIT ?2)) e
LEFT JOIN names t ON t.id = e.tool
LEFT JOIN names s ON s.id = e.session
LEFT JOIN names k ON k.id = e.task
LEFT JOIN names u ON u.id = e.user
ORDER BY e.id LIMIT ?2`

// ReadHashes returns the stored tree hashes at indexes, in order. Errors:
// tooltrail.ErrCorrupt for a missing or malformed hash;
// tooltrail.ErrUnavailable.
func (s *Store) ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	return readHashes(ctx, s.r, indexes)
}

// Rows returns at most limit entries with an id above afterID, in id
// order, with their columns as stored and their leaf bytes. Errors wrap
// tooltrail.ErrUnavailable.
func (s *Store) Rows(ctx context.Context, afterID int64, limit int) ([]tooltrail.Entry, error) {
	rows, err := s.r.QueryContext(ctx, sqlRows, afterID, limit)
	if err != nil {
		return nil, unavailable("read rows", err)
	}
	defer rows.Close()
	var out []tooltrail.Entry
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
