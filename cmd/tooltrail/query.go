package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/tooltrail/tooltrail"
)

// queryCommand lists entries: tooltrail query.
type queryCommand struct {
	remote  remoteFlags
	filters filterFlags
	limit   int
	offset  int
	cursor  string
	all     bool
	json    bool
}

func (c *queryCommand) define(fs *flag.FlagSet) {
	c.filters.define(fs)
	fs.IntVar(&c.limit, "limit", 0, fmt.Sprintf("`N` entries per page, 1 to %d (default %d; %d with --all)", tooltrail.MaxLimit, tooltrail.DefaultLimit, tooltrail.MaxLimit))
	fs.IntVar(&c.offset, "offset", 0, "skip `N` entries first")
	fs.StringVar(&c.cursor, "cursor", "", "continue below the page that printed `CURSOR`")
	fs.BoolVar(&c.all, "all", false, "follow the cursor to the last page")
	fs.BoolVar(&c.json, "json", false, "print one JSON entry per line, and nothing else")
	c.remote.define(fs)
}

func (c *queryCommand) run(ctx context.Context, s *streams) error {
	cl, err := c.remote.client()
	if err != nil {
		return err
	}
	f := c.filters.filter()
	f.Limit, f.Offset, f.Cursor = c.limit, c.offset, c.cursor
	if c.all && f.Limit == 0 {
		f.Limit = tooltrail.MaxLimit
	}
	out := newEntryWriter(s.stdout, c.json)
	for {
		page, err := cl.Query(ctx, f)
		if err != nil {
			return c.remote.explain(err)
		}
		if err := out.write(page.Entries); err != nil {
			return err
		}
		if page.NextCursor == "" {
			break
		}
		if !c.all {
			fmt.Fprintf(s.stderr, "next: --cursor %s\n", page.NextCursor)
			break
		}
		f.Cursor, f.Offset = page.NextCursor, 0
	}
	if out.n == 0 && !c.json {
		fmt.Fprintln(s.stderr, "no entries match")
	}
	return nil
}

// entryWriter prints entries page by page: as a table, or as JSON lines.
type entryWriter struct {
	w      io.Writer
	asJSON bool
	n      int // entries written
}

func newEntryWriter(w io.Writer, asJSON bool) *entryWriter {
	return &entryWriter{w: w, asJSON: asJSON}
}

func (ew *entryWriter) write(entries []tooltrail.Entry) error {
	if len(entries) == 0 {
		return nil
	}
	defer func() { ew.n += len(entries) }()
	if ew.asJSON {
		enc := json.NewEncoder(ew.w)
		enc.SetEscapeHTML(false)
		for _, e := range entries {
			if err := enc.Encode(e); err != nil {
				return err
			}
		}
		return nil
	}
	return writeTable(ew.w, entries, ew.n == 0)
}
