package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/tooltrail/tooltrail"
)

// The indexer moves entries from recent into entries and counts (see
// migration 0005), at most indexMax in one transaction with the write lock
// let go between them, so that an append waits for at most one move. A
// move holds that lock for about 25 µs a row plus a WAL frame per page it
// dirtied, and large moves share index pages among many entries, so the
// sizes trade latency for throughput. The indexer takes both sides by the
// rate: indexQuick after the first entry waits, it moves at once if fewer
// than indexFew wait (a light load: short moves that hardly delay an
// append); otherwise it gathers until indexDelay or indexBatch (a heavy
// load: large moves). Measured before this rule: moves of up to 1,024 rows
// every 100 ms raised the p99 of a steady 1,000 records/s from 9 ms to
// 18 ms; moves of at most 128 rows every 25 ms cut 16 callers' records a
// second from 10,400 to 7,000.
//
// A move's size is also bounded by time: at most indexMax entries, and
// fewer where each costs more (at 10M entries an entry's index entries
// land on pages of their own, as an erased row's do, which cost 70-140 µs
// an entry there to delete; a move of 1,024 at that rate would hold the
// lock for over 70 ms): each move is sized from the last one's rate to
// hold the lock about indexMoveTime, as the eraser's chunks are.
const (
	indexQuick    = 10 * time.Millisecond
	indexFew      = 64
	indexDelay    = 100 * time.Millisecond
	indexBatch    = 4096
	indexMax      = 1024
	indexMin      = 64
	indexMoveTime = 20 * time.Millisecond
)

// The statements of a move of recent entries up to an id. Purged entries
// (a purge took them off counts already) are not moved but dropped: the
// eraser would only delete them again from the indexes.
const (
	sqlIndexUpTo   = "SELECT coalesce(max(id), 0) FROM (SELECT id FROM recent ORDER BY id LIMIT ?)"
	sqlIndexInsert = `INSERT INTO entries (id, ts, tool, session, task, user, confirmed, call_id, call_scope, leaf)
SELECT id, ts, tool, session, task, user, confirmed, call_id, call_scope, leaf FROM recent
WHERE id > (SELECT through FROM purged WHERE one = 1) AND id <= ? ORDER BY id`
	sqlIndexCounts = `INSERT INTO counts (tool, user, confirmed, n)
SELECT tool, coalesce(user, 0), confirmed, count(*) FROM recent WHERE id > (SELECT through FROM purged WHERE one = 1) AND id <= ?
GROUP BY tool, coalesce(user, 0), confirmed
ON CONFLICT (tool, user, confirmed) DO UPDATE SET n = n + excluded.n`
	sqlIndexDelete = "DELETE FROM recent WHERE id <= ?"
)

// indexer is the store's background goroutine that moves recent entries
// into the indexes.
type indexer struct {
	wake chan struct{} // buffered: an append's nudge
	stop chan struct{}
	done chan struct{}
	err  chan error // the last move's error, for Close
	size int        // of the next move; only the indexer goroutine uses it
}

func newIndexer() *indexer {
	return &indexer{wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{}), err: make(chan error, 1), size: indexMax}
}

// nudge tells the indexer that entries were appended; it never blocks.
func (ix *indexer) nudge() {
	select {
	case ix.wake <- struct{}{}:
	default:
	}
}

// runIndexer is the indexer goroutine. It stops, after moving everything still
// waiting, when stop is closed.
func (s *Store) runIndexer() {
	ix := s.ix
	defer close(ix.done)
	// The entries stay in recent, where queries find them; the next
	// append tries again after a pause.
	streak := failureStreak{logger: s.logger, failures: &s.stats.moveFailures,
		failed:    "sqlite: moving recent entries into the indexes failed; they stay readable, and later appends retry",
		recovered: "sqlite: moving recent entries into the indexes works again"}
	for {
		select {
		case <-ix.stop:
			ix.report(s.IndexPending(context.Background()))
			return
		case <-ix.wake:
		}
		quick := time.NewTimer(indexQuick)
		timer := time.NewTimer(indexDelay)
	gather:
		for s.waiting.Load() < indexBatch {
			select {
			case <-quick.C:
				if s.waiting.Load() < indexFew {
					break gather
				}
			case <-timer.C:
				break gather
			case <-ix.wake:
			case <-ix.stop:
				break gather
			}
		}
		quick.Stop()
		timer.Stop()
		if streak.note(s.indexWaiting()) {
			sleep(ix.stop, time.Second)
		}
	}
}

