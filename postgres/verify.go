package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/tooltrail/tooltrail"
	"golang.org/x/mod/sumdb/tlog"
)

// sqlRows reads entries with their columns resolved to the names they
// stand for, in id order.
const sqlRows = `SELECT e.id, e.ts, t.value, s.value, k.value, u.value, e.confirmed, e.call_id, e.leaf
FROM entries e
LEFT JOIN names t ON t.id = e.tool
LEFT JOIN names s ON s.id = e.session
LEFT JOIN names k ON k.id = e.task
LEFT JOIN names u ON u.id = e."user"
WHERE e.id > greatest($1, (SELECT through FROM purge_intent WHERE one)) ORDER BY e.id LIMIT $2`

// ReadHashes returns the stored tree hashes at indexes, in order. Errors:
// tooltrail.ErrCorrupt for a missing or malformed hash;
// tooltrail.ErrUnavailable.
func (s *Store) ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	found := make(map[int64]tlog.Hash, len(indexes))
	if err := readHashes(ctx, s.pool, indexes, found); err != nil {
		return nil, err
	}
	out := make([]tlog.Hash, len(indexes))
	for i, idx := range indexes {
		h, ok := found[idx]
		if !ok {
			return nil, fmt.Errorf("postgres: %w: tree hash %d is missing", tooltrail.ErrCorrupt, idx)
		}
		out[i] = h
	}
	return out, nil
}

// Rows returns at most limit entries with an id above afterID, in id
// order, with their columns as stored and their leaf bytes; never one a
// recorded purge covers, whose row may wait to be deleted. Errors wrap
// tooltrail.ErrUnavailable.
func (s *Store) Rows(ctx context.Context, afterID int64, limit int) ([]tooltrail.Entry, error) {
	rows, err := s.pool.Query(ctx, sqlRows, afterID, limit)
	if err != nil {
		return nil, unavailable("read rows", err)
	}
	var (
		out                          []tooltrail.Entry
		e                            tooltrail.Entry
		tool, sess, task, user, call pgtype.Text
	)
	_, err = pgx.ForEachRow(rows, []any{&e.ID, &e.Timestamp, &tool, &sess, &task, &user, &e.Confirmed, &call, &e.Leaf}, func() error {
		e.Timestamp = e.Timestamp.UTC()
		e.ToolName, e.SessionID, e.TaskID, e.UserID, e.CallID = tool.String, sess.String, task.String, user.String, call.String
		out = append(out, e)
		return nil
	})
	if err != nil {
		return nil, unavailable("read rows", err)
	}
	return out, nil
}

// SaveCheckpoint keeps note as the latest signed checkpoint, of a tree of
// size entries, unless the database holds one of a larger tree (written by
// this or another server). Errors wrap tooltrail.ErrUnavailable.
func (s *Store) SaveCheckpoint(ctx context.Context, size int64, note []byte) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO checkpoint (one, size, note) VALUES (true, $1, $2)
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
	err := s.pool.QueryRow(ctx, "SELECT note FROM checkpoint WHERE one").Scan(&note)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, unavailable("read checkpoint", err)
	}
	return note, nil
}
