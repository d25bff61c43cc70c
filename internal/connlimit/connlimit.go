// Package connlimit caps the open connections of an HTTP server. At the
// cap, a new connection takes the place of the one idle longest (a
// keep-alive connection between requests, or one that has sent nothing
// yet), so that clients holding idle connections cannot lock out the
// ones with requests to make; when none is idle the new one is closed.
package connlimit

import (
	"crypto/tls"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Limiter counts a server's connections. Wrap the listener with Listener
// and set the server's ConnState to the Limiter's ConnState. Safe for
// concurrent use.
type Limiter struct {
	max int
	now func() time.Time

	mu    sync.Mutex
	conns map[net.Conn]*conn

	evicted atomic.Int64
	refused atomic.Int64
}

type conn struct {
	idleSince time.Time // zero while a request is served
}

// New returns a limiter of at most n connections (1 when below);
// now is the clock, nil for time.Now.
func New(n int, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{max: max(1, n), now: now, conns: make(map[net.Conn]*conn)}
}

// Listener returns ln, whose Accept makes room for each new connection
// or closes it.
func (l *Limiter) Listener(ln net.Listener) net.Listener { return &listener{Listener: ln, l: l} }

type listener struct {
	net.Listener
	l *Limiter
}

// Accept returns the next connection the cap lets in; errors are those
// of the listener.
func (ln *listener) Accept() (net.Conn, error) {
	for {
		c, err := ln.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if ln.l.admit(c) {
			return c, nil
		}
		c.Close()
	}
}

// admit registers c, closing the connection idle longest when the cap is
// reached; false when every connection is busy.
func (l *Limiter) admit(c net.Conn) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.conns) >= l.max {
		var oldest net.Conn
		var since time.Time
		for k, v := range l.conns {
			if !v.idleSince.IsZero() && (oldest == nil || v.idleSince.Before(since)) {
				oldest, since = k, v.idleSince
			}
		}
		if oldest == nil {
			l.refused.Add(1)
			return false
		}
		// The server sees the close and reports StateClosed, which
		// forgets it; until then it no longer counts.
		delete(l.conns, oldest)
		oldest.Close()
		l.evicted.Add(1)
	}
	l.conns[c] = &conn{idleSince: l.now()}
	return true
}

// ConnState is the http.Server.ConnState hook that tells the limiter
// which connections are idle and which are gone.
func (l *Limiter) ConnState(c net.Conn, s http.ConnState) {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	switch s {
	case http.StateClosed, http.StateHijacked:
		delete(l.conns, c)
	case http.StateActive:
		if v, ok := l.conns[c]; ok {
			v.idleSince = time.Time{}
		}
	case http.StateIdle:
		if v, ok := l.conns[c]; ok {
			v.idleSince = l.now()
		}
	}
}

// Open returns how many connections are open.
func (l *Limiter) Open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.conns)
}

// Evicted returns how many idle connections were closed to make room.
func (l *Limiter) Evicted() int64 { return l.evicted.Load() }

// Refused returns how many new connections were closed because every
// open one was busy.
func (l *Limiter) Refused() int64 { return l.refused.Load() }
