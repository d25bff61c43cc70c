package postgres

// AppendPaths returns how many appends tried the one round trip, how many
// of those found the head moved, and how many locked the head row first.
func (s *Store) AppendPaths() (unlocked, raced, locked int64) {
	return s.paths.unlocked.Load(), s.paths.raced.Load(), s.paths.locked.Load()
}

// ForgetShared makes the next append try the one round trip again, as if
// no other server had appended lately.
func (s *Store) ForgetShared() { s.shared.Store(false) }
