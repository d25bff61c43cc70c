package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/tooltrail/tooltrail/auth"
	"github.com/tooltrail/tooltrail/internal/pgtest"
	"github.com/tooltrail/tooltrail/postgres"
)

// TestTokenCacheSeesEveryChange: a server answers the look-ups of a token
// from memory, and a revocation by another server, or an UPDATE by hand,
// reaches it without a restart; its own revocation it sees at once.
func TestTokenCacheSeesEveryChange(t *testing.T) {
	url := pgtest.URL(t)
	schema := pgtest.FreshSchema(t, url)
	ctx := t.Context()
	open := func() *postgres.Store {
		s, err := postgres.Open(ctx, postgres.Config{URL: url, Schema: schema})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	a, b := open(), open()
	tokens := map[string]auth.Hash{}
	for _, name := range []string{"by-server", "by-hand", "by-itself"} {
		_, h, err := auth.NewSecret()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.CreateToken(ctx, auth.Token{Name: name, Role: auth.Writer, Hash: h, Created: time.Now()}); err != nil {
			t.Fatal(err)
		}
		tokens[name] = h
	}
	// The listener connects in the background: wait until a second
	// look-up is answered from memory.
	waitFor(t, "a look-up answered from memory", func() bool {
		hits := a.Stats().TokenCacheHits
		for range 2 {
			if _, err := a.TokenByHash(ctx, tokens["by-server"]); err != nil {
				t.Fatal(err)
			}
		}
		return a.Stats().TokenCacheHits > hits
	})
	for _, name := range []string{"by-hand", "by-itself"} {
		if _, err := a.TokenByHash(ctx, tokens[name]); err != nil {
			t.Fatal(err)
		}
	}

	// Its own revocation must be seen by the very next look-up, before
	// any notification could arrive.
	if _, err := a.RevokeToken(ctx, "by-itself", time.Now()); err != nil {
		t.Fatal(err)
	}
	if tok, err := a.TokenByHash(ctx, tokens["by-itself"]); err != nil || tok.Active() {
		t.Fatalf("right after its own revocation TokenByHash = %+v, %v; want it revoked", tok, err)
	}

	changes := []struct {
		name   string
		change func() error
	}{
		{"by-server", func() error {
			_, err := b.RevokeToken(ctx, "by-server", time.Now())
			return err
		}},
		{"by-hand", func() error {
			conn := connectAsServer(t, url, schema)
			_, err := conn.Exec(ctx, "UPDATE tokens SET revoked = now() WHERE name = 'by-hand'")
			return err
		}},
	}
	for _, c := range changes {
		if err := c.change(); err != nil {
			t.Fatalf("revoke %s: %v", c.name, err)
		}
		waitFor(t, "the revocation of "+c.name+" seen by the other server", func() bool {
			tok, err := a.TokenByHash(ctx, tokens[c.name])
			if err != nil {
				t.Fatal(err)
			}
			return !tok.Active()
		})
	}
}

// waitFor polls cond until it holds, failing the test after ten seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("no %s within 10s", what)
		case <-time.After(10 * time.Millisecond):
		}
	}
}
