package auth

import (
	"net"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Defaults of the failed-authentication limit: an address may present
// DefaultFailureBurst unknown or revoked tokens at once, and one more
// every 1/DefaultFailureRate seconds after that.
const (
	DefaultFailureRate  = 1.0
	DefaultFailureBurst = 10
)

// maxFailureAddrs bounds how many addresses a FailureLimiter tracks, so
// that failures from many addresses cannot grow it without end.
const maxFailureAddrs = 1 << 16

// FailureLimiter bounds failed authentications per client address: once
// an address has spent its failures, its requests are refused before any
// token look-up until the bucket refills. IPv6 addresses count by their
// /64, which one host usually holds whole. The zero Rate means no limit.
// Safe for concurrent use.
type FailureLimiter struct {
	rate  rate.Limit
	burst int
	now   func() time.Time

	mu    sync.Mutex
	addrs map[netip.Prefix]*rate.Limiter
}

// NewFailureLimiter returns a limiter of rate failures a second and burst
// at once per address (burst below 1 is 1); rate 0 turns it off; now is
// the clock, nil for time.Now.
func NewFailureLimiter(r float64, burst int, now func() time.Time) *FailureLimiter {
	if now == nil {
		now = time.Now
	}
	return &FailureLimiter{rate: rate.Limit(r), burst: max(1, burst), now: now, addrs: make(map[netip.Prefix]*rate.Limiter)}
}

// Allow says whether a request from remote (an http.Request's RemoteAddr,
// host:port or host) may try a token now, and if not, after how long it
// may: it spends nothing, Failed does.
func (l *FailureLimiter) Allow(remote string) (bool, time.Duration) {
	if l == nil || l.rate <= 0 {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.addrs[clientOf(remote)]
	if !ok {
		return true, 0
	}
	now := l.now()
	if b.TokensAt(now) >= 1 {
		return true, 0
	}
	return false, wait(b, now)
}

// Failed counts one failed authentication from remote.
func (l *FailureLimiter) Failed(remote string) {
	if l == nil || l.rate <= 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	key := clientOf(remote)
	b, ok := l.addrs[key]
	if !ok {
		if len(l.addrs) >= maxFailureAddrs {
			l.forgetRefilled(now)
		}
		if len(l.addrs) >= maxFailureAddrs {
			// Every slot holds an address still failing: the newcomers
			// share one bucket rather than go unlimited.
			key = netip.Prefix{}
			b = l.addrs[key]
		}
		if b == nil {
			b = rate.NewLimiter(l.rate, l.burst)
			l.addrs[key] = b
		}
	}
	b.AllowN(now, 1)
}

// forgetRefilled drops the addresses whose buckets are full again: they
// are as if they had never failed.
func (l *FailureLimiter) forgetRefilled(now time.Time) {
	for k, b := range l.addrs {
		if b.TokensAt(now) >= float64(l.burst) {
			delete(l.addrs, k)
		}
	}
}

// clientOf returns the prefix remote counts under: the address itself
// for IPv4, its /64 for IPv6, the zero prefix for what is no address.
func clientOf(remote string) netip.Prefix {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Prefix{}
	}
	a = a.Unmap().WithZone("")
	bits := 32
	if a.Is6() {
		bits = 64
	}
	p, err := a.Prefix(bits)
	if err != nil {
		return netip.Prefix{}
	}
	return p
}
