package live

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/tooltrail/tooltrail"
)

// Defaults of Streams: how many streams one token and the whole server
// may hold open, and how long one stream lasts before the client must
// reconnect (EventSource does, with Last-Event-ID, and misses nothing).
const (
	DefaultPerToken = 16
	DefaultTotal    = 512
	DefaultLifetime = time.Hour
)

// Streams bounds the live streams of a server: per token, in all, and in
// time, and ends them all at Close. The zero value is not usable; make
// one with NewStreams. Safe for concurrent use.
type Streams struct {
	perToken int
	total    int
	lifetime time.Duration

	mu      sync.Mutex
	byToken map[int64]int
	open    map[*streamSlot]struct{}
	closed  bool
}

type streamSlot struct {
	token  int64
	cancel context.CancelFunc
}

// NewStreams returns a registry of at most perToken streams a token,
// total in all, each ending after lifetime; values of 0 or less take
// DefaultPerToken, DefaultTotal and DefaultLifetime.
func NewStreams(perToken, total int, lifetime time.Duration) *Streams {
	if perToken <= 0 {
		perToken = DefaultPerToken
	}
	if total <= 0 {
		total = DefaultTotal
	}
	if lifetime <= 0 {
		lifetime = DefaultLifetime
	}
	return &Streams{perToken: perToken, total: total, lifetime: lifetime,
		byToken: make(map[int64]int), open: make(map[*streamSlot]struct{})}
}

// Open takes a slot for a stream of the token of that id (0 for a server
// without tokens) and returns a context that ends with ctx, at the
// stream's lifetime or at Close, and the function that gives the slot
// back, which the caller must call. Errors: tooltrail.ErrRateLimited
// when the token or the server holds as many streams as allowed;
// tooltrail.ErrUnavailable after Close.
func (s *Streams) Open(ctx context.Context, token int64) (context.Context, func(), error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return nil, nil, fmt.Errorf("%w: the server is shutting down", tooltrail.ErrUnavailable)
	case s.byToken[token] >= s.perToken:
		return nil, nil, fmt.Errorf("%w: this token holds %d live streams, as many as one token may; close one", tooltrail.ErrRateLimited, s.perToken)
	case len(s.open) >= s.total:
		return nil, nil, fmt.Errorf("%w: the server holds %d live streams, as many as it allows; try again later", tooltrail.ErrRateLimited, s.total)
	}
	ctx, cancel := context.WithTimeout(ctx, s.lifetime)
	slot := &streamSlot{token: token, cancel: cancel}
	s.open[slot] = struct{}{}
	s.byToken[token]++
	var once sync.Once
	release := func() {
		once.Do(func() {
			cancel()
			s.mu.Lock()
			defer s.mu.Unlock()
			delete(s.open, slot)
			if s.byToken[token]--; s.byToken[token] <= 0 {
				delete(s.byToken, token)
			}
		})
	}
	return ctx, release, nil
}

// Count returns how many streams are open.
func (s *Streams) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.open)
}

// Close ends every open stream and refuses new ones, so that a server
// shutting down does not wait for clients that never leave.
func (s *Streams) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	for slot := range s.open {
		slot.cancel()
	}
}
