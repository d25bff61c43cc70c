package postgres_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/internal/pgtest"
	"github.com/tooltrail/tooltrail/postgres"
	"github.com/tooltrail/tooltrail/storetest"
)

// openStore opens a store on schema, closed when the test ends.
func openStore(t testing.TB, url, schema string) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), postgres.Config{URL: url, Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// connectAsServer opens a plain connection to schema, closed when the test
// ends, that says the schema version this build knows, as a store's
// connections do, so that the schema's version guard lets it write.
func connectAsServer(t testing.TB, url, schema string) *pgx.Conn {
	t.Helper()
	conn := pgtest.Connect(t, url, schema)
	known, err := postgres.KnownSchemaVersion()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(context.Background(), "SELECT set_config('tooltrail.schema_version', $1, false)", strconv.Itoa(known)); err != nil {
		t.Fatal(err)
	}
	return conn
}

// newLog starts a Log on store, closed when the test ends.
func newLog(t testing.TB, store tooltrail.Store) *tooltrail.Log {
	t.Helper()
	log, err := tooltrail.New(context.Background(), store, tooltrail.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close() })
	return log
}

func TestConformance(t *testing.T) {
	url := pgtest.URL(t)
	storetest.Run(t, func(t *testing.T) tooltrail.Store { return openStore(t, url, pgtest.FreshSchema(t, url)) })
}

// TestOpen checks what Open refuses.
func TestOpen(t *testing.T) {
	url := pgtest.URL(t)
	tests := []struct {
		name    string
		prepare func(t *testing.T, schema string) // before Open
		cfg     func(schema string) postgres.Config
		want    string // part of the error; "" means Open succeeds
	}{
		{"ErrURLRequired", nil, func(string) postgres.Config { return postgres.Config{} }, "URL is required"},
		{"ErrSchemaNameTooLong", nil, func(string) postgres.Config {
			return postgres.Config{URL: url, Schema: strings.Repeat("s", 64)}
		}, "longer than 63"},
		{"ErrNotATooltrailSchema", func(t *testing.T, schema string) {
			conn := pgtest.Connect(t, url, "")
			ident := pgx.Identifier{schema}.Sanitize()
			if _, err := conn.Exec(context.Background(), "CREATE SCHEMA "+ident+"; CREATE TABLE "+ident+".other (x int)"); err != nil {
				t.Fatal(err)
			}
		}, nil, "not a tooltrail schema"},
		{"ErrSchemaNewer", func(t *testing.T, schema string) {
			openStore(t, url, schema).Close()
			conn := pgtest.Connect(t, url, schema)
			if _, err := conn.Exec(context.Background(), "INSERT INTO schema_migrations (version, name) VALUES (999, 'future')"); err != nil {
				t.Fatal(err)
			}
		}, nil, "newer than this tooltrail knows"},
		{"ExistingSchemaReopens", func(t *testing.T, schema string) {
			log := newLog(t, openStore(t, url, schema))
			if _, err := log.Record(context.Background(), tooltrail.Call{ToolName: "t"}); err != nil {
				t.Fatal(err)
			}
		}, nil, ""},
		{"EmptySchemaOfAdministratorIsUsed", func(t *testing.T, schema string) {
			conn := pgtest.Connect(t, url, "")
			if _, err := conn.Exec(context.Background(), "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize()); err != nil {
				t.Fatal(err)
			}
		}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			schema := pgtest.FreshSchema(t, url)
			if tt.prepare != nil {
				tt.prepare(t, schema)
			}
			cfg := postgres.Config{URL: url, Schema: schema}
			if tt.cfg != nil {
				cfg = tt.cfg(schema)
			}
			s, err := postgres.Open(context.Background(), cfg)
			if err == nil {
				s.Close()
			}
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Open: %v, want success", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("Open: %v, want an error saying %q", err, tt.want)
			}
		})
	}
}

// TestAppendOnly changes the tables over plain SQL, as an operator or an
// intruder with the store's credentials could: the database refuses every
// change but appends and the purge's deletes.
func TestAppendOnly(t *testing.T) {
	url := pgtest.URL(t)
	schema := pgtest.FreshSchema(t, url)
	store := openStore(t, url, schema)
	log := newLog(t, store)
	for _, tool := range []string{"a", "b", "c"} {
		if _, err := log.Record(context.Background(), tooltrail.Call{ToolName: tool, UserID: "u", SessionID: "s"}); err != nil {
			t.Fatal(err)
		}
	}
	conn := connectAsServer(t, url, schema)
	ctx := context.Background()
	rows := func(table string) int64 {
		t.Helper()
		var n int64
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	entries, hashes := rows("entries"), rows("hashes")
	refused := []struct {
		name, sql string
	}{
		{"ErrUpdateEntries", "UPDATE entries SET confirmed = NOT confirmed"},
		{"ErrUpdateEntriesLeaf", "UPDATE entries SET leaf = leaf || 'x'::bytea WHERE id = 2"},
		{"ErrDeleteEntries", "DELETE FROM entries WHERE id = 1"},
		{"ErrTruncateEntries", "TRUNCATE entries"},
		{"ErrUpdateHashes", "UPDATE hashes SET hash = hash"},
		{"ErrDeleteHashes", "DELETE FROM hashes"},
		{"ErrTruncateHashes", "TRUNCATE hashes"},
		{"ErrUpdateNames", "UPDATE names SET value = 'z' WHERE value = 'a'"},
		{"ErrDeleteNames", "DELETE FROM names"},
		{"ErrDeleteHead", "DELETE FROM head"},
		{"ErrDeleteEntriesWithPurgeOffLocally", "BEGIN; SET LOCAL tooltrail.purge = 'off'; DELETE FROM entries; COMMIT"},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			_, err := conn.Exec(ctx, tt.sql)
			var pgErr *pgconn.PgError
			if !errors.As(err, &pgErr) || !strings.Contains(pgErr.Message, "append-only") {
				t.Fatalf("%s: error %v, want the append-only trigger's", tt.sql, err)
			}
			if conn.PgConn().TxStatus() != 'I' {
				conn.Exec(ctx, "ROLLBACK")
			}
			if e, h := rows("entries"), rows("hashes"); e != entries || h != hashes {
				t.Fatalf("after %s: %d entries and %d hashes, want %d and %d", tt.sql, e, h, entries, hashes)
			}
		})
	}
	t.Run("PurgeTransactionDeletes", func(t *testing.T) {
		tx, err := conn.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(ctx)
		if _, err := tx.Exec(ctx, "SET LOCAL tooltrail.purge = 'on'"); err != nil {
			t.Fatal(err)
		}
		tag, err := tx.Exec(ctx, "DELETE FROM entries WHERE id = 1")
		if err != nil || tag.RowsAffected() != 1 {
			t.Fatalf("DELETE in a purge transaction: %v, %d rows; want 1 row", err, tag.RowsAffected())
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Exec(ctx, "DELETE FROM entries WHERE id = 2"); err == nil {
			t.Errorf("DELETE after the purge transaction succeeded; SET LOCAL must end with it")
		}
		if h := rows("hashes"); h != hashes {
			t.Errorf("%d hashes after the delete, want %d: hashes stay", h, hashes)
		}
	})
	t.Run("StorePurgeDeletes", func(t *testing.T) {
		n, err := log.Purge(ctx, nil)
		if err != nil || n != entries-1 {
			t.Fatalf("Purge(all) = %d, %v; want %d", n, err, entries-1)
		}
		if e := rows("entries"); e != 1 {
			t.Errorf("%d entries after the purge, want only the purge's own", e)
		}
	})
}
