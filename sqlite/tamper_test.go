package sqlite_test

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/tooltrail/tooltrail/sqlite"
	"github.com/tooltrail/tooltrail/storetest"
	_ "modernc.org/sqlite" // the "sqlite" driver of the plain connection
)

// createTrigger finds the name of every trigger a migration creates.
var createTrigger = regexp.MustCompile(`(?i)\bCREATE\s+TRIGGER\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)`)

// sqliteGuards returns a DROP TRIGGER for every trigger the migrations
// create: what an administrator of the file runs before rewriting it.
func sqliteGuards(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("migrations", "*.sql"))
	if err != nil || len(files) == 0 {
		t.Fatalf("migrations: %v, %d files", err, len(files))
	}
	var out []string
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range createTrigger.FindAllStringSubmatch(string(b), -1) {
			out = append(out, "DROP TRIGGER "+m[1])
		}
	}
	if len(out) == 0 {
		t.Fatal("the migrations create no trigger")
	}
	return out
}

// TestTamper runs the tamper suite on a store in a temporary file, with a
// second connection to the same file to tamper through.
func TestTamper(t *testing.T) {
	guards := sqliteGuards(t)
	storetest.RunTamper(t, func(t *testing.T) storetest.Tamperable {
		path := filepath.Join(t.TempDir(), "log.db")
		s, err := sqlite.Open(context.Background(), sqlite.Config{Path: path})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		db, err := sql.Open("sqlite", "file:"+url.PathEscape(path)+"?_pragma=busy_timeout(10000)")
		if err != nil {
			t.Fatal(err)
		}
		db.SetMaxOpenConns(1)
		t.Cleanup(func() { db.Close() })
		return storetest.Tamperable{
			Store: s,
			Exec: func(ctx context.Context, query string, args ...any) error {
				// What an administrator rewriting the file would do first,
				// so that every entry is in the entries table.
				if err := s.IndexPending(ctx); err != nil {
					return err
				}
				_, err := db.ExecContext(ctx, query, args...)
				return err
			},
			DisableGuards: guards,
		}
	})
}
