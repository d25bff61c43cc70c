package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"strings"
	"syscall"

	"github.com/tooltrail/tooltrail/client"
)

// defaultServer is where the client commands look for a server.
const defaultServer = "http://127.0.0.1:7070"

// remoteFlags are the flags of every command that talks to a server.
type remoteFlags struct {
	server string
	token  string
}

func (r *remoteFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&r.server, "server", defaultServer, "`URL` of the tooltrail server")
	fs.StringVar(&r.token, "token", "", "bearer `TOKEN` to send; prefer TOOLTRAIL_TOKEN, which other users cannot see in ps")
}

// client returns a client for the server, or a usage error for a --server
// that is not an http(s) URL.
func (r *remoteFlags) client() (*client.Client, error) {
	u, err := url.Parse(r.server)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, usagef("--server %q is not a server URL: use http://HOST:PORT, such as %s", redactURL(r.server), defaultServer)
	}
	c := client.New(strings.TrimRight(r.server, "/"))
	c.Token = r.token
	return c, nil
}

// explain turns an error of the client into what the user should read: the
// server's own message, or that the server is not reachable and how to
// start one.
func (r *remoteFlags) explain(err error) error {
	var ce *client.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ce):
		return &serverError{ce}
	case unreachable(err):
		return fmt.Errorf("the server is not reachable at %s (%w)\n"+
			"Start one with 'tooltrail serve', or point --server (or TOOLTRAIL_URL) at a running server", redactURL(r.server), err)
	}
	return err
}

// serverError is an error answer of the server, shown as the server said it.
type serverError struct{ err *client.Error }

func (e *serverError) Error() string {
	return fmt.Sprintf("server said %d %s: %s", e.err.Status, e.err.Code, e.err.Message)
}

func (e *serverError) Unwrap() error { return e.err }

// unreachable reports whether err means no connection to the server could
// be made: a failed dial or name lookup.
func unreachable(err error) bool {
	var op *net.OpError
	var dns *net.DNSError
	return errors.As(err, &dns) || (errors.As(err, &op) && op.Op == "dial") || errors.Is(err, syscall.ECONNREFUSED)
}
