// Package pgtest gives tests a PostgreSQL of their own: the database named
// by TOOLTRAIL_TEST_POSTGRES and a fresh schema in it, dropped when the test
// ends. Tests that use it are skipped when the variable is unset, and fail
// when CI is set, since CI must test against PostgreSQL.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

// URL returns TOOLTRAIL_TEST_POSTGRES. It skips the test when that is
// unset, and fails it when CI is set.
func URL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("TOOLTRAIL_TEST_POSTGRES")
	if u == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("TOOLTRAIL_TEST_POSTGRES is not set; CI must test against PostgreSQL")
		}
		t.Skip("TOOLTRAIL_TEST_POSTGRES is not set (a postgres:// URL)")
	}
	return u
}

// FreshSchema returns the name of a schema no one uses, and drops it with
// everything in it when the test ends.
func FreshSchema(t testing.TB, base string) string {
	t.Helper()
	b := make([]byte, 8)
	rand.Read(b)
	name := "tt_" + hex.EncodeToString(b)
	t.Cleanup(func() {
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("drop schema %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{name}.Sanitize()+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", name, err)
		}
	})
	return name
}

// StoreURL returns base with its schema parameter set to schema: the form
// `tooltrail serve --store` takes.
func StoreURL(t testing.TB, base, schema string) string {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("schema", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Connect opens a plain connection, not through a store, with search_path
// set to schema unless it is "". It is closed when the test ends.
func Connect(t testing.TB, base, schema string) *pgx.Conn {
	t.Helper()
	cfg, err := pgx.ParseConfig(base)
	if err != nil {
		t.Fatal(err)
	}
	if schema != "" {
		cfg.RuntimeParams["search_path"] = pgx.Identifier{schema}.Sanitize()
	}
	conn, err := pgx.ConnectConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}
