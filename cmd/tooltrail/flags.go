package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
)

// envVar returns the environment variable that backs a flag: TOOLTRAIL_
// and the flag name in upper case with '-' as '_', except --server, which
// reads TOOLTRAIL_URL.
func envVar(flagName string) string {
	if flagName == "server" {
		return "TOOLTRAIL_URL"
	}
	return "TOOLTRAIL_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// newFlagSet returns the FlagSet of a command, its flags defined, that
// reports errors (and -h) to w.
func newFlagSet(sp spec, cmd command, w io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("tooltrail "+sp.name, flag.ContinueOnError)
	fs.SetOutput(w)
	cmd.define(fs)
	fs.Usage = func() {
		out := fs.Output()
		fmt.Fprintf(out, "Usage: tooltrail %s %s\n\n%s.\n\nFlags:\n", sp.name, sp.synopsis, upperFirst(sp.summary))
		printFlags(out, fs, sp.noEnv)
	}
	return fs
}

// parseFlags sets the flags of fs from the environment (through getenv,
// for every flag not named in noEnv), then from args, so that the command
// line wins. It returns flag.ErrHelp for -h (after printing the usage), a
// usage error naming the flag for a bad command line, and a usage error
// naming the variable for a bad environment value.
func parseFlags(fs *flag.FlagSet, args []string, getenv func(string) string, noEnv ...string) error {
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		if envErr != nil || slices.Contains(noEnv, f.Name) {
			return
		}
		name := envVar(f.Name)
		v := getenv(name)
		if v == "" {
			return
		}
		if err := fs.Set(f.Name, v); err != nil {
			envErr = usagef("environment variable %s=%q is not a valid --%s: %w", name, v, f.Name, err)
		}
	})
	if envErr != nil {
		return envErr
	}
	// The flag package would print its error with one dash and the whole
	// usage after it; the error alone, as the docs spell flags, says more.
	out, usage := fs.Output(), fs.Usage
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	err := fs.Parse(args)
	fs.SetOutput(out)
	fs.Usage = usage
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.Usage()
			return err
		}
		return usagef("%s", twoDashes.Replace(err.Error()))
	}
	return nil
}

// twoDashes rewrites the flag names in the flag package's errors with the
// two dashes the documentation uses.
var twoDashes = strings.NewReplacer(
	"not defined: -", "not defined: --",
	"for flag -", "for flag --",
	"needs an argument: -", "needs an argument: --",
	" value for -", " value for --",
)

// printFlags lists the flags of fs with their defaults and environment
// variables, with two dashes as the documentation writes them.
func printFlags(w io.Writer, fs *flag.FlagSet, noEnv []string) {
	var b strings.Builder
	fs.VisitAll(func(f *flag.Flag) {
		arg, usage := flag.UnquoteUsage(f)
		b.WriteString("  --" + f.Name)
		if arg != "" {
			b.WriteString(" " + arg)
		}
		b.WriteString("\n    \t" + strings.ReplaceAll(usage, "\n", "\n    \t"))
		if f.DefValue != "" && f.DefValue != "0" && f.DefValue != "false" {
			fmt.Fprintf(&b, " (default %s)", f.DefValue)
		}
		if !slices.Contains(noEnv, f.Name) {
			fmt.Fprintf(&b, " [$%s]", envVar(f.Name))
		}
		b.WriteString("\n")
	})
	io.WriteString(w, b.String())
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
