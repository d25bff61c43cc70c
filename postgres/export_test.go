package postgres

// ForgetShared makes the next append try the one round trip again, as if
// no other server had appended lately.
func (s *Store) ForgetShared() { s.shared.Store(false) }
