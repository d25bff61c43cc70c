package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/tooltrail/tooltrail/export"
)

// exportCommand writes every entry of a filter: tooltrail export.
type exportCommand struct {
	remote  remoteFlags
	filters filterFlags
	format  string
	output  string
}

func (c *exportCommand) define(fs *flag.FlagSet) {
	c.filters.define(fs)
	fs.StringVar(&c.format, "format", "ndjson", "`FORMAT`: ndjson (one JSON entry a line) or csv")
	fs.StringVar(&c.output, "output", "-", "write to `FILE` instead of standard output")
	c.remote.define(fs)
}

func (c *exportCommand) run(ctx context.Context, s *streams) error {
	if _, err := export.ParseFormat(c.format); err != nil {
		return usagef("--format %q: use ndjson or csv", c.format)
	}
	cl, err := c.remote.client()
	if err != nil {
		return err
	}
	var w io.Writer = s.stdout
	var f *os.File
	if c.output != "-" {
		if f, err = os.Create(c.output); err != nil {
			return fmt.Errorf("--output: %w", err)
		}
		w = f
	}
	n, err := cl.Export(ctx, w, c.filters.filter(), c.format)
	if f != nil {
		err = errors.Join(err, f.Close())
	}
	if err != nil {
		return c.remote.explain(err)
	}
	if f != nil {
		fmt.Fprintf(s.stderr, "wrote %d bytes to %s\n", n, c.output)
	}
	return nil
}