// indexWaiting moves what waits in recent, a move at a time (see
// indexMoveTime) with the write lock let go in between, until less than a
// full move is left or the store closes.
func (s *Store) indexWaiting() error {
	for {
		size := s.ix.size
		n, held, err := s.indexSome(context.Background(), size)
		s.ix.report(err)
		if err == nil && n == size {
			s.ix.size = nextChunk(size, held, indexMoveTime, indexMin, indexMax)
		}
		if err != nil || n < size {
			return err
		}
		select {
		case <-s.ix.stop:
			return nil // Close moves the rest
		default:
		}
	}
}

// report keeps err as the last move's outcome.
func (ix *indexer) report(err error) {
	select {
	case <-ix.err:
	default:
	}
	ix.err <- err
}

// IndexPending moves every recorded entry that is not yet in the filter
// indexes into them now, in transactions sized as the indexer's are (see
// indexMoveTime), with the write lock let go between them. The
// store does this by itself in the background; it is for a caller about to
// copy or inspect the database file with other tools, which then find
// every entry in the entries table. Errors wrap tooltrail.ErrUnavailable.
func (s *Store) IndexPending(ctx context.Context) error {
	for size := indexMax; ; {
		n, held, err := s.indexSome(ctx, size)
		if err != nil || n < size {
			return err
		}
		size = nextChunk(size, held, indexMoveTime, indexMin, indexMax)
	}
}

// indexSome moves the oldest max entries of recent into entries and counts
// (dropping purged ones) in one transaction, and returns how many it took
// out of recent and how long it held the write lock.
func (s *Store) indexSome(ctx context.Context, max int) (int, time.Duration, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	start := time.Now()
	n, err := s.indexLocked(ctx, max)
	return n, time.Since(start), err
}

// indexLocked is indexSome, with the write lock held.
func (s *Store) indexLocked(ctx context.Context, max int) (int, error) {
	tx, err := s.ixw.BeginTx(ctx, nil)
	if err != nil {
		return 0, unavailable("begin index", err)
	}
	defer tx.Rollback()
	wtx := writeTx{tx: tx, stmts: s.ixStmts}
	if err := s.checkSchema(ctx, wtx); err != nil {
		return 0, err
	}
	var upTo int64
	if err := wtx.QueryRowContext(ctx, sqlIndexUpTo, max).Scan(&upTo); err != nil {
		return 0, unavailable("index", err)
	}
	if upTo == 0 {
		s.waiting.Store(0)
		return 0, nil
	}
	res, err := wtx.exec(ctx, sqlIndexInsert, upTo)
	if err != nil {
		return 0, unavailable("index entries", err)
	}
	moved, err := res.RowsAffected()
	if err != nil {
		return 0, unavailable("index entries", err)
	}
	if _, err := wtx.exec(ctx, sqlIndexCounts, upTo); err != nil {
		return 0, unavailable("index counts", err)
	}
	if res, err = wtx.exec(ctx, sqlIndexDelete, upTo); err != nil {
		return 0, unavailable("index", err)
	}
	deleted, err := res.RowsAffected()
	if err != nil {
		return 0, unavailable("index", err)
	}
	if deleted < moved {
		return 0, fmt.Errorf("sqlite: index: moved %d entries but took %d out of recent: %w", moved, deleted, tooltrail.ErrUnavailable)
	}
	if err := tx.Commit(); err != nil {
		return 0, unavailable("commit index", err)
	}
	s.commits.Add(1)
	if s.waiting.Add(-deleted) < 0 {
		s.waiting.Store(0)
	}
	if dropped := deleted - moved; dropped > 0 && s.erasing.Add(-dropped) < 0 {
		s.erasing.Store(0)
	}
	return int(deleted), nil
}
