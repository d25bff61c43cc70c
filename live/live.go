// Package live sends the entries of a filter as they are recorded, as
// server-sent events (text/event-stream).
package live

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/tooltrail/tooltrail"
)

// pollEvery is how often a stream looks for entries it was not told of:
// those other servers on the same database record.
const pollEvery = time.Second

// keepAlive is how often an idle stream sends a comment, so that proxies
// do not close it.
const keepAlive = 15 * time.Second

// Stream answers r with an event stream of the entries of log that match f
// and are recorded from now on (or after the id in the Last-Event-ID
// header, when the client reconnects), oldest first: one event "entry" a
// entry, its id the entry's id, its data the entry as JSON. It returns
// when the client goes away or ctx ends. It lifts the server's write
// timeout for the response. Errors: a ResponseWriter that cannot flush;
// the log's errors, after which the stream ends.
func Stream(ctx context.Context, w http.ResponseWriter, r *http.Request, log *tooltrail.Log, f tooltrail.Filter) error {
	rc := http.NewResponseController(w)
	// A stream outlives any write timeout of the server.
	_ = rc.SetWriteDeadline(time.Time{})
	last, err := startAfter(ctx, r, log)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, ": tooltrail live\n\n")
	if err := rc.Flush(); err != nil {
		return fmt.Errorf("live: the response cannot be flushed: %w", err)
	}
	poll := time.NewTicker(pollEvery)
	defer poll.Stop()
	idle := time.NewTicker(keepAlive)
	defer idle.Stop()
	for {
		changed := log.Changed()
		news, upTo, more, err := since(ctx, log, f, last, window)
		if err != nil {
			return err
		}
		for _, e := range news {
			b, err := json.Marshal(e)
			if err != nil {
				return err
			}
			if _, err := fmt.Fprintf(w, "id: %d\nevent: entry\ndata: %s\n\n", e.ID, b); err != nil {
				return err
			}
		}
		last = upTo
		if len(news) > 0 {
			_ = rc.Flush()
		}
		if more {
			continue // behind: the next window at once
		}
		select {
		case <-ctx.Done():
			return nil
		case <-r.Context().Done():
			return nil
		case <-changed:
		case <-poll.C:
		case <-idle.C:
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil {
				return nil
			}
			_ = rc.Flush()
		}
	}
}

// startAfter returns the id the stream starts after: Last-Event-ID when a
// client reconnects with one, else the newest entry's.
func startAfter(ctx context.Context, r *http.Request, log *tooltrail.Log) (int64, error) {
	if v := r.Header.Get("Last-Event-ID"); v != "" {
		var id int64
		if _, err := fmt.Sscan(v, &id); err == nil && id >= 0 {
			return id, nil
		}
	}
	head, err := log.Head(ctx)
	return head.Size, err
}

// window is how many ids one look for new entries covers at most: a
// client far behind catches up a window at a time, oldest first.
const window = 10_000

// since returns the entries matching f with ids above after, oldest
// first, among the next window ids at most (the constant window in a
// stream), and the id it looked up to:
// the next call goes on from there. more says that ids beyond it exist.
func since(ctx context.Context, log *tooltrail.Log, f tooltrail.Filter, after, window int64) (out []tooltrail.Entry, upTo int64, more bool, err error) {
	head, err := log.Head(ctx)
	if err != nil {
		return nil, after, false, err
	}
	upTo = min(head.Size, after+window)
	if upTo <= after {
		return nil, after, false, nil
	}
	f.Limit, f.Offset, f.Cursor = 200, 0, tooltrail.EncodeCursor(upTo+1)
	for {
		page, err := log.Query(ctx, f)
		if err != nil {
			return nil, after, false, err
		}
		done := page.NextCursor == ""
		for _, e := range page.Entries {
			if e.ID <= after {
				done = true
				break
			}
			out = append(out, e)
		}
		if done {
			slices.Reverse(out)
			return out, upTo, upTo < head.Size, nil
		}
		f.Cursor = page.NextCursor
	}
}
