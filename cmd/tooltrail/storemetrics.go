package main

import (
	"errors"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/httpapi"
	"github.com/tooltrail/tooltrail/postgres"
	"github.com/tooltrail/tooltrail/sqlite"
)

// storeMetric is one number of a store's Stats that /metrics exports.
type storeMetric struct {
	name, help string
	counter    bool
	value      func() float64
}

// watchStore exports the numbers of the store's own background work and
// append paths on metrics. Errors: Metrics.Watch's.
func watchStore(metrics *httpapi.Metrics, store tooltrail.Store) error {
	var ms []storeMetric
	switch s := store.(type) {
	case *sqlite.Store:
		stat := func(f func(sqlite.Stats) int64) func() float64 { return statOf(s.Stats, f) }
		ms = []storeMetric{
			{"tooltrail_sqlite_index_waiting", "Entries recorded but not yet moved into the filter indexes (readable meanwhile).", false,
				stat(func(st sqlite.Stats) int64 { return st.IndexWaiting })},
			{"tooltrail_sqlite_index_move_failures_total", "Rounds of moves into the filter indexes that failed; the entries stay readable and later rounds retry.", true,
				stat(func(st sqlite.Stats) int64 { return st.MoveFailures })},
			{"tooltrail_sqlite_erase_waiting", "Rows of purged entries not yet deleted from the database's tables (no read returns them).", false,
				stat(func(st sqlite.Stats) int64 { return st.EraseWaiting })},
			{"tooltrail_sqlite_erase_failures_total", "Chunks of the deletion of purged entries' rows that failed; the rows stay unread and the eraser retries.", true,
				stat(func(st sqlite.Stats) int64 { return st.EraseFailures })},
			{"tooltrail_sqlite_wal_frames", "Frames (pages) the WAL held at the checkpointer's last successful pass.", false,
				stat(func(st sqlite.Stats) int64 { return st.WALFrames })},
			{"tooltrail_sqlite_checkpoints_total", "Checkpointer rounds.", true,
				stat(func(st sqlite.Stats) int64 { return st.Checkpoints })},
			{"tooltrail_sqlite_checkpoint_failures_total", "Checkpointer rounds that failed; the WAL keeps every commit meanwhile.", true,
				stat(func(st sqlite.Stats) int64 { return st.CheckpointFailures })},
			{"tooltrail_sqlite_checkpoints_locked_total", "Checkpointer rounds that took the write lock for a last pass, so the WAL could start over.", true,
				stat(func(st sqlite.Stats) int64 { return st.LockedCheckpoints })},
		}
	case *postgres.Store:
		stat := func(f func(postgres.Stats) int64) func() float64 { return statOf(s.Stats, f) }
		ms = []storeMetric{
			{"tooltrail_postgres_appends_unlocked_total", "Batches this server tried to write in one round trip on the head it made last (raced and failed ones included).", true,
				stat(func(st postgres.Stats) int64 { return st.UnlockedAppends })},
			{"tooltrail_postgres_appends_raced_total", "Of those, batches that found another server had moved the head, wrote nothing, and locked the head row after all.", true,
				stat(func(st postgres.Stats) int64 { return st.RacedAppends })},
			{"tooltrail_postgres_appends_locked_total", "Batches that locked the head row, first or after a race.", true,
				stat(func(st postgres.Stats) int64 { return st.LockedAppends })},
		}
	}
	var errs []error
	for _, m := range ms {
		errs = append(errs, metrics.Watch(m.name, m.help, m.counter, m.value))
	}
	return errors.Join(errs...)
}

// statOf returns a metric's value: field f of the stats that stats returns
// at each scrape.
func statOf[S any](stats func() S, f func(S) int64) func() float64 {
	return func() float64 { return float64(f(stats())) }
}
