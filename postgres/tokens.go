package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/auth"
)

var _ auth.Store = (*Store)(nil)

const sqlTokenCols = `id, name, role, "user", hash, created, revoked`

// CreateToken keeps t and returns it with its id. Errors:
// tooltrail.ErrConflict for a name used before; tooltrail.ErrUnavailable.
func (s *Store) CreateToken(ctx context.Context, t auth.Token) (auth.Token, error) {
	user := pgtype.Text{String: t.User, Valid: t.User != ""}
	err := s.pool.QueryRow(ctx, `INSERT INTO tokens (name, role, "user", hash, created) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		t.Name, string(t.Role), user, t.Hash[:], t.Created).Scan(&t.ID)
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" && pe.ConstraintName == "tokens_name_key" {
		return auth.Token{}, fmt.Errorf("%w: a token named %q exists or existed; names are never reused", tooltrail.ErrConflict, t.Name)
	}
	if err != nil {
		return auth.Token{}, unavailable("create token", err)
	}
	return t, nil
}

// Tokens returns every token, by id. Errors wrap tooltrail.ErrUnavailable.
func (s *Store) Tokens(ctx context.Context) ([]auth.Token, error) {
	rows, err := s.pool.Query(ctx, "SELECT "+sqlTokenCols+" FROM tokens ORDER BY id")
	if err != nil {
		return nil, unavailable("list tokens", err)
	}
	defer rows.Close()
	var out []auth.Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, unavailable("list tokens", err)
	}
	return out, nil
}

// RevokeToken marks the token named name revoked at at. Errors:
// tooltrail.ErrNotFound; tooltrail.ErrConflict when revoked already;
// tooltrail.ErrUnavailable.
func (s *Store) RevokeToken(ctx context.Context, name string, at time.Time) (auth.Token, error) {
	t, err := scanToken(s.pool.QueryRow(ctx, "UPDATE tokens SET revoked = $1 WHERE name = $2 AND revoked IS NULL RETURNING "+sqlTokenCols, at, name))
	// This store's own look-ups see the revocation as soon as it returns,
	// not only once the listener hears of it.
	s.tokens.forget()
	if !errors.Is(err, tooltrail.ErrNotFound) {
		return t, err
	}
	var revoked pgtype.Timestamptz
	switch err := s.pool.QueryRow(ctx, "SELECT revoked FROM tokens WHERE name = $1", name).Scan(&revoked); {
	case errors.Is(err, pgx.ErrNoRows):
		return auth.Token{}, fmt.Errorf("%w: no token named %q", tooltrail.ErrNotFound, name)
	case err != nil:
		return auth.Token{}, unavailable("revoke token", err)
	}
	return auth.Token{}, fmt.Errorf("%w: the token %q was revoked already", tooltrail.ErrConflict, name)
}

// TokenByHash returns the token whose secret hashes to h: from memory
// when this store looked it up before and no process changed the tokens
// since (a listener hears of every change within milliseconds of its
// commit), else from the database. Errors: tooltrail.ErrNotFound;
// tooltrail.ErrUnavailable.
func (s *Store) TokenByHash(ctx context.Context, h auth.Hash) (auth.Token, error) {
	now := time.Now()
	t, gen, ok := s.tokens.get(h, now)
	if ok {
		return t, nil
	}
	t, err := scanToken(s.pool.QueryRow(ctx, "SELECT "+sqlTokenCols+" FROM tokens WHERE hash = $1", h[:]))
	if err == nil {
		s.tokens.put(t, gen, now)
	}
	return t, err
}

func scanToken(row pgx.Row) (auth.Token, error) {
	var (
		t       auth.Token
		role    string
		user    pgtype.Text
		hash    []byte
		revoked pgtype.Timestamptz
	)
	err := row.Scan(&t.ID, &t.Name, &role, &user, &hash, &t.Created, &revoked)
	if errors.Is(err, pgx.ErrNoRows) {
		return t, fmt.Errorf("%w: no such token", tooltrail.ErrNotFound)
	}
	if err != nil {
		return t, unavailable("read token", err)
	}
	if len(hash) != len(t.Hash) {
		return t, fmt.Errorf("postgres: %w: token %d has a hash of %d bytes", tooltrail.ErrCorrupt, t.ID, len(hash))
	}
	t.Role, t.User, t.Hash, t.Created = auth.Role(role), user.String, auth.Hash(hash), t.Created.UTC()
	if revoked.Valid {
		t.Revoked = revoked.Time.UTC()
	}
	return t, nil
}
