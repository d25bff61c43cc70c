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
// migration, recording the version in PRAGMA user_version. It refuses a
// database whose version is newer than this build knows.
func migrate(ctx context.Context, db *sql.DB) error {
	ms, err := migrations.Load(migrationFS, "migrations")
	if err != nil {
		return err
	}
	var current int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&current); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if latest := ms[len(ms)-1].Version; current > latest {
		return fmt.Errorf("database schema version %d is newer than this tooltrail knows (%d): upgrade tooltrail", current, latest)
	}
	for _, m := range ms {
		if m.Version <= current {
			continue
		}
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", m.Version)); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
	}
	return nil
}
