package mcpproxy

import (
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// stopGrace is how long a server process is given to exit after its stdin
// closes, and again after SIGTERM, before it is killed; MCP's stdio
// transport asks for that order.
const stopGrace = 5 * time.Second

// StartCommand starts cmd as an MCP server speaking stdio and returns the
// connection to it. Its standard error goes where cmd.Stderr says. Closing
// the connection closes the server's stdin, then sends SIGTERM and at last
// SIGKILL, each after stopGrace, and reaps it. Errors: those of starting
// the process.
func StartCommand(cmd *exec.Cmd, maxLine int) (*LineConn, error) {
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the MCP server %s: %w", cmd.Path, err)
	}
	p := &process{cmd: cmd, stdin: stdin, exited: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()
	return NewLineConn(stdout, stdin, p, maxLine), nil
}

// process stops a server process in the order MCP's stdio transport
// gives.
type process struct {
	cmd     *exec.Cmd
	stdin   io.Closer
	exited  chan struct{}
	waitErr error
	once    sync.Once
	err     error
}

func (p *process) Close() error {
	p.once.Do(func() {
		p.stdin.Close()
		for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL} {
			select {
			case <-p.exited:
				p.err = p.exitError()
				return
			case <-time.After(stopGrace):
				p.cmd.Process.Signal(sig)
			}
		}
		<-p.exited
		p.err = p.exitError()
	})
	return p.err
}

// exitError is nil for an exit on a signal the proxy sent or a clean exit.
func (p *process) exitError() error {
	var ee *exec.ExitError
	if p.waitErr == nil || (errors.As(p.waitErr, &ee) && !ee.Exited()) {
		return nil
	}
	return fmt.Errorf("the MCP server %s: %w", p.cmd.Path, p.waitErr)
}

// ServerEnv returns env without the variables that hold tooltrail's
// credentials and settings (TOOLTRAIL_*), which the MCP server must not
// see.
func ServerEnv(env []string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		if !strings.HasPrefix(kv, "TOOLTRAIL_") {
			out = append(out, kv)
		}
	}
	return out
}
