// Package postgres is the tooltrail store on PostgreSQL, through
// github.com/jackc/pgx/v5 (pgxpool). Several tooltrail servers may share
// one database and schema: every append locks the log's head row, so ids
// stay dense and the Merkle tree one tree.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/internal/dict"
	"github.com/tooltrail/tooltrail/internal/frontier"
	"golang.org/x/mod/sumdb/tlog"
)

// Config sets up a Store.
type Config struct {
	URL      string // postgres://... (required)
	Schema   string // schema to use; default "tooltrail"; created if missing
	MaxConns int32  // pool size; default 8
	// Logger receives the store's own messages (finishing a purge a
	// crash cut off); default slog.Default().
	Logger *slog.Logger
}

// defaultSchema is the schema a Store uses when Config.Schema is empty.
const defaultSchema = "tooltrail"

// maxIdentifier is PostgreSQL's longest identifier (NAMEDATALEN-1 bytes);
// longer ones would be cut silently.
const maxIdentifier = 63

// idleInTransactionTimeout ends the session of a process that stalls inside
// a transaction (frozen, cut off), so that it cannot keep the head row
// locked against every other server. Set unless the URL sets it.
const idleInTransactionTimeout = "30s"

// Store is a tooltrail.Store in one schema of a PostgreSQL database. Its
// methods are safe for concurrent use, also by several processes on one
// schema.
type Store struct {
	pool     *pgxpool.Pool
	names    *dict.Cache
	frontier *frontier.Cache
	shared   atomic.Bool // another server appended lately: appends lock the head row first
	paths    appendPaths

	tokens         tokenCache
	stopListening  context.CancelFunc
	listenerExited chan struct{}

	logger         *slog.Logger
	stopFinishing  context.CancelFunc
	finisherExited chan struct{}
}

// appendPaths counts the ways appends went (see Stats).
type appendPaths struct {
	unlocked atomic.Int64 // tried in one round trip
	raced    atomic.Int64 // of those, found the head moved and went locked
	locked   atomic.Int64 // locked the head row, first or after a race
}

var _ tooltrail.Store = (*Store)(nil)

// Open connects to the database at cfg.URL, creates the schema if it is
// missing, brings it up to date and reads the head. Every connection of
// the pool has search_path set to the schema and, unless the URL sets it,
// idle_in_transaction_session_timeout to 30s. Errors: a missing or
// malformed URL or schema name; a schema whose version is newer than this
// build, or that is not a tooltrail schema; a corrupt head
// (tooltrail.ErrCorrupt); a database that cannot be reached or refuses
// (wrapping tooltrail.ErrUnavailable).
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.URL == "" {
		return nil, errors.New("postgres: Config.URL is required")
	}
	if cfg.Schema == "" {
		cfg.Schema = defaultSchema
	}
	if len(cfg.Schema) > maxIdentifier {
		return nil, fmt.Errorf("postgres: schema name %q is longer than %d bytes", cfg.Schema, maxIdentifier)
	}
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = 8
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	pc, err := pgxpool.ParseConfig(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("postgres: parse URL: %w", err) // pgx masks the password in its message
	}
	pc.MaxConns = cfg.MaxConns
	params := pc.ConnConfig.RuntimeParams
	params["search_path"] = pgx.Identifier{cfg.Schema}.Sanitize()
	if _, ok := params["idle_in_transaction_session_timeout"]; !ok {
		params["idle_in_transaction_session_timeout"] = idleInTransactionTimeout
	}
	// The schema's triggers refuse the writes of a connection that knows
	// an older schema than the newest migration (0004_schema_guard.sql).
	known, err := knownSchemaVersion()
	if err != nil {
		return nil, err
	}
	params[schemaVersionSetting] = strconv.Itoa(known)
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, unavailable("connect", err)
	}
	s := &Store{pool: pool, names: dict.NewCache(), frontier: &frontier.Cache{}, logger: cfg.Logger}
	if err := migrate(ctx, pool, cfg.Schema); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: schema %s: %w", cfg.Schema, err)
	}
	if _, err := s.Head(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	lctx, stop := context.WithCancel(context.Background())
	s.stopListening, s.listenerExited = stop, make(chan struct{})
	go func() {
		defer close(s.listenerExited)
		s.listenTokens(lctx, pc.ConnConfig.Copy(), cfg.Schema)
	}()
	// A purge is recorded before its rows go; one a crash cut off is
	// finished in the background, while Rows already skips its entries.
	fctx, stopFinishing := context.WithCancel(context.Background())
	s.stopFinishing, s.finisherExited = stopFinishing, make(chan struct{})
	go func() {
		defer close(s.finisherExited)
		s.runFinishPurge(fctx)
	}()
	return s, nil
}

// Close closes every connection of the pool, waiting for those in use to
// be released. Calls after Close fail with tooltrail.ErrUnavailable. It
// returns nil.
func (s *Store) Close() error {
	s.stopFinishing()
	<-s.finisherExited
	s.stopListening()
	<-s.listenerExited
	s.pool.Close()
	return nil
}

// Head returns the committed head. Errors: tooltrail.ErrCorrupt for a head
// row that is not one this package wrote; tooltrail.ErrUnavailable.
func (s *Store) Head(ctx context.Context) (tooltrail.Head, error) {
	return scanHead(s.pool.QueryRow(ctx, sqlReadHead))
}

// The statements of the head.
const (
	sqlReadHead       = "SELECT size, root, last_ts FROM head WHERE one"
	sqlReadHeadLocked = sqlReadHead + " FOR UPDATE"
)

// scanHead reads the row of sqlReadHead or sqlReadHeadLocked.
func scanHead(row pgx.Row) (tooltrail.Head, error) {
	var (
		h    tooltrail.Head
		root []byte
		ts   *time.Time
	)
	if err := row.Scan(&h.Size, &root, &ts); err != nil {
		return h, unavailable("read head", err)
	}
	if len(root) != tlog.HashSize || h.Size < 0 || (h.Size > 0) != (ts != nil) {
		return h, fmt.Errorf("postgres: %w: head row (size %d, %d root bytes, last_ts %v) is not one tooltrail wrote", tooltrail.ErrCorrupt, h.Size, len(root), ts)
	}
	h.Root = tlog.Hash(root)
	if ts != nil {
		h.LastTime = ts.UTC()
	}
	return h, nil
}

// unavailable wraps a database error so callers see tooltrail.ErrUnavailable.
func unavailable(what string, err error) error {
	return fmt.Errorf("postgres: %s: %w: %w", what, tooltrail.ErrUnavailable, err)
}
