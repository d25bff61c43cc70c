package sqlite

import (
	"context"
	"time"
)

// countKey is one row of the counts table.
type countKey struct {
	tool, user int64
	confirmed  bool
}

// A purge deletes in transactions (chunks) sized to hold the write lock
// for about purgeChunkTime each, so that appends wait at most about that
// long, and lets go of it between them. What an entry costs to delete
// varies a hundredfold: 70-140 µs at 10M entries of the realistic
// workload, where each of its eight index entries sits on a page of its
// own, and a few µs in a small log; a fixed size either stalled appends
// at scale (chunks of 5,000 took 0.3 s each at 10M, and the writers' p99
// was 2.3 s) or made a purge of a small log commit far more often than it
// needed to. Each chunk is sized from the last one's rate, at most twice
// as large.
const (
	purgeChunkTime  = 20 * time.Millisecond
	purgeChunkFirst = 128 // doubling reaches any size within a few chunks
	purgeChunkMin   = 50
	purgeChunkMax   = 20_000
)

// Purge deletes the entries recorded before the given time (all entries
// when it is zero), oldest first, in chunks (see purgeChunkTime), and keeps
// their tree hashes. It returns how many it deleted, also when it fails
// part way. Errors wrap tooltrail.ErrUnavailable.
func (s *Store) Purge(ctx context.Context, before time.Time) (int64, error) {
	cutoff, err := s.purgeCutoff(ctx, before)
	if err != nil || cutoff == 0 {
		return 0, err
	}
	var total int64
	for size := purgeChunkFirst; ; {
		n, took, err := s.purgeChunk(ctx, cutoff, size)
		total += n
		if err != nil || n < int64(size) {
			return total, err
		}
		size = nextChunk(size, took, purgeChunkTime, purgeChunkMin, purgeChunkMax)
	}
}

// nextChunk returns the size of the transaction after one of size rows
// that held the write lock for took: what would take target at that rate,
// at most twice size, within lo and hi.
func nextChunk(size int, took, target time.Duration, lo, hi int) int {
	next := 2 * int64(size)
	if took > 0 {
		next = min(next, int64(size)*int64(target)/int64(took))
	}
	return int(max(int64(lo), min(int64(hi), next)))
}

// purgeCutoff returns the id of the newest entry to delete: the last entry
// before the time, or the head when the time is zero.
func (s *Store) purgeCutoff(ctx context.Context, before time.Time) (int64, error) {
	if before.IsZero() {
		h, err := s.Head(ctx)
		return h.Size, err
	}
	// Entries not yet indexed are newer than every indexed one.
	var id int64
	err := s.r.QueryRowContext(ctx, `SELECT coalesce(
(SELECT id FROM recent WHERE ts < ?1 ORDER BY id DESC LIMIT 1),
(SELECT id FROM entries WHERE ts < ?1 ORDER BY ts DESC, id DESC LIMIT 1), 0)`, before.UnixMicro()).Scan(&id)
	if err != nil {
		return 0, unavailable("purge cutoff", err)
	}
	return id, nil
}

// purgeChunk deletes up to size of the oldest entries with ids up to
// cutoff in one transaction and takes them off the counts; once no indexed
// one is left, it deletes from those the indexer has not moved yet (which
// counts do not hold). It returns how many it deleted and how long it held
// the write lock.
func (s *Store) purgeChunk(ctx context.Context, cutoff int64, size int) (n int64, held time.Duration, err error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	start := time.Now()
	n, err = s.purgeLocked(ctx, cutoff, size)
	return n, time.Since(start), err
}

// purgeLocked is purgeChunk, with the write lock held.
func (s *Store) purgeLocked(ctx context.Context, cutoff int64, size int) (int64, error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, unavailable("begin purge", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, "DELETE FROM entries WHERE id IN (SELECT id FROM entries WHERE id <= ? ORDER BY id LIMIT ?) RETURNING tool, coalesce(user, 0), confirmed", cutoff, size)
	if err != nil {
		return 0, unavailable("purge", err)
	}
	counts := make(map[countKey]int64)
	var n int64
	for rows.Next() {
		var k countKey
		if err := rows.Scan(&k.tool, &k.user, &k.confirmed); err != nil {
			rows.Close()
			return 0, unavailable("purge", err)
		}
		counts[k]++
		n++
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return 0, unavailable("purge", err)
	}
	for k, c := range counts {
		if _, err := tx.ExecContext(ctx, "UPDATE counts SET n = n - ? WHERE tool = ? AND user = ? AND confirmed = ?",
			c, k.tool, k.user, k.confirmed); err != nil {
			return 0, unavailable("purge counts", err)
		}
	}
	var fromRecent int64
	if n < int64(size) {
		res, err := tx.ExecContext(ctx, "DELETE FROM recent WHERE id IN (SELECT id FROM recent WHERE id <= ? ORDER BY id LIMIT ?)", cutoff, int64(size)-n)
		if err != nil {
			return 0, unavailable("purge", err)
		}
		if fromRecent, err = res.RowsAffected(); err != nil {
			return 0, unavailable("purge", err)
		}
		n += fromRecent
	}
	if err := tx.Commit(); err != nil {
		return 0, unavailable("commit purge", err)
	}
	s.commits.Add(1)
	if fromRecent > 0 && s.waiting.Add(-fromRecent) < 0 {
		s.waiting.Store(0)
	}
	return n, nil
}
