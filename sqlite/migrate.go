package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"

	"github.com/tooltrail/tooltrail/internal/migrations"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migrate brings the schema to the newest version, one transaction per
// migration, recording the version in PRAGMA user_version, and returns
// that version. It refuses a database whose version is newer than this
// build knows.
func migrate(ctx context.Context, db *sql.DB) (int, error) {
	ms, err := migrations.Load(migrationFS, "migrations")
	if err != nil {
		return 0, err
	}
	var current int
	if err := db.QueryRowContext(ctx, sqlSchemaVersion).Scan(&current); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	latest := ms[len(ms)-1].Version
	if current > latest {
		return 0, fmt.Errorf("database schema version %d is newer than this tooltrail knows (%d): upgrade tooltrail", current, latest)
	}
	for _, m := range ms {
		if m.Version <= current {
			continue
		}
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return 0, fmt.Errorf("migration %s: %w", m.Name, err)
		}
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			tx.Rollback()
			return 0, fmt.Errorf("migration %s: %w", m.Name, err)
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", m.Version)); err != nil {
			tx.Rollback()
			return 0, fmt.Errorf("migration %s: %w", m.Name, err)
		}
		if err := tx.Commit(); err != nil {
			return 0, fmt.Errorf("migration %s: %w", m.Name, err)
		}
	}
	return latest, nil
}
