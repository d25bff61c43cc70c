package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/sqlite"
)

// storeOpener opens the store a --store URL names.
type storeOpener func(ctx context.Context) (tooltrail.Store, error)

// errPostgresNotBuilt answers a postgres:// store URL until that store exists.
var errPostgresNotBuilt = errors.New("the PostgreSQL store is not built yet; use --store sqlite:PATH (the default) for now")

// parseStore reads a --store URL: sqlite:PATH opens the SQLite store at
// PATH; postgres:// and postgresql:// are recognized but not built yet
// (errPostgresNotBuilt); anything else is a usage error.
func parseStore(raw string) (storeOpener, error) {
	scheme, rest, _ := strings.Cut(raw, ":")
	switch strings.ToLower(scheme) {
	case "sqlite":
		if rest == "" {
			return nil, usagef("--store sqlite: needs a path, as in sqlite:/var/lib/tooltrail/tooltrail.db")
		}
		return func(ctx context.Context) (tooltrail.Store, error) {
			s, err := sqlite.Open(ctx, sqlite.Config{Path: rest})
			if err != nil {
				return nil, err
			}
			return s, nil
		}, nil
	case "postgres", "postgresql":
		if strings.HasPrefix(rest, "//") {
			return nil, errPostgresNotBuilt
		}
	}
	return nil, usagef("--store %q is not a store URL: use sqlite:PATH or postgres://USER@HOST/DB", redactURL(raw))
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
