package connlimit_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tooltrail/tooltrail/internal/connlimit"
)

// serve runs an HTTP server behind a limiter of n connections whose
// handler waits for release on /wait, and returns its address.
func serve(t *testing.T, n int, release chan struct{}) (string, *connlimit.Limiter) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := connlimit.New(n, nil)
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/wait" {
				<-release
			}
			io.WriteString(w, "ok")
		}),
		ConnState: l.ConnState,
	}
	go srv.Serve(l.Listener(ln))
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String(), l
}

// get sends one request on c and reads its answer; the connection stays
// open (keep-alive).
func get(c net.Conn, path string) (string, error) {
	if _, err := fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path); err != nil {
		return "", err
	}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// closed says whether the server closed c within a few seconds.
func closed(c net.Conn) bool {
	_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
	_, err := c.Read(make([]byte, 1))
	return err == io.EOF || (err != nil && !strings.Contains(err.Error(), "timeout"))
}

func TestIdleConnectionsMakeRoom(t *testing.T) {
	tests := []struct {
		name string
		prep func(c net.Conn) error // what each of the first four connections does
	}{
		{"keep-alive after a request", func(c net.Conn) error { _, err := get(c, "/"); return err }},
		{"nothing sent", func(net.Conn) error { return nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr, l := serve(t, 4, nil)
			var held []net.Conn
			for i := range 4 {
				c := dial(t, addr)
				if err := tt.prep(c); err != nil {
					t.Fatalf("connection %d: %v", i+1, err)
				}
				held = append(held, c)
				time.Sleep(10 * time.Millisecond) // an order of idleness
			}
			waitOpen(t, l, 4)
			fresh := dial(t, addr)
			if body, err := get(fresh, "/"); err != nil || body != "ok" {
				t.Fatalf("a request beyond the cap of idle connections: %q, %v; want ok", body, err)
			}
			if !closed(held[0]) {
				t.Error("the connection idle longest was not closed to make room")
			}
			if body, err := get(held[3], "/"); err != nil || body != "ok" {
				t.Errorf("a connection idle for less time was closed: %q, %v", body, err)
			}
			if l.Evicted() != 1 || l.Open() > 4 {
				t.Errorf("evicted %d, open %d; want 1 and at most 4", l.Evicted(), l.Open())
			}
		})
	}
}

func TestBusyConnectionsRefuseNewOnes(t *testing.T) {
	release := make(chan struct{})
	addr, l := serve(t, 2, release)
	done := make(chan error, 2)
	for range 2 {
		c := dial(t, addr)
		go func() { _, err := get(c, "/wait"); done <- err }()
	}
	waitOpen(t, l, 2)
	time.Sleep(50 * time.Millisecond) // both requests are being served
	extra := dial(t, addr)
	if _, err := get(extra, "/"); err == nil {
		t.Error("a connection beyond a cap of busy ones was served")
	}
	if l.Refused() != 1 || l.Evicted() != 0 {
		t.Errorf("refused %d, evicted %d; want 1 and 0: busy connections are never cut", l.Refused(), l.Evicted())
	}
	close(release)
	for range 2 {
		if err := <-done; err != nil {
			t.Errorf("a busy request was cut: %v", err)
		}
	}
	if body, err := get(dial(t, addr), "/"); err != nil || body != "ok" {
		t.Errorf("after the busy requests ended: %q, %v; want ok", body, err)
	}
}

func waitOpen(t *testing.T, l *connlimit.Limiter, n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); l.Open() != n; {
		if time.Now().After(deadline) {
			t.Fatalf("%d connections open, want %d", l.Open(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
