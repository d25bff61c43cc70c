package sqlite

// StopEraser stops s's eraser for good, so that a test sees the rows of
// purged entries the eraser would delete; Close still works.
func StopEraser(s *Store) {
	close(s.er.stop)
	<-s.er.done
	stopped := newEraser()
	close(stopped.done)
	s.er = stopped
}

// StopIndexer stops s's indexer for good after it moved what waits, so
// that a test keeps later entries in recent until it calls IndexPending;
// Close still works.
func StopIndexer(s *Store) {
	close(s.ix.stop)
	<-s.ix.done
	stopped := newIndexer()
	close(stopped.done)
	s.ix = stopped
}
