package main

import (
	"net"
	"strings"
)

// checkLoopback returns a usage error unless addr (host:port) names a
// loopback host: an address in 127.0.0.0/8, ::1, or localhost. Until the
// server authenticates its callers, it must not be reachable from other
// machines.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return usagef("--addr %q is not HOST:PORT: %w", addr, err)
	}
	if strings.EqualFold(host, "localhost") {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	shown := host
	if shown == "" {
		shown = "every interface"
	}
	return usagef("--addr %q listens on %s: tooltrail serve has no authentication yet, so it listens on a loopback address only "+
		"(127.0.0.1, ::1 or localhost, e.g. --addr 127.0.0.1:7070); put a reverse proxy that authenticates in front of it to serve other machines",
		addr, shown)
}
