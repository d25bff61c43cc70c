package sqlite

import (
	"context"
	"fmt"

	"github.com/tooltrail/tooltrail"
)

// sqlSchemaVersion reads the schema version migrate records. It reads the
// file's header, which every transaction has read already: it costs a
// statement, not a page.
const sqlSchemaVersion = "PRAGMA user_version"

// checkSchema returns an error unless the file's schema, as q's
// transaction sees it, is the version this store brought it to at Open.
// Another process, of a newer tooltrail, may migrate the file while this
// one runs; this process's code knows nothing of the new rules (a new
// table a read must consult, a bound a write must keep), so every
// transaction on the log checks first and refuses rather than read or
// write past them. The error wraps tooltrail.ErrUnavailable and says to
// restart with the newer version; database errors wrap it too.
func (s *Store) checkSchema(ctx context.Context, q queryer) error {
	var v int
	if err := q.QueryRowContext(ctx, sqlSchemaVersion).Scan(&v); err != nil {
		return unavailable("read schema version", err)
	}
	if v != s.schema {
		return fmt.Errorf("sqlite: %w: the database file's schema is now version %d, and this process knows version %d: "+
			"another process of a newer tooltrail migrated it; stop this one and run that version", tooltrail.ErrUnavailable, v, s.schema)
	}
	return nil
}
