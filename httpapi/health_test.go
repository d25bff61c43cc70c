package httpapi_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/httpapi"
	"github.com/tooltrail/tooltrail/sqlite"
)

// faultyStore is a real SQLite store whose appends fail (as on a full
// disk) or whose head read hangs (as behind a blackholed network) while
// the test says so.
type faultyStore struct {
	tooltrail.Store
	failAppends atomic.Bool
	hangHead    atomic.Bool
}

func (s *faultyStore) Append(ctx context.Context, seal tooltrail.SealFunc) error {
	if s.failAppends.Load() {
		return errors.New("database or disk is full")
	}
	return s.Store.Append(ctx, seal)
}

func (s *faultyStore) Head(ctx context.Context) (tooltrail.Head, error) {
	if s.hangHead.Load() {
		<-ctx.Done() // as a driver that honours its context
		return tooltrail.Head{}, ctx.Err()
	}
	return s.Store.Head(ctx)
}

// TestHealthAndReadiness checks what a load balancer sees: liveness stays
// up while the store cannot record and readiness goes down, and both
// answer within their bound while the store hangs.
func TestHealthAndReadiness(t *testing.T) {
	ctx := context.Background()
	inner, err := sqlite.Open(ctx, sqlite.Config{Path: filepath.Join(t.TempDir(), "log.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer inner.Close()
	store := &faultyStore{Store: inner}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	log, err := tooltrail.New(ctx, store, tooltrail.Config{Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	srv := httptest.NewServer(httpapi.New(log, httpapi.Config{Logger: logger}))
	defer srv.Close()
	status := func(path string) int {
		t.Helper()
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	record := func() {
		if _, err := log.Record(ctx, tooltrail.Call{ToolName: "write_file"}); err != nil && !store.failAppends.Load() {
			t.Fatal(err)
		}
	}

	record()
	steps := []struct {
		name        string
		do          func()
		wantHealthz int
		wantReadyz  int
	}{
		{"Recording", func() {}, 200, 200},
		{"OneFailedCommit", func() { store.failAppends.Store(true); record() }, 200, 200},
		{"ThreeFailedCommitsInARow", func() { record(); record() }, 200, 503},
		{"CommitsAgain", func() { store.failAppends.Store(false); record() }, 200, 200},
	}
	for _, st := range steps {
		st.do()
		if got := status("/healthz"); got != st.wantHealthz {
			t.Errorf("%s: /healthz %d, want %d", st.name, got, st.wantHealthz)
		}
		if got := status("/readyz"); got != st.wantReadyz {
			t.Errorf("%s: /readyz %d, want %d", st.name, got, st.wantReadyz)
		}
	}

	store.hangHead.Store(true)
	for _, path := range []string{"/healthz", "/readyz"} {
		start := time.Now()
		if got := status(path); got != http.StatusServiceUnavailable {
			t.Errorf("%s while the store hangs: %d, want 503", path, got)
		}
		if took := time.Since(start); took > 10*time.Second {
			t.Errorf("%s while the store hangs took %v: the probe is not bounded", path, took)
		}
	}
}
