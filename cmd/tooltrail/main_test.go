package main

import (
	"context"
	"encoding/json"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"
)

// childArgsEnv, when set, makes the test binary act as the tooltrail
// binary with these arguments (a JSON array), so that tests can start real
// server processes.
const childArgsEnv = "TOOLTRAIL_TEST_CHILD_ARGS"

// childArgvEnv, when "1", makes the test binary act as the tooltrail binary
// with its own command line, as bench --versus-seed starts its servers;
// it does not start with TOOLTRAIL_, which bench keeps from its servers.
const childArgvEnv = "TEST_TOOLTRAIL_ARGV"

func TestMain(m *testing.M) {
	if os.Getenv(childArgvEnv) == "1" && len(os.Args) > 1 && !strings.HasPrefix(os.Args[1], "-test.") {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
		stop()
		os.Exit(code)
	}
	if v := os.Getenv(childArgsEnv); v != "" {
		var args []string
		if err := json.Unmarshal([]byte(v), &args); err != nil {
			panic(err)
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := Main(ctx, args, os.Stdin, os.Stdout, os.Stderr, os.Getenv)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}
