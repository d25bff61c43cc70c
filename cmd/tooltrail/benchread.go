package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/tooltrail/tooltrail"
)

// reader is what the read benchmark asks of a log: over HTTP (the client)
// or in the library (tooltrail.Log).
type reader interface {
	Query(ctx context.Context, f tooltrail.Filter) (tooltrail.Page, error)
	Count(ctx context.Context, f tooltrail.Filter) (int64, error)
}

// readResult is one query's latency over the iterations of a read run.
type readResult struct {
	Query  string  `json:"query"`
	P50Ms  float64 `json:"p50_ms"`
	P99Ms  float64 `json:"p99_ms"`
	MaxMs  float64 `json:"max_ms"`
	Result int64   `json:"result"` // entries on the page, or the count
}

// readQueries are the reads of the seed's UI: the first page of each of
// its filters, alone and combined, a page 100,000 deep by cursor and by
// offset, and the counts; the time filter is the last minute before the
// newest entry. They use the workload's names (package internal/workload).
func readQueries(size int64, newest time.Time) []struct {
	name  string
	f     tooltrail.Filter
	count bool
} {
	type q = struct {
		name  string
		f     tooltrail.Filter
		count bool
	}
	since := newest.Add(-time.Minute)
	filters := []q{
		{"none", tooltrail.Filter{}, false},
		{"tool_name", tooltrail.Filter{ToolName: "tool_07"}, false},
		{"tool_name substring", tooltrail.Filter{ToolName: "ol_1"}, false},
		{"session_id", tooltrail.Filter{SessionID: "session-123"}, false},
		{"task_id", tooltrail.Filter{TaskID: "task-0042"}, false},
		{"user_id", tooltrail.Filter{UserID: "user-07"}, false},
		{"confirmed_only", tooltrail.Filter{ConfirmedOnly: true}, false},
		{"start (last minute)", tooltrail.Filter{Start: since}, false},
		{"tool_name + user_id", tooltrail.Filter{ToolName: "tool_07", UserID: "user-07"}, false},
		{"user_id + start", tooltrail.Filter{UserID: "user-07", Start: since}, false},
		{"confirmed_only + start", tooltrail.Filter{ConfirmedOnly: true, Start: since}, false},
		{"tool_name substring + start", tooltrail.Filter{ToolName: "ol_1", Start: since}, false},
	}
	var out []q
	for _, f := range filters {
		out = append(out, q{"first page: " + f.name, f.f, false})
	}
	if size > 100_000 {
		out = append(out,
			q{"cursor page 100,000 deep", tooltrail.Filter{Cursor: tooltrail.EncodeCursor(size - 100_000)}, false},
			q{"offset page 100,000 deep", tooltrail.Filter{Offset: 100_000}, false})
	}
	for _, f := range filters {
		out = append(out, q{"count: " + f.name, f.f, true})
	}
	return out
}

// benchReads runs each read query iterations times on r and reports the
// latencies. Errors: the first failing query's.
func benchReads(ctx context.Context, r reader, size int64, iterations int) ([]readResult, error) {
	var out []readResult
	first, err := r.Query(ctx, tooltrail.Filter{Limit: 1})
	if err != nil {
		return nil, fmt.Errorf("newest entry: %w", err)
	}
	newest := time.Now()
	if len(first.Entries) > 0 {
		newest = first.Entries[0].Timestamp
	}
	for _, q := range readQueries(size, newest) {
		lat := make([]time.Duration, iterations)
		var result int64
		for i := range iterations {
			t0 := time.Now()
			if q.count {
				n, err := r.Count(ctx, q.f)
				if err != nil {
					return out, fmt.Errorf("%s: %w", q.name, err)
				}
				result = n
			} else {
				p, err := r.Query(ctx, q.f)
				if err != nil {
					return out, fmt.Errorf("%s: %w", q.name, err)
				}
				result = int64(len(p.Entries))
			}
			lat[i] = time.Since(t0)
		}
		slices.Sort(lat)
		ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
		out = append(out, readResult{Query: q.name, P50Ms: ms(percentile(lat, 0.50)), P99Ms: ms(percentile(lat, 0.99)),
			MaxMs: ms(lat[iterations-1]), Result: result})
	}
	return out, nil
}

// printReads writes read results as a table, or as JSON lines.
func printReads(w io.Writer, rs []readResult, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		for _, r := range rs {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
		return nil
	}
	fmt.Fprintf(w, "%-36s %9s %9s %9s %10s\n", "query", "p50 ms", "p99 ms", "max ms", "result")
	for _, r := range rs {
		fmt.Fprintf(w, "%-36s %9.2f %9.2f %9.2f %10d\n", r.Query, r.P50Ms, r.P99Ms, r.MaxMs, r.Result)
	}
	return nil
}
