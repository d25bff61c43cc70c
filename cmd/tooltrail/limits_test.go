package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestIdleConnectionsCannotLockOut holds five times --max-connections
// idle keep-alive connections, as a script can, and checks that a health
// check and an admin's count still answer.
func TestIdleConnectionsCannotLockOut(t *testing.T) {
	s := startServer(t, t.TempDir(), "--max-connections", "20")
	u, err := url.Parse(s.url)
	if err != nil {
		t.Fatal(err)
	}
	var held []net.Conn
	for i := range 100 {
		c, err := net.Dial("tcp", u.Host)
		if err != nil {
			t.Fatalf("connection %d: %v", i+1, err)
		}
		defer c.Close()
		held = append(held, c)
		fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: %s\r\n\r\n", u.Host)
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("connection %d: %v", i+1, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	hc := &http.Client{Timeout: 5 * time.Second}
	resp, err := hc.Get(s.url + "/healthz")
	if err != nil {
		t.Fatalf("GET /healthz behind 100 idle connections: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /healthz: %d, want 200", resp.StatusCode)
	}
	if r := s.run(t, "count"); r.code != 0 || strings.TrimSpace(r.stdout) != "0" {
		t.Errorf("count behind 100 idle connections: exit %d, %q %s", r.code, r.stdout, r.stderr)
	}
	cut := 0
	for _, c := range held {
		_ = c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		if _, err := c.Read(make([]byte, 1)); err == io.EOF {
			cut++
		}
	}
	if cut < 80 {
		t.Errorf("the server closed %d of 100 idle connections, want at least 80: it holds more than --max-connections 20", cut)
	}
}

// TestLiveStreamLimits checks the per-token cap of live streams, their
// lifetime, and that a server with a stream open stops at once.
func TestLiveStreamLimits(t *testing.T) {
	s := startServer(t, t.TempDir(), "--max-streams-per-token", "2", "--stream-lifetime", "2s")
	open := func() *http.Response {
		req, err := http.NewRequest(http.MethodGet, s.url+"/v1/entries/stream", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+s.token(t))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	first, second := open(), open()
	if first.StatusCode != http.StatusOK || second.StatusCode != http.StatusOK {
		t.Fatalf("two streams within the cap: %d and %d, want 200", first.StatusCode, second.StatusCode)
	}
	third := open()
	body, _ := io.ReadAll(third.Body)
	if third.StatusCode != http.StatusTooManyRequests || !strings.Contains(string(body), "this token holds 2 live streams") {
		t.Errorf("a third stream of one token: %d %s, want 429 saying the cap", third.StatusCode, body)
	}

	ended := make(chan error, 1)
	start := time.Now()
	go func() { _, err := io.Copy(io.Discard, first.Body); ended <- err }()
	select {
	case err := <-ended:
		if err != nil {
			t.Errorf("a stream at its lifetime ended with %v, want a clean end", err)
		}
		if took := time.Since(start); took < time.Second {
			t.Errorf("a stream of a 2 s lifetime ended after %v", took)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a stream of a 2 s lifetime was still open after 10 s")
	}
	second.Body.Close()

	// A stream open while the server stops must not hold the shutdown.
	_ = open()
	start = time.Now()
	if code := s.stop(t); code != 0 {
		t.Errorf("serve with a live stream open exited %d, want 0\nstderr: %s", code, s.stderr)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("serve took %v to stop with a live stream open, want well under its 30 s grace", took)
	}
}
