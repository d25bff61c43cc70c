package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/tooltrail/tooltrail"
)

// usageError is a command line the command cannot run: exit status 2.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// usagef returns a usage error; %w wraps as in fmt.Errorf.
func usagef(format string, args ...any) error {
	return &usageError{fmt.Errorf(format, args...)}
}

// report prints err for the user and returns the exit status it calls for.
func report(w io.Writer, cmd string, err error) int {
	var ue *usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(w, "tooltrail %s: %v\nRun 'tooltrail %s -h' for usage.\n", cmd, err, cmd)
		return exitUsage
	case errors.Is(err, tooltrail.ErrUnauthenticated):
		fmt.Fprintf(w, "tooltrail: %v\nSet TOOLTRAIL_TOKEN (or --token) to a token of the server's store: 'tooltrail token create --data DIR' makes one.\n", err)
		return exitFailure
	default:
		fmt.Fprintf(w, "tooltrail: %v\n", err)
		return exitFailure
	}
}
