package sqlite

import (
	"context"
	"database/sql"
	"errors"
)

// ImportMark returns how far the imports of source reached, 0 when none
// did. Errors wrap tooltrail.ErrUnavailable.
func (s *Store) ImportMark(ctx context.Context, source string) (int64, error) {
	var through int64
	err := s.r.QueryRowContext(ctx, "SELECT through FROM import_marks WHERE source = ?", source).Scan(&through)
	if errors.Is(err, sql.ErrNoRows) {
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
	_, err := s.w.ExecContext(ctx, `INSERT INTO import_marks (source, through) VALUES (?, ?)
ON CONFLICT (source) DO UPDATE SET through = excluded.through WHERE excluded.through > import_marks.through`, source, through)
	if err != nil {
		return unavailable("save import mark", err)
	}
	return nil
}
