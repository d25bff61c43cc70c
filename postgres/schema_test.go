package postgres_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/auth"
	"github.com/tooltrail/tooltrail/internal/pgtest"
	"github.com/tooltrail/tooltrail/storetest"
)

// TestNewerSchemaStopsOlderServers records a newer migration behind a
// running store's back, as a newer tooltrail's Open on the same schema
// would in a rolling upgrade, and checks that the schema then refuses
// every write of the store with an error that says why, records nothing,
// and takes the writes again, with nothing lost, once the migration is
// gone. A connection that says no version, as a server of a version
// before the guard, is refused too.
func TestNewerSchemaStopsOlderServers(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	schema := pgtest.FreshSchema(t, url)
	store := openStore(t, url, schema)
	log := newLog(t, store)
	for range 3 {
		if _, err := log.Record(ctx, tooltrail.Call{ToolName: "before"}); err != nil {
			t.Fatal(err)
		}
	}
	admin := pgtest.Connect(t, url, schema)
	if _, err := admin.Exec(ctx, "UPDATE head SET size = size WHERE one"); err == nil || !strings.Contains(err.Error(), "a newer tooltrail migrated it") {
		t.Errorf("a write of a connection that says no schema version = %v, want it refused", err)
	}
	if _, err := admin.Exec(ctx, "INSERT INTO schema_migrations (version, name) VALUES (1000, 'from a newer tooltrail')"); err != nil {
		t.Fatal(err)
	}

	days := 0
	for _, tc := range []struct {
		name string
		op   func() error
	}{
		{"record", func() error { _, err := log.Record(ctx, tooltrail.Call{ToolName: "refused"}); return err }},
		{"purge", func() error { _, err := log.Purge(ctx, &days); return err }},
		{"create token", func() error {
			_, err := store.CreateToken(ctx, auth.Token{Name: "refused", Role: auth.Reader, Created: time.Now()})
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.op()
			if !errors.Is(err, tooltrail.ErrUnavailable) || !strings.Contains(err.Error(), "a newer tooltrail migrated it") {
				t.Fatalf("err = %v, want ErrUnavailable saying a newer tooltrail migrated the schema", err)
			}
		})
	}

	if _, err := admin.Exec(ctx, "DELETE FROM schema_migrations WHERE version = 1000"); err != nil {
		t.Fatal(err)
	}
	if _, err := log.Record(ctx, tooltrail.Call{ToolName: "after"}); err != nil {
		t.Fatalf("Record once the schema is the store's again: %v", err)
	}
	if n, err := log.Count(ctx, tooltrail.Filter{}); err != nil || n != 4 {
		t.Errorf("Count = %d, %v; want the 3 before and the 1 after", n, err)
	}
	notary := storetest.StartNotary(t, store, t.TempDir())
	rep, err := tooltrail.Verify(ctx, store, tooltrail.VerifyOptions{Verifier: notary.Verifier()})
	if err != nil || !rep.OK() {
		t.Errorf("verify: %v, %v", err, rep)
	}
}
