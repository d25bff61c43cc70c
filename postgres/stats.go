package postgres

// Stats counts how this store's appends went since Open, for metrics: on
// a database that several servers share, RacedAppends and LockedAppends
// grow with how often they take turns.
type Stats struct {
	UnlockedAppends int64 // batches tried in one round trip on the head this store made last (raced and failed ones included)
	RacedAppends    int64 // of those, batches that found the head moved (nothing written) and locked it after all
	LockedAppends   int64 // batches that locked the head row, first or after a race
	TokenLookups    int64 // TokenByHash calls
	TokenCacheHits  int64 // of those, answered from memory
}

// Stats returns the counts of this store's appends. It does no I/O and
// cannot fail.
func (s *Store) Stats() Stats {
	return Stats{
		UnlockedAppends: s.paths.unlocked.Load(),
		RacedAppends:    s.paths.raced.Load(),
		LockedAppends:   s.paths.locked.Load(),
		TokenLookups:    s.tokens.lookups.Load(),
		TokenCacheHits:  s.tokens.hits.Load(),
	}
}
