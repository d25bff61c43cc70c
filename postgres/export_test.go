package postgres

// ForgetShared makes the next append try the one round trip again, as if
// no other server had appended lately.
func (s *Store) ForgetShared() { s.shared.Store(false) }

// KnownSchemaVersion is knownSchemaVersion, for tests that write through
// a plain connection as a store of this build would.
func KnownSchemaVersion() (int, error) { return knownSchemaVersion() }
