package sqlite

import (
	"context"
	"database/sql"

	"github.com/tooltrail/tooltrail/internal/dict"
)

// Statements of the dictionary.
const (
	sqlNameID     = "SELECT id FROM names WHERE kind = ? AND value = ?"
	sqlInsertName = "INSERT INTO names (kind, value) VALUES (?, ?) RETURNING id"
)

// nameResolver resolves names inside one append transaction; what it
// learns reaches the cache only after the commit.
type nameResolver struct {
	tx    writeTx
	cache *dict.Cache
	seen  map[dict.Key]int64
}

// id returns the id of value of kind, inserting it when new; "" is NULL.
func (r *nameResolver) id(ctx context.Context, kind int16, value string) (any, error) {
	if value == "" {
		return nil, nil
	}
	k := dict.Key{Kind: kind, Value: value}
	if id, ok := r.seen[k]; ok {
		return id, nil
	}
	if id, ok := r.cache.Get(k); ok {
		return id, nil
	}
	var id int64
	err := r.tx.QueryRowContext(ctx, sqlNameID, kind, value).Scan(&id)
	if err == sql.ErrNoRows {
		err = r.tx.QueryRowContext(ctx, sqlInsertName, kind, value).Scan(&id)
	}
	if err != nil {
		return nil, unavailable("resolve name", err)
	}
	r.seen[k] = id
	return id, nil
}
