package sqlite

import (
	"log/slog"
	"sync/atomic"
)

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
