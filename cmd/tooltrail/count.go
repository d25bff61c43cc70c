package main

import (
	"context"
	"flag"
	"fmt"
)

// countCommand counts entries: tooltrail count.
type countCommand struct {
	remote  remoteFlags
	filters filterFlags
}

func (c *countCommand) define(fs *flag.FlagSet) {
	c.filters.define(fs)
	c.remote.define(fs)
}

func (c *countCommand) run(ctx context.Context, s *streams) error {
	cl, err := c.remote.client()
	if err != nil {
		return err
	}
	n, err := cl.Count(ctx, c.filters.filter())
	if err != nil {
		return c.remote.explain(err)
	}
	_, err = fmt.Fprintln(s.stdout, n)
	return err
}
