package sqlite

import (
	"context"
	"time"
)

// The checkpointer copies the WAL into the database file on a connection
// of its own, beside the writers, instead of in the commit that crosses
// SQLite's threshold: there a checkpoint of about 1,000 pages and the
// database file's flush held that one commit for about 6 ms, and every
// record queued behind it, which was most of the p99 of a steady 1,000
// records a second. A checkpoint beside the writers cannot finish while
// they keep appending, though, and SQLite starts the WAL over only after
// a finished one, so once the WAL holds walBackstop frames the
// checkpointer takes the write lock for a last pass over what the
// writers added since its previous one: short, because that pass copied
// the rest. When that pass left much more behind (a read holding an older
// snapshot, which no checkpoint may overwrite), it does not take the
// lock: the WAL then grows until the read ends, as it would have with
// SQLite's own checkpoints.
const (
	checkpointEvery = 100 * time.Millisecond
	walBackstop     = 4096 // frames (of 4 KiB pages): 16 MiB of WAL
)

// sqlCheckpoint checkpoints what it can without waiting for anyone and
// returns (busy, frames in the WAL, frames checkpointed).
const sqlCheckpoint = "PRAGMA wal_checkpoint(PASSIVE)"

// checkpointer is the store's background goroutine that checkpoints.
type checkpointer struct {
	stop chan struct{}
	done chan struct{}
}

// runCheckpointer checkpoints every checkpointEvery while an append, move,
// purge or erasure committed since the last round, until stop is closed. Errors are logged
// once a streak; the WAL keeps every commit meanwhile.
func (s *Store) runCheckpointer() {
	ck := s.ck
	defer close(ck.done)
	ctx, cancel := untilStopped(ck.stop)
	defer cancel()
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	var seen int64
	streak := failureStreak{logger: s.logger, failures: &s.stats.checkpointFailures,
		failed:    "sqlite: checkpointing the WAL into the database file failed; the WAL keeps every commit, and the checkpointer retries",
		recovered: "sqlite: checkpointing the WAL works again"}
	for {
		select {
		case <-ck.stop:
			return
		case <-t.C:
		}
		if n := s.commits.Load(); n != seen {
			seen = n
			err := s.checkpoint(ctx)
			s.stats.checkpoints.Add(1)
			if ctx.Err() != nil {
				return
			}
			streak.note(err)
		}
	}
}

// checkpoint runs one round: a checkpoint beside the writers and, when the
// WAL has grown past walBackstop and that checkpoint copied all but the
// last walBackstop/2 frames, one more with the write lock held, which lets
// the next append start the WAL over. Errors wrap
// tooltrail.ErrUnavailable.
func (s *Store) checkpoint(ctx context.Context) error {
	frames, done, err := s.walCheckpoint(ctx)
	if err == nil {
		s.stats.walFrames.Store(frames)
	}
	if err != nil || frames < walBackstop || frames-done > walBackstop/2 {
		return err
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.stats.lockedCheckpoints.Add(1)
	if frames, _, err = s.walCheckpoint(ctx); err == nil {
		s.stats.walFrames.Store(frames)
	}
	return err
}

// walCheckpoint runs sqlCheckpoint on the checkpointer's connection and
// returns how many frames the WAL holds and how many of them are copied.
func (s *Store) walCheckpoint(ctx context.Context) (frames, done int64, err error) {
	var busy int64
	if err := s.ckw.QueryRowContext(ctx, sqlCheckpoint).Scan(&busy, &frames, &done); err != nil {
		return 0, 0, unavailable("checkpoint", err)
	}
	return frames, done, nil
}
