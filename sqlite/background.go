package sqlite

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"
)

// What the store's background goroutines (the indexer, the eraser and the
// checkpointer) share.

// failureStreak tells the log of a background job's failures once a run of
// them, and of its recovery, and counts the failures for Stats.
type failureStreak struct {
	logger            *slog.Logger
	failed, recovered string        // the messages
	failures          *atomic.Int64 // counted at every failure
	failing           bool
}

// note records the outcome of one round of the job and returns whether it
// failed.
func (f *failureStreak) note(err error) bool {
	switch {
	case err != nil && !f.failing:
		f.logger.Error(f.failed, "err", err)
	case err == nil && f.failing:
		f.logger.Info(f.recovered)
	}
	f.failing = err != nil
	if f.failing {
		f.failures.Add(1)
	}
	return f.failing
}

// sleep waits for d and says whether stop stayed open meanwhile.
func sleep(stop <-chan struct{}, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-stop:
		return false
	case <-t.C:
		return true
	}
}

// untilStopped returns a context cancelled when stop is closed (or cancel
// is called), so that a statement in progress does not hold up Close.
func untilStopped(stop <-chan struct{}) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		select {
		case <-stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}
