package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/sqlite"
	"github.com/tooltrail/tooltrail/storetest"
)

func openTemp(t *testing.T) tooltrail.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), sqlite.Config{Path: filepath.Join(t.TempDir(), "log.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) { storetest.Run(t, openTemp) }
