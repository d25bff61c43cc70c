package sqlite

import (
	"context"
	"path/filepath"
	"testing"
)

// BenchmarkCheckSchema measures what checkSchema adds to a transaction of
// the write connection: an empty one begun and rolled back, without and
// with the check.
func BenchmarkCheckSchema(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, Config{Path: filepath.Join(b.TempDir(), "bench.db")})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for _, tc := range []struct {
		name  string
		check bool
	}{{"without", false}, {"with", true}} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				tx, err := s.w.BeginTx(ctx, nil)
				if err != nil {
					b.Fatal(err)
				}
				if tc.check {
					if err := s.checkSchema(ctx, writeTx{tx: tx, stmts: s.stmts}); err != nil {
						b.Fatal(err)
					}
				}
				if err := tx.Rollback(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
