package main

import (
	"context"
	"flag"
	"fmt"
	"strconv"
)

// purgeCommand deletes old entries: tooltrail purge.
type purgeCommand struct {
	remote remoteFlags
	days   optionalInt
	all    bool
}

func (c *purgeCommand) define(fs *flag.FlagSet) {
	fs.Var(&c.days, "older-than-days", "delete the entries older than `N` days (0: all but those of this instant)")
	fs.BoolVar(&c.all, "all", false, "delete every entry")
	c.remote.define(fs)
}

func (c *purgeCommand) run(ctx context.Context, s *streams) error {
	switch {
	case !c.days.set && !c.all:
		return usagef("give --older-than-days N or --all; purge deletes nothing by default")
	case c.days.set && c.all:
		return usagef("give --older-than-days N or --all, not both")
	case c.days.set && c.days.n < 0:
		return usagef("--older-than-days must be at least 0, got %d", c.days.n)
	}
	cl, err := c.remote.client()
	if err != nil {
		return err
	}
	var days *int
	if c.days.set {
		days = &c.days.n
	}
	n, err := cl.Purge(ctx, days)
	if err != nil {
		return c.remote.explain(err)
	}
	_, err = fmt.Fprintf(s.stdout, "deleted %d entries\n", n)
	return err
}

// optionalInt is an int flag that knows whether it was given.
type optionalInt struct {
	n   int
	set bool
}

// String implements flag.Value.
func (o *optionalInt) String() string {
	if !o.set {
		return ""
	}
	return strconv.Itoa(o.n)
}

// Set implements flag.Value.
func (o *optionalInt) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil {
		return fmt.Errorf("%q is not a whole number", s)
	}
	o.n, o.set = n, true
	return nil
}
