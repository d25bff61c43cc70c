package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/tooltrail/tooltrail"
)

// purgeChunk is how many entries one purge transaction deletes, so that
// appends wait at most one chunk.
const purgeChunk = 1000

// The statements of a purge. A chunk holds the head row's lock, so that it
// takes its turn with appends (which change the same counters), and says
// with tooltrail.purge that its DELETE is a purge, which the entries
// table's trigger lets through. sqlPurgeChunk deletes the oldest entries
// up to the bound, takes them off their counters, and returns how many it
// deleted and how many the counters lost: only rows it deleted itself, so
// two servers finishing one purge at once never take an entry off twice.
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
	sqlLastBefore    = "SELECT coalesce((SELECT id FROM entries WHERE ts < $1 ORDER BY ts DESC, id DESC LIMIT 1), 0)"
	sqlPurgedThrough = "SELECT through FROM purge_intent WHERE one"
	// sqlPurgeFloor is where a purge starts: above the recorded bound, and
	// above the oldest live entry, should rows have gone outside the log.
	sqlPurgeFloor = `SELECT greatest((SELECT through FROM purge_intent WHERE one),
	coalesce((SELECT min(id) FROM entries) - 1, (SELECT size FROM head WHERE one)))`
	sqlMovePurge = "UPDATE purge_intent SET through = $1 WHERE one AND through < $1"
	sqlPurgeLeft = "SELECT EXISTS (SELECT 1 FROM entries WHERE id <= (SELECT through FROM purge_intent WHERE one))"
)

// Purge deletes every entry with an id up to through, purgeChunk at a
// time, oldest first, and keeps their tree hashes. It returns how many it
// deleted, also when it fails part way; what is left it deletes when
// called again, or a Store opened later does. Errors:
// tooltrail.ErrCorrupt when the counters do not hold the entries a chunk
// deletes (that chunk is rolled back); tooltrail.ErrUnavailable.
func (s *Store) Purge(ctx context.Context, through int64) (int64, error) {
	var total int64
	for {
		n, err := s.purgeChunk(ctx, through)
		total += n
		if err != nil || n < purgeChunk {
			return total, err
		}
	}
}

// finishPurge deletes what a purge recorded before a crash (or a failure)
// left, if anything. Errors as Purge.
func (s *Store) finishPurge(ctx context.Context) (int64, error) {
	var (
		left    bool
		through int64
	)
	if err := s.pool.QueryRow(ctx, sqlPurgeLeft).Scan(&left); err != nil {
		return 0, unavailable("look for an unfinished purge", err)
	}
	if !left {
		return 0, nil
	}
	if err := s.pool.QueryRow(ctx, sqlPurgedThrough).Scan(&through); err != nil {
		return 0, unavailable("read purge bound", err)
	}
	return s.Purge(ctx, through)
}

// runFinishPurge is the goroutine that Open starts to finish a purge a
// crash cut off, retrying while the database is away, until ctx ends.
func (s *Store) runFinishPurge(ctx context.Context) {
	for wait := time.Second; ; wait = min(2*wait, time.Minute) {
		n, err := s.finishPurge(ctx)
		if n > 0 {
			s.logger.Info("postgres: finished a purge that was cut off", "deleted", n)
		}
		if err == nil || ctx.Err() != nil {
			return
		}
		s.logger.Warn("postgres: finishing a purge that was cut off failed; retrying", "err", err, "in", wait)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// purgeChunk deletes up to purgeChunk of the oldest entries with ids up to
// through in one transaction and takes them off the counts: BEGIN, the
// lock and the DELETE in one round trip, COMMIT in another.
func (s *Store) purgeChunk(ctx context.Context, through int64) (int64, error) {
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
	b.Queue(sqlPurgeChunk, through, purgeChunk).QueryRow(func(row pgx.Row) error { return row.Scan(&deleted, &counted) })
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

// PurgedThrough returns the id up to which every entry is purged or bound
// to be, or gone. Errors wrap tooltrail.ErrUnavailable.
func (a *appendTx) PurgedThrough(ctx context.Context) (int64, error) {
	var through int64
	if err := a.tx.QueryRow(ctx, sqlPurgeFloor).Scan(&through); err != nil {
		return 0, unavailable("read purge bound", err)
	}
	return through, nil
}

// LastBefore returns the id of the newest entry recorded before t, or 0.
// Errors wrap tooltrail.ErrUnavailable.
func (a *appendTx) LastBefore(ctx context.Context, t time.Time) (int64, error) {
	var id int64
	if err := a.tx.QueryRow(ctx, sqlLastBefore, t).Scan(&id); err != nil {
		return 0, unavailable("purge cutoff", err)
	}
	return id, nil
}
