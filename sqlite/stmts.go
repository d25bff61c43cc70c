package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// stmtCache keeps the prepared statements of the write connection, so
// that an append does not parse its SQL again each time: preparing was a
// fifth of the CPU of a one-row append. They are prepared when the store
// opens, outside any transaction: the write pool has one connection, and
// a transaction holds it.
type stmtCache struct {
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

// writeQueries returns the statements of the append path.
func writeQueries() []string {
	qs := []string{sqlSchemaVersion, sqlReadHead, sqlUpdateHead, sqlReadHashes, sqlLeavesByCallID, sqlNameID, sqlInsertName}
	for _, rows := range chunkSizes {
		qs = append(qs, insertSQL(sqlInsertEntries, rows, entryCols), insertSQL(sqlInsertHashes, rows, hashCols))
	}
	return qs
}

// indexQueries returns the statements of the indexer.
func indexQueries() []string {
	return []string{sqlSchemaVersion, sqlIndexUpTo, sqlIndexInsert, sqlIndexCounts, sqlIndexDelete}
}

// newStmtCache prepares queries on db.
func newStmtCache(ctx context.Context, db *sql.DB, queries []string) (*stmtCache, error) {
	c := &stmtCache{m: make(map[string]*sql.Stmt)}
	for _, q := range queries {
		st, err := db.PrepareContext(ctx, q)
		if err != nil {
			return nil, errors.Join(err, c.close())
		}
		c.m[q] = st
	}
	return c, nil
}

func (c *stmtCache) get(query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[query]
}

func (c *stmtCache) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for _, st := range c.m {
		errs = append(errs, st.Close())
	}
	c.m = nil
	return errors.Join(errs...)
}

// writeTx is a transaction of the write connection that runs its
// statements from the cache; a query not in writeQueries is prepared in
// the transaction each time.
type writeTx struct {
	tx    *sql.Tx
	stmts *stmtCache
}

func (t writeTx) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st := t.stmts.get(query); st != nil {
		return t.tx.StmtContext(ctx, st), nil
	}
	return t.tx.PrepareContext(ctx, query)
}

func (t writeTx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := t.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

// QueryContext runs a query; writeTx is a queryer.
func (t writeTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := t.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// QueryRowContext runs a query of one row. A failure to prepare shows as
// the row's error.
func (t writeTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := t.stmt(ctx, query)
	if err != nil {
		return t.tx.QueryRowContext(ctx, query, args...) // reports the same error
	}
	return st.QueryRowContext(ctx, args...)
}
