package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/auth"
)

var _ auth.Store = (*Store)(nil)

const sqlTokenCols = "id, name, role, user, hash, created, revoked"

const sqlTokenByHash = "SELECT " + sqlTokenCols + " FROM tokens WHERE hash = ?"

// CreateToken keeps t and returns it with its id. Errors:
// tooltrail.ErrConflict for a name used before; tooltrail.ErrUnavailable.
func (s *Store) CreateToken(ctx context.Context, t auth.Token) (auth.Token, error) {
	var user any
	if t.User != "" {
		user = t.User
	}
	err := s.w.QueryRowContext(ctx, "INSERT INTO tokens (name, role, user, hash, created) VALUES (?, ?, ?, ?, ?) RETURNING id",
		t.Name, string(t.Role), user, t.Hash[:], t.Created.UnixMicro()).Scan(&t.ID)
	if err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed: tokens.name") {
		return auth.Token{}, fmt.Errorf("%w: a token named %q exists or existed; names are never reused", tooltrail.ErrConflict, t.Name)
	}
	if err != nil {
		return auth.Token{}, unavailable("create token", err)
	}
	return t, nil
}

// Tokens returns every token, by id. Errors wrap tooltrail.ErrUnavailable.
func (s *Store) Tokens(ctx context.Context) ([]auth.Token, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT "+sqlTokenCols+" FROM tokens ORDER BY id")
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
	row := s.w.QueryRowContext(ctx, "UPDATE tokens SET revoked = ? WHERE name = ? AND revoked IS NULL RETURNING "+sqlTokenCols, at.UnixMicro(), name)
	t, err := scanToken(row)
	if errors.Is(err, tooltrail.ErrNotFound) {
		var revoked sql.NullInt64
		switch err := s.w.QueryRowContext(ctx, "SELECT revoked FROM tokens WHERE name = ?", name).Scan(&revoked); {
		case err == sql.ErrNoRows:
			return auth.Token{}, fmt.Errorf("%w: no token named %q", tooltrail.ErrNotFound, name)
		case err != nil:
			return auth.Token{}, unavailable("revoke token", err)
		}
		return auth.Token{}, fmt.Errorf("%w: the token %q was revoked already", tooltrail.ErrConflict, name)
	}
	return t, err
}

// TokenByHash returns the token whose secret hashes to h. Errors:
// tooltrail.ErrNotFound; tooltrail.ErrUnavailable.
func (s *Store) TokenByHash(ctx context.Context, h auth.Hash) (auth.Token, error) {
	return scanToken(s.tokenByHash.QueryRowContext(ctx, h[:]))
}

type scanner interface{ Scan(dest ...any) error }

func scanToken(row scanner) (auth.Token, error) {
	var (
		t       auth.Token
		role    string
		user    sql.NullString
		hash    []byte
		created int64
		revoked sql.NullInt64
	)
	err := row.Scan(&t.ID, &t.Name, &role, &user, &hash, &created, &revoked)
	if err == sql.ErrNoRows {
		return t, fmt.Errorf("%w: no such token", tooltrail.ErrNotFound)
	}
	if err != nil {
		return t, unavailable("read token", err)
	}
	if len(hash) != len(t.Hash) {
		return t, fmt.Errorf("%w: token %d has a hash of %d bytes", tooltrail.ErrCorrupt, t.ID, len(hash))
	}
	t.Role, t.User, t.Hash = auth.Role(role), user.String, auth.Hash(hash)
	t.Created = time.UnixMicro(created).UTC()
	if revoked.Valid {
		t.Revoked = time.UnixMicro(revoked.Int64).UTC()
	}
	return t, nil
}
