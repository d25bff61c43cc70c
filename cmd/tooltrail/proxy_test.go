package main

import (
	"net"
	"sync"
	"testing"
)

// faultProxy is a TCP proxy between tooltrail and PostgreSQL that a test
// can cut (connections stay open but nothing passes, as when a network
// drops packets) and restore (the stalled connections are closed, new ones
// pass again).
type faultProxy struct {
	ln     net.Listener
	target string

	mu    sync.Mutex
	cut   bool
	conns []net.Conn
}

func newFaultProxy(t *testing.T, target string) *faultProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &faultProxy{ln: ln, target: target}
	go p.serve()
	t.Cleanup(func() { ln.Close(); p.closeAll() })
	return p
}

func (p *faultProxy) addr() string { return p.ln.Addr().String() }

func (p *faultProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.pipe(c)
	}
}

func (p *faultProxy) pipe(c net.Conn) {
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	p.conns = append(p.conns, c, up)
	p.mu.Unlock()
	go p.copy(up, c)
	p.copy(c, up)
}

// copy moves bytes from src to dst until either closes; while cut, the
// bytes read are dropped, so the far side waits.
func (p *faultProxy) copy(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			cut := p.cut
			p.mu.Unlock()
			if !cut {
				if _, werr := dst.Write(buf[:n]); werr != nil {
					return
				}
			}
		}
		if err != nil {
			// PostgreSQL's protocol has no half-close: one side gone ends both.
			dst.Close()
			return
		}
	}
}

// Cut makes the proxy drop everything, silently.
func (p *faultProxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = true
}

// Restore closes the connections that were open during the cut (their
// protocol state is lost) and lets new ones through.
func (p *faultProxy) Restore() {
	p.closeAll()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = false
}

func (p *faultProxy) closeAll() {
	p.mu.Lock()
	conns := p.conns
	p.conns = nil
	p.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
}
