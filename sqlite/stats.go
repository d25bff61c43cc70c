package sqlite

// Stats is what the store's background work is doing (IndexWaiting,
// WALFrames) and has done since Open (the counts), for metrics.
type Stats struct {
	IndexWaiting       int64 // about how many entries wait to be moved into the filter indexes
	MoveFailures       int64 // rounds of moves into the indexes that failed (the entries stay readable)
	WALFrames          int64 // frames the WAL held at the checkpointer's last successful pass
	Checkpoints        int64 // checkpointer rounds
	CheckpointFailures int64 // checkpointer rounds that failed (the WAL keeps every commit)
	LockedCheckpoints  int64 // rounds that took the write lock for a last pass
	EraseWaiting       int64 // about how many rows of purged entries wait to be erased (no read sees them)
	EraseFailures      int64 // chunks of erasure that failed (the rows stay unread, and are retried)
}

// Stats returns what the store's indexer, eraser and checkpointer have done. It
// does no I/O and cannot fail.
func (s *Store) Stats() Stats {
	return Stats{
		IndexWaiting:       max(0, s.waiting.Load()),
		MoveFailures:       s.stats.moveFailures.Load(),
		WALFrames:          s.stats.walFrames.Load(),
		Checkpoints:        s.stats.checkpoints.Load(),
		CheckpointFailures: s.stats.checkpointFailures.Load(),
		LockedCheckpoints:  s.stats.lockedCheckpoints.Load(),
		EraseWaiting:       max(0, s.erasing.Load()),
		EraseFailures:      s.stats.eraseFailures.Load(),
	}
}
