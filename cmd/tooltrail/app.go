package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
)

// Exit statuses of Main.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// streams is what a subcommand runs with besides its flags: the standard
// streams and the environment.
type streams struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
}

// command is one subcommand: it defines its flags on a FlagSet of its own,
// then runs once they are parsed.
type command interface {
	define(fs *flag.FlagSet)
	run(ctx context.Context, s *streams) error
}

// argsTaker is a command that takes arguments after its flags.
type argsTaker interface {
	setArgs(args []string)
}

// spec describes a subcommand for dispatch and help.
type spec struct {
	name     string
	synopsis string // flags summary after the name
	summary  string // one line for the command list
	noEnv    []string
	new      func() command
}

// commands returns the subcommands, in the order help lists them.
func commands() []spec {
	return []spec{
		{name: "serve", synopsis: "[--addr HOST:PORT] [--data DIR] [--store URL] [--origin NAME] [--checkpoint-mirror DIR] [--retention AGE]",
			summary: "run the tooltrail server", new: func() command { return new(serveCommand) }},
		{name: "record", synopsis: "--tool NAME [--args JSON | --args-file FILE|-] [flags]",
			summary: "record one tool call", new: func() command { return new(recordCommand) }},
		{name: "query", synopsis: "[filters] [--limit N] [--offset N] [--cursor C] [--all] [--json]",
			summary: "list entries, newest first", new: func() command { return new(queryCommand) }},
		{name: "export", synopsis: "[filters] [--format ndjson|csv] [--output FILE]",
			summary: "write every entry of a filter, streamed", new: func() command { return new(exportCommand) }},
		{name: "count", synopsis: "[filters]",
			summary: "count entries", new: func() command { return new(countCommand) }},
		{name: "purge", synopsis: "--older-than-days N | --all",
			summary: "delete old entries (their hashes stay)",
			// Only the command line may delete entries, never a variable
			// left in the environment.
			noEnv: []string{"older-than-days", "all"},
			new:   func() command { return new(purgeCommand) }},
		{name: "verify", synopsis: "[--data DIR | --store URL] [--key KEY] [--checkpoint-mirror DIR] | --server URL --checkpoint FILE --key KEY",
			summary: "check that no entry was changed, dropped or reordered",
			// TOOLTRAIL_URL, exported for the clients, must not turn a check
			// of the store into a check of a server.
			noEnv: []string{"server"},
			new:   func() command { return new(verifyCommand) }},
		{name: "token create", synopsis: "--role writer|reader|auditor|admin [--user USER] [--name NAME] [--data DIR | --store URL]",
			summary: "make an access token (shown once); works on the store, no server needed",
			noEnv:   []string{"role", "user", "name", "new"},
			new:     func() command { return new(tokenCreateCommand) }},
		{name: "token list", synopsis: "[--data DIR | --store URL]",
			summary: "list the access tokens (never their secrets)",
			new:     func() command { return new(tokenListCommand) }},
		{name: "token revoke", synopsis: "--name NAME [--data DIR | --store URL]",
			summary: "revoke an access token, from the next request on",
			noEnv:   []string{"name"},
			new:     func() command { return new(tokenRevokeCommand) }},
		{name: "bench", synopsis: "[--server URL | --library --data DIR] [--callers N] [--records N] [--json]",
			summary: "drive a server (or the library) with concurrent recorders; report records/s and latency",
			new:     func() command { return new(benchCommand) }},
		{name: "mcp", synopsis: "[--server URL | --data DIR | --store URL] [--user ID] [--fail-open] [--listen HOST:PORT] (-- CMD ARGS... | --upstream URL)",
			summary: "audit an MCP server: record every tools/call before its result reaches the agent",
			// Only the command line may let results pass unrecorded.
			noEnv: []string{"fail-open"},
			new:   func() command { return new(mcpCommand) }},
		{name: "import", synopsis: "--from-oaiweb postgres://... [--table audit_log] [--data DIR | --store URL]",
			summary: "copy oAI-Web's audit log into this log, keeping its times (safe to run again)",
			new:     func() command { return new(importCommand) }},
	}
}

