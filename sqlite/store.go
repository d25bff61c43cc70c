// Package sqlite is the embedded tooltrail store, on modernc.org/sqlite
// (pure Go, no cgo): one database file in WAL mode, a write connection
// with synchronous=FULL for appends, purges and tokens, and a pool of
// readers. An append's commit writes its entries to a table without
// indexes; a background indexer, on a connection of its own, moves them
// into the indexed table in large batches (see indexer.go), and a
// background checkpointer, on another, copies the WAL into the database
// file beside the writers (see checkpointer.go).
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/internal/dict"
	"github.com/tooltrail/tooltrail/internal/frontier"
	"golang.org/x/mod/sumdb/tlog"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Config sets up a Store.
type Config struct {
	Path    string // the database file; created when missing
	Readers int    // read connections; default max(4, GOMAXPROCS)
	// Logger receives the store's own messages (a failed background
	// move into the indexes); default slog.Default().
	Logger *slog.Logger
}

// Store is a tooltrail.Store in one SQLite database file.
type Store struct {
	w     *sql.DB    // the one write connection
	r     *sql.DB    // readers
	wmu   sync.Mutex // serialises appends, purges, the indexer's moves, the eraser's chunks and the checkpointer's last pass
	pmu   sync.Mutex // serialises purges: each reads counts outside wmu, then commits under it
	stmts *stmtCache // of w
	names *dict.Cache
	// tokenByHash is prepared once on the readers: every request of a
	// server with access control runs it.
	tokenByHash *sql.Stmt
	frontier    frontier.Cache // of the last head this store appended
	ix          *indexer
	ixw         *sql.DB      // the indexer's connection
	ixStmts     *stmtCache   // of ixw
	waiting     atomic.Int64 // about how many entries wait in recent: this store's appends less its moves
	ckw         *sql.DB      // the checkpointer's connection
	ck          *checkpointer
	commits     atomic.Int64 // commits of appends, moves, purges and erasures, for the checkpointer
	appends     atomic.Int64 // commits of appends, for the eraser's rests
	er          *eraser
	erasing     atomic.Int64 // about how many rows of purged entries are left to erase
	stats       struct {     // what Stats reports besides waiting and erasing
		moveFailures, walFrames, checkpoints, checkpointFailures, lockedCheckpoints, eraseFailures atomic.Int64
	}
	schema    int // the version migrate brought the file to (checkSchema)
	logger    *slog.Logger
	closeOnce sync.Once
	closeErr  error
}

var _ tooltrail.Store = (*Store)(nil)

