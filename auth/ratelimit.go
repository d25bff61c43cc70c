package auth

import (
	"math"
	"sync"
	"time"
)

// Limiter is a token bucket per token: each may send Rate requests a
// second, Burst at once. The zero Rate means no limit. Safe for
// concurrent use.
type Limiter struct {
	rate  float64
	burst float64
	now   func() time.Time

	mu      sync.Mutex
	buckets map[int64]*bucket
}

type bucket struct {
	level float64 // requests that may still go now
	at    time.Time
}

// NewLimiter returns a limiter of rate requests a second and burst at once
// per token (burst below 1 is 1); now is the clock, nil for time.Now.
func NewLimiter(rate float64, burst int, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{rate: rate, burst: math.Max(1, float64(burst)), now: now, buckets: make(map[int64]*bucket)}
}

// Allow says whether the token of that id may send a request now, and if
// not, after how long it may.
func (l *Limiter) Allow(id int64) (bool, time.Duration) {
	if l == nil || l.rate <= 0 {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b, ok := l.buckets[id]
	if !ok {
		b = &bucket{level: l.burst, at: now}
		l.buckets[id] = b
	}
	b.level = math.Min(l.burst, b.level+now.Sub(b.at).Seconds()*l.rate)
	b.at = now
	if b.level >= 1 {
		b.level--
		return true, 0
	}
	wait := time.Duration((1 - b.level) / l.rate * float64(time.Second))
	return false, wait
}