func lookup(name string) (spec, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return spec{}, false
}

// Main runs the tooltrail command line with args (without the program
// name) and returns the exit status: 0 on success, 1 on failure, 2 on a
// usage error. It reads the environment through getenv only, so that tests
// can run it in-process; ctx ends a running server.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	s := &streams{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv}
	if len(args) == 0 {
		printUsage(stderr)
		return exitUsage
	}
	name, rest := args[0], args[1:]
	if name == "token" && len(rest) > 0 {
		name, rest = name+" "+rest[0], rest[1:] // token create, list, revoke
	}
	switch name {
	case "help", "-h", "-help", "--help":
		return help(s, rest)
	case "version", "-version", "--version":
		printVersion(stdout)
		return exitOK
	}
	switch name {
	case "token -h", "token -help", "token --help", "token help":
		printTokenUsage(stdout)
		return exitOK
	}
	sp, ok := lookup(name)
	if !ok && strings.HasPrefix(name, "token") {
		fmt.Fprintf(stderr, "tooltrail: %q: use tooltrail token create, token list or token revoke\n", strings.Join(args, " "))
		return exitUsage
	}
	if !ok {
		fmt.Fprintf(stderr, "tooltrail: unknown command %q\n\n", name)
		printUsage(stderr)
		return exitUsage
	}
	cmd := sp.new()
	fs := newFlagSet(sp, cmd, stderr)
	err := parseFlags(fs, rest, getenv, sp.noEnv...)
	if at, ok := cmd.(argsTaker); ok && err == nil {
		at.setArgs(fs.Args())
	} else if err == nil && fs.NArg() > 0 {
		err = usagef("unexpected argument %q; %s takes flags only", fs.Arg(0), sp.name)
	}
	if err == nil {
		err = cmd.run(ctx, s)
	}
	return report(stderr, sp.name, err)
}

// help prints the usage of tooltrail or of one command to stdout.
func help(s *streams, args []string) int {
	if len(args) == 0 {
		printUsage(s.stdout)
		return exitOK
	}
	name := args[0]
	if name == "token" && len(args) > 1 {
		name += " " + args[1]
	}
	sp, ok := lookup(name)
	if !ok {
		fmt.Fprintf(s.stderr, "tooltrail help: unknown command %q\n\n", name)
		printUsage(s.stderr)
		return exitUsage
	}
	newFlagSet(sp, sp.new(), s.stdout).Usage()
	return exitOK
}

// printTokenUsage lists the token commands.
func printTokenUsage(w io.Writer) {
	var b strings.Builder
	b.WriteString("Usage:\n")
	for _, c := range commands() {
		if strings.HasPrefix(c.name, "token ") {
			fmt.Fprintf(&b, "  tooltrail %s %s\n    \t%s\n", c.name, c.synopsis, c.summary)
		}
	}
	b.WriteString("\nRun 'tooltrail help token create' (list, revoke) for a command's flags.\n")
	io.WriteString(w, b.String())
}

// printUsage prints the list of commands.
func printUsage(w io.Writer) {
	var b strings.Builder
	b.WriteString("tooltrail is an append-only, tamper-evident audit log for the tool calls of AI agents.\n\n")
	b.WriteString("Usage:\n  tooltrail <command> [flags]\n\nCommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(&b, "  %-12s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(&b, "  %-12s %s\n", "version", "print the version and revision this binary was built from")
	fmt.Fprintf(&b, "  %-12s %s\n", "help", "show this, or a command's flags: tooltrail help <command>")
	b.WriteString("\nA flag can also be set through TOOLTRAIL_<FLAG> (upper case, '-' as '_') where its help\n")
	b.WriteString("names the variable; --server reads TOOLTRAIL_URL. The command line wins.\n")
	io.WriteString(w, b.String())
}
