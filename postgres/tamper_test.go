package postgres_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/tooltrail/tooltrail/internal/pgtest"
	"github.com/tooltrail/tooltrail/storetest"
)

// triggerTable finds the table of every trigger a migration creates.
var triggerTable = regexp.MustCompile(`(?i)\bCREATE\s+TRIGGER\s+\w+\s[^;]*?\bON\s+(\w+)`)

// pgGuards returns an ALTER TABLE ... DISABLE TRIGGER USER for every table
// the migrations put a trigger on: what the owner of the tables runs
// before rewriting them.
func pgGuards(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("migrations", "*.sql"))
	if err != nil || len(files) == 0 {
		t.Fatalf("migrations: %v, %d files", err, len(files))
	}
	var tables []string
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range triggerTable.FindAllStringSubmatch(string(b), -1) {
			if !slices.Contains(tables, m[1]) {
				tables = append(tables, m[1])
			}
		}
	}
	for _, want := range []string{"entries", "hashes", "names", "head"} {
		if !slices.Contains(tables, want) {
			t.Fatalf("the migrations put triggers on %v, not on %s", tables, want)
		}
	}
	out := make([]string, len(tables))
	for i, table := range tables {
		out[i] = "ALTER TABLE " + table + " DISABLE TRIGGER USER"
	}
	return out
}

// numberPlaceholders rewrites the ? placeholders of query as $1, $2, ...
// The suite's statements hold no ? in literals.
func numberPlaceholders(query string) string {
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// TestTamper runs the tamper suite on a fresh schema per case, with a
// plain connection to the same schema to tamper through.
func TestTamper(t *testing.T) {
	url := pgtest.URL(t)
	guards := pgGuards(t)
	storetest.RunTamper(t, func(t *testing.T) storetest.Tamperable {
		schema := pgtest.FreshSchema(t, url)
		store := openStore(t, url, schema)
		conn := connectAsServer(t, url, schema)
		return storetest.Tamperable{
			Store: store,
			Exec: func(ctx context.Context, query string, args ...any) error {
				_, err := conn.Exec(ctx, numberPlaceholders(query), args...)
				return err
			},
			DisableGuards: guards,
		}
	})
}