// Open opens (creating if needed, mode 0600) the database at cfg.Path and
// brings its schema up to date. Errors: a missing Path; a file that is not a tooltrail
// database or whose schema is newer than this build; I/O errors.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.Path == "" {
		return nil, errors.New("sqlite: Config.Path is required")
	}
	if cfg.Readers <= 0 {
		cfg.Readers = max(4, runtime.GOMAXPROCS(0))
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	// A new database is its owner's only: it holds every entry and the
	// tokens' hashes. (SQLite gives the -wal and -shm files the same mode.)
	if f, err := os.OpenFile(cfg.Path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
		f.Close()
	}
	path := url.PathEscape(cfg.Path)
	// Every handle opened goes on opened, which an early return closes in
	// the reverse order.
	var opened []io.Closer
	fail := func(err error) (*Store, error) {
		for i := len(opened) - 1; i >= 0; i-- {
			opened[i].Close()
		}
		return nil, err
	}
	openDB := func(query string) (*sql.DB, error) {
		db, err := sql.Open("sqlite", "file:"+path+"?"+query)
		if err != nil {
			return nil, fmt.Errorf("sqlite: open %s: %w", cfg.Path, err)
		}
		opened = append(opened, db)
		return db, nil
	}
	// The write connection: appends, purges and tokens, durable at
	// commit. Its commits do not checkpoint: the checkpointer does
	// (checkpointer.go), and closing it at Close does a last one.
	w, err := openDB("_txlock=immediate" +
		"&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=wal_autocheckpoint(0)&_pragma=busy_timeout(10000)" +
		"&_pragma=cache_size(-65536)&_pragma=foreign_keys(0)")
	if err != nil {
		return fail(err)
	}
	oneConn(w)
	schema, err := migrate(ctx, w)
	if err != nil {
		return fail(fmt.Errorf("sqlite: %s: %w", cfg.Path, err))
	}
	// The indexer's connection: its moves need not be durable (a move
	// lost in a crash leaves its entries in recent, where they were), so
	// it commits without waiting for the disk. Appends and moves take
	// turns (wmu).
	ixw, err := openDB("_txlock=immediate" +
		"&_pragma=synchronous(OFF)&_pragma=wal_autocheckpoint(0)&_pragma=busy_timeout(10000)" +
		"&_pragma=cache_size(-32768)&_pragma=foreign_keys(0)")
	if err != nil {
		return fail(err)
	}
	oneConn(ixw)
	// The checkpointer's connection: synchronous=NORMAL flushes the WAL
	// before a checkpoint copies it (the moves' frames were not flushed)
	// and the database file after.
	ckw, err := openDB("_pragma=synchronous(NORMAL)&_pragma=wal_autocheckpoint(0)&_pragma=busy_timeout(10000)" +
		"&_pragma=cache_size(-2048)")
	if err != nil {
		return fail(err)
	}
	oneConn(ckw)
	ixStmts, err := newStmtCache(ctx, ixw, indexQueries())
	if err != nil {
		return fail(fmt.Errorf("sqlite: %s: prepare: %w", cfg.Path, err))
	}
	opened = append(opened, closerFunc(ixStmts.close))
	r, err := openDB("_pragma=busy_timeout(10000)&_pragma=query_only(1)")
	if err != nil {
		return fail(err)
	}
	r.SetMaxOpenConns(cfg.Readers)
	r.SetMaxIdleConns(cfg.Readers)
	r.SetConnMaxIdleTime(0)
	stmts, err := newStmtCache(ctx, w, writeQueries())
	if err != nil {
		return fail(fmt.Errorf("sqlite: %s: prepare: %w", cfg.Path, err))
	}
	opened = append(opened, closerFunc(stmts.close))
	tokenByHash, err := r.PrepareContext(ctx, sqlTokenByHash)
	if err != nil {
		return fail(fmt.Errorf("sqlite: %s: prepare: %w", cfg.Path, err))
	}
	opened = append(opened, tokenByHash)
	s := &Store{schema: schema, w: w, r: r, stmts: stmts, names: dict.NewCache(), tokenByHash: tokenByHash, ix: newIndexer(), er: newEraser(), logger: cfg.Logger,
		ixw: ixw, ixStmts: ixStmts, ckw: ckw, ck: &checkpointer{stop: make(chan struct{}), done: make(chan struct{})}}
	if _, err := s.Head(ctx); err != nil {
		s.closeHandles()
		return nil, err
	}
	// Entries a crash (or another process) left in recent are moved at
	// once, not indexDelay at a time.
	var left int64
	if err := s.r.QueryRowContext(ctx, "SELECT count(*) FROM recent").Scan(&left); err != nil {
		s.closeHandles()
		return nil, unavailable("count recent", err)
	}
	s.waiting.Store(left)
	// So are the rows of entries purged before a Close or a crash.
	erasing, err := erasingAt(ctx, s.r)
	if err != nil {
		s.closeHandles()
		return nil, err
	}
	s.erasing.Store(erasing)
	go s.runIndexer()
	go s.runCheckpointer()
	go s.runEraser()
	s.ix.nudge()
	if erasing > 0 {
		s.er.nudge()
	}
	// A purge whose entry a crash left without its purge is finished.
	if n, err := s.finishPurge(ctx); err != nil {
		s.Close()
		return nil, err
	} else if n > 0 {
		s.logger.Info("sqlite: finished a purge that was cut off", "path", cfg.Path, "purged", n)
	}
	return s, nil
}

// Close moves the entries still waiting into the indexes and closes the
// database; it returns the error of that move, if any (the entries stay
// recorded and are moved at the next Open). Rows of purged entries not yet
// erased are erased after the next Open. Calls after Close fail.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		close(s.er.stop)
		<-s.er.done
		close(s.ix.stop)
		<-s.ix.done
		close(s.ck.stop)
		<-s.ck.done
		var moveErr error
		select {
		case moveErr = <-s.ix.err:
		default:
		}
		s.closeErr = errors.Join(moveErr, s.closeHandles())
	})
	return s.closeErr
}

// closeHandles closes the statements and connections. The write connection
// goes last: closing it checkpoints the WAL into the database file and
// flushes it.
func (s *Store) closeHandles() error {
	return errors.Join(s.ixStmts.close(), s.ixw.Close(), s.ckw.Close(), s.stmts.close(), s.tokenByHash.Close(), s.r.Close(), s.w.Close())
}

// closerFunc makes a close function an io.Closer.
type closerFunc func() error

func (f closerFunc) Close() error { return f() }

// Head returns the committed head. Errors wrap tooltrail.ErrUnavailable.
func (s *Store) Head(ctx context.Context) (tooltrail.Head, error) {
	return readHead(ctx, s.r)
}

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

const sqlReadHead = "SELECT size, root, last_ts FROM head WHERE one = 1"

func readHead(ctx context.Context, q queryer) (tooltrail.Head, error) {
	var (
		h    tooltrail.Head
		root []byte
		ts   int64
	)
	if err := q.QueryRowContext(ctx, sqlReadHead).Scan(&h.Size, &root, &ts); err != nil {
		return h, unavailable("read head", err)
	}
	if len(root) != tlog.HashSize {
		return h, fmt.Errorf("%w: head root has %d bytes", tooltrail.ErrCorrupt, len(root))
	}
	copy(h.Root[:], root)
	if h.Size > 0 {
		h.LastTime = time.UnixMicro(ts).UTC()
	}
	return h, nil
}

// unavailable wraps a database error so callers see tooltrail.ErrUnavailable.
func unavailable(what string, err error) error {
	return fmt.Errorf("sqlite: %s: %w: %w", what, tooltrail.ErrUnavailable, err)
}

// oneConn makes db a pool of one connection that stays open.
func oneConn(db *sql.DB) {
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
}
