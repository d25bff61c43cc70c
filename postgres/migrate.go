package postgres

import (
	"context"
	"embed"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tooltrail/tooltrail/internal/migrations"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// The statements of migrate. The advisory lock is keyed by the schema, so
// that servers starting at once on one schema take turns, and those on
// other schemas do not wait.
const (
	sqlMigrateLock    = "SELECT pg_advisory_xact_lock(hashtextextended('tooltrail migrate ' || $1, 0))"
	sqlSchemaExists   = "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)"
	sqlMigrationTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    integer     PRIMARY KEY,
	name       text        NOT NULL,
	applied_at timestamptz NOT NULL DEFAULT now()
)`
	sqlSchemaVersion = "SELECT coalesce(max(version), 0) FROM schema_migrations"
	sqlTableCount    = "SELECT count(*) FROM pg_tables WHERE schemaname = $1 AND tablename <> 'schema_migrations'"
	sqlRecordVersion = "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)"
)

// schemaVersionSetting is the setting in which every connection of the
// store says which schema version it knows; the schema's triggers read it.
const schemaVersionSetting = "tooltrail.schema_version"

// knownSchemaVersion returns the newest migration this build holds.
// Errors: a migration file that does not parse.
func knownSchemaVersion() (int, error) {
	ms, err := migrations.Load(migrationFS, "migrations")
	if err != nil {
		return 0, err
	}
	return ms[len(ms)-1].Version, nil
}

// migrate creates the schema when it is missing and applies every
// migration it lacks, all in one transaction under an advisory lock, so
// that several servers starting at once on one database do not race and a
// failed migration leaves nothing half done. It refuses a schema whose
// version is newer than this build knows, and a schema that holds tables
// but no tooltrail version.
func migrate(ctx context.Context, pool *pgxpool.Pool, schema string) error {
	ms, err := migrations.Load(migrationFS, "migrations")
	if err != nil {
		return err
	}
	tx, err := pool.Begin(ctx)
	if err != nil {
		return unavailable("begin migration", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, sqlMigrateLock, schema); err != nil {
		return unavailable("lock for migration", err)
	}
	ident := pgx.Identifier{schema}.Sanitize()
	var exists bool
	if err := tx.QueryRow(ctx, sqlSchemaExists, schema).Scan(&exists); err != nil {
		return unavailable("look up schema", err)
	}
	// CREATE SCHEMA needs the CREATE privilege on the database even with IF
	// NOT EXISTS: a schema made beforehand by an administrator is used as is.
	if !exists {
		if _, err := tx.Exec(ctx, "CREATE SCHEMA "+ident); err != nil {
			return unavailable("create schema", err)
		}
	}
	// The pool's search_path names the schema, but the session may have
	// resolved it before the schema existed.
	if _, err := tx.Exec(ctx, "SET LOCAL search_path TO "+ident); err != nil {
		return unavailable("set search_path", err)
	}
	if _, err := tx.Exec(ctx, sqlMigrationTable); err != nil {
		return unavailable("create schema_migrations", err)
	}
	var current int
	if err := tx.QueryRow(ctx, sqlSchemaVersion).Scan(&current); err != nil {
		return unavailable("read schema version", err)
	}
	if latest := ms[len(ms)-1].Version; current > latest {
		return fmt.Errorf("schema version %d is newer than this tooltrail knows (%d): upgrade tooltrail", current, latest)
	}
	if current == 0 {
		var tables int
		if err := tx.QueryRow(ctx, sqlTableCount, schema).Scan(&tables); err != nil {
			return unavailable("list tables", err)
		}
		if tables > 0 {
			return fmt.Errorf("schema holds %d tables but no tooltrail schema version: it is not a tooltrail schema; use another", tables)
		}
	}
	for _, m := range ms {
		if m.Version <= current {
			continue
		}
		if _, err := tx.Exec(ctx, m.SQL); err != nil {
			return unavailable("migration "+m.Name, err)
		}
		if _, err := tx.Exec(ctx, sqlRecordVersion, m.Version, m.Name); err != nil {
			return unavailable("record migration "+m.Name, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return unavailable("commit migration", err)
	}
	return nil
}
