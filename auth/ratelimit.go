package auth

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiter is a token bucket per token: each may send Rate requests a
// second, Burst at once. The zero Rate means no limit. Safe for
// concurrent use.
type Limiter struct {
	rate  rate.Limit
	burst int
	now   func() time.Time

	mu      sync.Mutex
	buckets map[int64]*rate.Limiter
}

// NewLimiter returns a limiter of rate requests a second and burst at once
// per token (burst below 1 is 1); now is the clock, nil for time.Now.
func NewLimiter(r float64, burst int, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{rate: rate.Limit(r), burst: max(1, burst), now: now, buckets: make(map[int64]*rate.Limiter)}
}

// Allow says whether the token of that id may send a request now, and if
// not, after how long it may.
func (l *Limiter) Allow(id int64) (bool, time.Duration) {
	if l == nil || l.rate <= 0 {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[id]
	if !ok {
		b = rate.NewLimiter(l.rate, l.burst)
		l.buckets[id] = b
	}
	return take(b, l.now())
}

// take spends one request of b at now if it has one, and otherwise says
// how long until it has.
func take(b *rate.Limiter, now time.Time) (bool, time.Duration) {
	if b.AllowN(now, 1) {
		return true, 0
	}
	return false, wait(b, now)
}

// wait is how long until b holds one whole request again.
func wait(b *rate.Limiter, now time.Time) time.Duration {
	missing := 1 - b.TokensAt(now)
	return max(time.Millisecond, time.Duration(missing/float64(b.Limit())*float64(time.Second)))
}
