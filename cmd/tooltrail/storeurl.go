package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/postgres"
	"github.com/tooltrail/tooltrail/sqlite"
)

// storeOpener opens the store a --store URL names; the store logs its own
// messages to logger (slog.Default() when nil).
type storeOpener func(ctx context.Context, logger *slog.Logger) (tooltrail.Store, error)

// parseStore reads a --store URL: sqlite:PATH opens the SQLite store at
// PATH; postgres://... and postgresql://... open the PostgreSQL store, in
// the schema that the URL's "schema" parameter names (default tooltrail;
// the parameter is not passed on to the server); anything else is a usage
// error.
func parseStore(raw string) (storeOpener, error) {
	scheme, rest, _ := strings.Cut(raw, ":")
	switch strings.ToLower(scheme) {
	case "sqlite":
		if rest == "" {
			return nil, usagef("--store sqlite: needs a path, as in sqlite:/var/lib/tooltrail/tooltrail.db")
		}
		return func(ctx context.Context, logger *slog.Logger) (tooltrail.Store, error) {
			s, err := sqlite.Open(ctx, sqlite.Config{Path: rest, Logger: logger})
			if err != nil {
				return nil, err
			}
			return s, nil
		}, nil
	case "postgres", "postgresql":
		if strings.HasPrefix(rest, "//") {
			return postgresOpener(raw)
		}
	}
	return nil, usagef("--store %q is not a store URL: use sqlite:PATH or postgres://USER@HOST/DB", redactURL(raw))
}

// postgresOpener opens the PostgreSQL store of a postgres:// URL.
func postgresOpener(raw string) (storeOpener, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, usagef("--store %s is not a valid URL: %v", redactURL(raw), err)
	}
	q := u.Query()
	schema := q.Get("schema")
	q.Del("schema")
	u.RawQuery = q.Encode()
	return func(ctx context.Context, logger *slog.Logger) (tooltrail.Store, error) {
		s, err := postgres.Open(ctx, postgres.Config{URL: u.String(), Schema: schema, Logger: logger})
		if err != nil {
			return nil, err
		}
		return s, nil
	}, nil
}

// redactURL hides the password a URL may hold, for messages and logs.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		if strings.Contains(raw, "@") {
			return "(a URL with credentials, not shown)"
		}
		return raw
	}
	return u.Redacted()
}

// defaultStore returns the store URL serve uses without --store.
func defaultStore(dataDir string) string {
	return fmt.Sprintf("sqlite:%s", filepath.Join(dataDir, "tooltrail.db"))
}
