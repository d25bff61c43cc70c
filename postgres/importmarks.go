package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
)

// ImportMark returns how far the imports of source reached, 0 when none
// did. Errors wrap tooltrail.ErrUnavailable.
func (s *Store) ImportMark(ctx context.Context, source string) (int64, error) {
	var through int64
	err := s.pool.QueryRow(ctx, "SELECT through FROM import_marks WHERE source = $1", source).Scan(&through)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, unavailable("read import mark", err)
	}
	return through, nil
}

// SetImportMark moves the mark of source up to through, never down.
// Errors wrap tooltrail.ErrUnavailable.
func (s *Store) SetImportMark(ctx context.Context, source string, through int64) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO import_marks (source, through) VALUES ($1, $2)
ON CONFLICT (source) DO UPDATE SET through = excluded.through WHERE excluded.through > import_marks.through`, source, through)
	if err != nil {
		return unavailable("save import mark", err)
	}
	return nil
}
