package sqlite

import (
	"context"
	"database/sql"
	"time"
)

// The eraser deletes the rows of purged entries (see purge.go) oldest
// first, in transactions sized to hold the write lock about eraseChunkTime
// each, as the indexer's moves are. While appends keep coming it rests
// eraseRest times as long as its last chunk held the lock, so that it
// takes at most a fifth of the lock and of the WAL's growth; with no
// append since its last chunk it goes on at once. Its commits need not be
// durable: a chunk a crash loses leaves purged rows, still unread, for
// the next Open to erase. It runs on the indexer's connection (the two
// take turns under the write lock like everything else). Besides its own
// store's purges, it looks every eraseCheckEvery for rows another process
// purged.
const (
	eraseChunkTime  = 10 * time.Millisecond
	eraseRest       = 4
	eraseChunkFirst = 128
	eraseChunkMin   = 16
	eraseChunkMax   = 20_000
	// eraseCheckEvery is how often the eraser looks for purged rows it
	// was not told of: another process on the same file may have purged
	// and closed before its eraser was done.
	eraseCheckEvery = 5 * time.Second
)

// The statements of one chunk of erasure, up to an id, at most a number
// of rows.
const (
	sqlEraseEntries = "DELETE FROM entries WHERE id IN (SELECT id FROM entries WHERE id <= ? ORDER BY id LIMIT ?)"
	sqlEraseRecent  = "DELETE FROM recent WHERE id IN (SELECT id FROM recent WHERE id <= ? ORDER BY id LIMIT ?)"
)

// eraser is the store's background goroutine that erases purged rows.
type eraser struct {
	wake chan struct{} // buffered: a purge's nudge
	stop chan struct{}
	done chan struct{}
}

func newEraser() *eraser {
	return &eraser{wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
}

// nudge tells the eraser that a purge committed; it never blocks.
func (er *eraser) nudge() {
	select {
	case er.wake <- struct{}{}:
	default:
	}
}

// runEraser is the eraser goroutine. It stops when stop is closed; what
// is left to erase then waits for the next Open.
func (s *Store) runEraser() {
	er := s.er
	defer close(er.done)
	ctx, cancel := untilStopped(er.stop)
	defer cancel()
	// The purged rows stay unread meanwhile.
	streak := failureStreak{logger: s.logger, failures: &s.stats.eraseFailures,
		failed:    "sqlite: erasing the rows of purged entries failed; they stay unread, and the eraser retries",
		recovered: "sqlite: erasing the rows of purged entries works again"}
	check := time.NewTicker(eraseCheckEvery)
	defer check.Stop()
	for {
		select {
		case <-er.stop:
			return
		case <-er.wake:
		case <-check.C:
			n, err := erasingAt(ctx, s.r)
			if streak.note(err) || n == 0 {
				continue
			}
			s.erasing.Store(n)
		}
		for size := eraseChunkFirst; ; {
			appended := s.appends.Load()
			n, held, err := s.eraseChunk(ctx, s.ixw, size)
			if ctx.Err() != nil {
				return
			}
			if streak.note(err) {
				if !sleep(er.stop, time.Second) {
					return
				}
				continue
			}
			if n < int64(size) {
				break
			}
			size = nextChunk(size, held, eraseChunkTime, eraseChunkMin, eraseChunkMax)
			if s.appends.Load() != appended && !sleep(er.stop, eraseRest*held) {
				return
			}
		}
	}
}

// ErasePending erases the rows of every purged entry now, in transactions
// sized as the eraser's (see eraseChunkTime), with the write lock let go
// between them but no rest, each durable at commit. The store does this by
// itself in the background; it is for a caller that must know the purged
// entries' rows are gone from the database's tables, or is about to copy
// the file. (SQLite keeps a deleted row's bytes in the file's free pages
// until they are reused, as for any deletion.) Errors wrap
// tooltrail.ErrUnavailable.
func (s *Store) ErasePending(ctx context.Context) error {
	for size := eraseChunkFirst; ; {
		n, held, err := s.eraseChunk(ctx, s.w, size)
		if err != nil || n < int64(size) {
			return err
		}
		size = nextChunk(size, held, eraseChunkTime, eraseChunkMin, eraseChunkMax)
	}
}

// eraseChunk deletes the oldest size rows of purged entries, from entries
// and then from recent, in one transaction on db (the write connection,
// durable, or the indexer's), and returns how many it deleted and how long
// it held the write lock.
func (s *Store) eraseChunk(ctx context.Context, db *sql.DB, size int) (int64, time.Duration, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	start := time.Now()
	n, fromRecent, err := s.eraseLocked(ctx, db, size)
	held := time.Since(start)
	if err != nil {
		return 0, held, err
	}
	if n < int64(size) {
		s.erasing.Store(0)
	} else if s.erasing.Add(-n) < 0 {
		s.erasing.Store(0)
	}
	if fromRecent > 0 && s.waiting.Add(-fromRecent) < 0 {
		s.waiting.Store(0)
	}
	return n, held, nil
}

// eraseLocked is eraseChunk, with the write lock held; it also returns how
// many of the rows it deleted were in recent.
func (s *Store) eraseLocked(ctx context.Context, db *sql.DB, size int) (n, fromRecent int64, err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return 0, 0, unavailable("begin erase", err)
	}
	defer tx.Rollback()
	if err := s.checkSchema(ctx, tx); err != nil {
		return 0, 0, err
	}
	through, err := readThrough(ctx, tx)
	if err != nil {
		return 0, 0, err
	}
	res, err := tx.ExecContext(ctx, sqlEraseEntries, through, size)
	if err != nil {
		return 0, 0, unavailable("erase", err)
	}
	if n, err = res.RowsAffected(); err != nil {
		return 0, 0, unavailable("erase", err)
	}
	if n < int64(size) {
		if res, err = tx.ExecContext(ctx, sqlEraseRecent, through, int64(size)-n); err != nil {
			return 0, 0, unavailable("erase", err)
		}
		if fromRecent, err = res.RowsAffected(); err != nil {
			return 0, 0, unavailable("erase", err)
		}
		n += fromRecent
	}
	if n == 0 {
		return 0, 0, nil
	}
	if err := tx.Commit(); err != nil {
		return 0, 0, unavailable("commit erase", err)
	}
	s.commits.Add(1)
	return n, fromRecent, nil
}

// erasingAt returns how many rows of purged entries the database holds:
// those up to through, whose ids run unbroken from the oldest row.
func erasingAt(ctx context.Context, q queryer) (int64, error) {
	var n int64
	err := q.QueryRowContext(ctx, `SELECT max(0, p.through - coalesce((SELECT min(id) FROM entries), (SELECT min(id) FROM recent), p.through + 1) + 1)
FROM purged p WHERE p.one = 1`).Scan(&n)
	if err != nil {
		return 0, unavailable("count rows to erase", err)
	}
	return n, nil
}
