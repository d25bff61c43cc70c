package live_test

import (
	"errors"
	"testing"
	"time"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/live"
)

func TestStreamsBounds(t *testing.T) {
	s := live.NewStreams(2, 3, time.Hour)
	ctx := t.Context()
	_, a1, err := s.Open(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Open(ctx, 1); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		token int64
		want  error
	}{
		{"a third stream of one token", 1, tooltrail.ErrRateLimited},
		{"another token's first", 2, nil},
		{"a fourth stream in all", 3, tooltrail.ErrRateLimited},
	}
	for _, tt := range tests {
		if _, _, err := s.Open(ctx, tt.token); !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
	a1()
	a1() // a second release gives nothing back twice
	if s.Count() != 2 {
		t.Errorf("after one release, %d open, want 2", s.Count())
	}
	sctx, release, err := s.Open(ctx, 1)
	if err != nil {
		t.Fatalf("a token's stream after it released one: %v", err)
	}
	defer release()
	if _, _, err := s.Open(ctx, 3); !errors.Is(err, tooltrail.ErrRateLimited) {
		t.Errorf("past the total after a release and an open: %v, want ErrRateLimited", err)
	}
	s.Close()
	select {
	case <-sctx.Done():
	case <-time.After(time.Second):
		t.Error("Close did not end an open stream")
	}
	if _, _, err := s.Open(ctx, 9); !errors.Is(err, tooltrail.ErrUnavailable) {
		t.Errorf("Open after Close: %v, want ErrUnavailable", err)
	}
}

func TestStreamsLifetime(t *testing.T) {
	s := live.NewStreams(0, 0, 50*time.Millisecond)
	ctx, release, err := s.Open(t.Context(), 1)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
		t.Error("a stream outlived its lifetime")
	}
}
