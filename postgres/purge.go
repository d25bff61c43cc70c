package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/tooltrail/tooltrail"
)

// purgeChunk is how many entries one purge transaction deletes, so that
// appends wait at most one chunk.
const purgeChunk = 1000

// The statements of a purge chunk. The chunk holds the head row's lock, so
// that it takes its turn with appends (which change the same counters),
// and says with tooltrail.purge that its DELETE is a purge, which the
// entries table's trigger lets through. sqlPurgeChunk deletes the oldest
// entries up to the cutoff, takes them off their counters, and returns how
// many it deleted and how many the counters lost.
const (
	sqlPurgeOn    = "SET LOCAL tooltrail.purge = 'on'"
	sqlLockHead   = "SELECT 1 FROM head WHERE one FOR UPDATE"
	sqlPurgeChunk = `WITH gone AS (
	DELETE FROM entries WHERE id IN (SELECT id FROM entries WHERE id <= $1 ORDER BY id LIMIT $2)
	RETURNING tool, coalesce("user", 0) AS "user", confirmed
), removed AS (
	SELECT tool, "user", confirmed, count(*) AS n FROM gone GROUP BY tool, "user", confirmed
), counted AS (
	UPDATE counts c SET n = c.n - r.n FROM removed r
	WHERE c.tool = r.tool AND c."user" = r."user" AND c.confirmed = r.confirmed
	RETURNING r.n
)
SELECT (SELECT count(*) FROM gone), (SELECT coalesce(sum(n), 0)::bigint FROM counted)`
	sqlPurgeCutoff = "SELECT id FROM entries WHERE ts < $1 ORDER BY ts DESC, id DESC LIMIT 1"
)

// Purge deletes the entries recorded before the given time (all entries
// when it is zero), purgeChunk at a time, oldest first, and keeps their tree
// hashes. It returns how many it deleted, also when it fails part way.
// Errors: tooltrail.ErrCorrupt when the counters do not hold the entries a
// chunk deletes (that chunk is rolled back); tooltrail.ErrUnavailable.
func (s *Store) Purge(ctx context.Context, before time.Time) (int64, error) {
	cutoff, err := s.purgeCutoff(ctx, before)
	if err != nil || cutoff == 0 {
		return 0, err
	}
	var total int64
	for {
		n, err := s.purgeChunk(ctx, cutoff)
		total += n
		if err != nil || n < purgeChunk {
			return total, err
		}
	}
}

// purgeCutoff returns the id of the newest entry to delete: the last entry
// before the time, or the head when the time is zero.
func (s *Store) purgeCutoff(ctx context.Context, before time.Time) (int64, error) {
	if before.IsZero() {
		h, err := s.Head(ctx)
		return h.Size, err
	}
	var id int64
	err := s.pool.QueryRow(ctx, sqlPurgeCutoff, before).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, unavailable("purge cutoff", err)
	}
	return id, nil
}

// purgeChunk deletes up to purgeChunk of the oldest entries with ids up to
// cutoff in one transaction and takes them off the counts: BEGIN, the
// lock and the DELETE in one round trip, COMMIT in another.
func (s *Store) purgeChunk(ctx context.Context, cutoff int64) (int64, error) {
	tx, err := s.acquire(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.release(ctx)
	var deleted, counted int64
	b := &pgx.Batch{}
	b.Queue("BEGIN")
	b.Queue(sqlPurgeOn)
	b.Queue(sqlLockHead)
	b.Queue(sqlPurgeChunk, cutoff, purgeChunk).QueryRow(func(row pgx.Row) error { return row.Scan(&deleted, &counted) })
	if err := tx.send(ctx, b).Close(); err != nil {
		return 0, unavailable("purge", err)
	}
	if deleted != counted {
		return 0, fmt.Errorf("postgres: %w: purge of %d entries found only %d of them in the counts table", tooltrail.ErrCorrupt, deleted, counted)
	}
	tag, err := tx.conn.Exec(ctx, "COMMIT")
	if err == nil && !committed(tag) {
		err = fmt.Errorf("COMMIT answered %q", tag.String())
	}
	if err != nil {
		return 0, unavailable("commit purge", err)
	}
	return deleted, nil
}
