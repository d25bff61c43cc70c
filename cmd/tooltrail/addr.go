package main

import (
	"net"
	"strings"
)

// isLoopback says whether addr (host:port) names a loopback host: an
// address in 127.0.0.0/8, ::1, or localhost. It returns a usage error for
// an addr that is not host:port.
func isLoopback(addr string) (bool, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false, usagef("--addr %q is not HOST:PORT: %w", addr, err)
	}
	if strings.EqualFold(host, "localhost") {
		return true, nil
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback(), nil
}
