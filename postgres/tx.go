package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// querier runs statements: the pool, or the connection of a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// rollbackTimeout bounds the ROLLBACK of a failed transaction, which runs
// even when the caller's context has ended.
const rollbackTimeout = 5 * time.Second

// writeTx is a write transaction on one connection of the pool that this
// package begins and commits itself, so that BEGIN rides in the same round
// trip as the statements after it and COMMIT in the same as those before
// it: fewer round trips while the head row is locked.
type writeTx struct {
	conn *pgxpool.Conn
}

// acquire takes a connection of the pool for a writeTx.
func (s *Store) acquire(ctx context.Context) (*writeTx, error) {
	c, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, unavailable("acquire connection", err)
	}
	return &writeTx{conn: c}, nil
}

// Query runs a statement inside the transaction.
func (t *writeTx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	return t.conn.Query(ctx, sql, args...)
}

// QueryRow runs a statement of one row inside the transaction.
func (t *writeTx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return t.conn.QueryRow(ctx, sql, args...)
}

// send sends a batch on the transaction's connection. A batch is sent with
// one Sync: after an error the server skips the rest of it, COMMIT too.
func (t *writeTx) send(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	return t.conn.SendBatch(ctx, b)
}

// release rolls back whatever the transaction has not committed and gives
// the connection back to the pool (which drops it if it is broken).
func (t *writeTx) release(ctx context.Context) {
	c := t.conn.Conn()
	if !c.IsClosed() && c.PgConn().TxStatus() != 'I' {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
		_, _ = c.Exec(rctx, "ROLLBACK") // on failure the pool drops the connection, which rolls back too
		cancel()
	}
	t.conn.Release()
}

// committed tells whether the result of a queued COMMIT says the
// transaction committed (a COMMIT of a failed transaction says ROLLBACK).
func committed(tag pgconn.CommandTag) bool { return tag.String() == "COMMIT" }
