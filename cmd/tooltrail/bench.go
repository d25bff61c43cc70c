package main

import (
	"context"
	crand "crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/internal/workload"
	"github.com/tooltrail/tooltrail/redact"
)

// benchCommand drives a server, or a store in-process, with concurrent
// recorders: tooltrail bench.
type benchCommand struct {
	remote  remoteFlags
	store   storeFlags
	library bool
	callers int
	// callerList is --callers as given: one number, or with --versus-seed
	// several.
	callerList intList
	versusSeed bool
	designs    string
	rounds     int
	// serverCommand starts the server processes of --versus-seed.
	serverCommand func(ctx context.Context, args ...string) *exec.Cmd
	records       int
	rate          float64
	read          int
	verify        bool
	key           string
	json          bool
	force         bool
}

func (c *benchCommand) define(fs *flag.FlagSet) {
	c.remote.define(fs)
	c.store.define(fs)
	fs.BoolVar(&c.library, "library", false, "record in this process through the library on --data or --store, instead of over HTTP to --server")
	fs.Var(&c.callerList, "callers", "`N` concurrent callers, each waiting for its record before the next; default 16 (with --versus-seed a list, default 16,64,256)")
	fs.IntVar(&c.records, "records", 20000, "`N` records in all")
	fs.Float64Var(&c.rate, "rate", 0, "send `R` records a second in all, steadily, instead of as fast as the callers go; latency then counts from when each record was due, so a stall is not hidden")
	fs.IntVar(&c.read, "read", 0, "instead of recording, run each query and count of the seed's filters (and pages 100,000 deep) `N` times and report their latency")
	fs.BoolVar(&c.verify, "verify", false, "instead of recording, verify the whole log in the store (with --library) and report how long it took")
	fs.StringVar(&c.key, "key", "", "with --verify: the log's verifier `KEY` (default: the key in --data; none for a data set no server signed)")
	fs.BoolVar(&c.json, "json", false, "print the result as JSON")
	fs.BoolVar(&c.force, "force", false, "record into a --server whose log already holds entries (the fake entries stay there for good)")
	fs.BoolVar(&c.versusSeed, "versus-seed", false, "instead of one run, compare: the design of oAI-Web's audit log and tooltrail serve (its own process, over HTTP) each record on a new schema of the --store PostgreSQL database, at each of --callers, --rounds times, and print the medians and ratios")
	fs.StringVar(&c.designs, "designs", "postgres,sqlite", "with --versus-seed: the tooltrail `STORES` to run beside the seed: postgres, sqlite or both")
	fs.IntVar(&c.rounds, "rounds", 3, "with --versus-seed: `N` runs of each design at each concurrency, alternating")
}

// benchResult is what a run measured.
type benchResult struct {
	Mode          string  `json:"mode"`           // "http" or "library"
	Rate          float64 `json:"rate,omitempty"` // records a second asked for; 0: as fast as possible
	Callers       int     `json:"callers"`
	Records       int     `json:"records"`
	Failed        int     `json:"failed"`
	Seconds       float64 `json:"seconds"`
	RecordsPerSec float64 `json:"records_per_second"`
	P50Ms         float64 `json:"p50_ms"`
	P99Ms         float64 `json:"p99_ms"`
	P999Ms        float64 `json:"p999_ms"`
	MaxMs         float64 `json:"max_ms"`
}

func (c *benchCommand) run(ctx context.Context, s *streams) error {
	if c.records < 1 || c.rate < 0 || c.read < 0 || c.rounds < 1 {
		return usagef("--records and --rounds must be at least 1, --rate and --read at least 0")
	}
	if c.versusSeed {
		if len(c.callerList) == 0 {
			c.callerList = intList{16, 64, 256}
		}
		if c.serverCommand == nil {
			c.serverCommand = thisExecutable
		}
		return c.runVersusSeed(ctx, s)
	}
	switch len(c.callerList) {
	case 0:
		c.callers = 16
	case 1:
		c.callers = c.callerList[0]
	default:
		return usagef("--callers takes one number, unless with --versus-seed")
	}
	if c.read > 0 {
		return c.runReads(ctx, s)
	}
	if c.verify {
		return c.runVerify(ctx, s)
	}
	if !c.library {
		if err := c.refuseRealLog(ctx); err != nil {
			return err
		}
		fmt.Fprintf(s.stderr, "bench: recording %d fake calls (tools tool_00 to tool_%02d, users user-00 to user-%02d) into the log at %s; they stay there\n",
			c.records, workload.Tools-1, workload.Users-1, redactURL(c.remote.server))
	}
	t, err := c.recorder(ctx)
	if err != nil {
		return err
	}
	defer t.close()
	res, err := drive(ctx, t.record, c.callers, c.records, c.rate)
	res.Mode, res.Rate = t.mode, c.rate
	if err != nil {
		return err
	}
	if t.settle != nil {
		// The rate is one the store keeps up: what its indexer had not
		// moved yet when the last record returned counts too.
		start := time.Now()
		if err := t.settle(ctx); err != nil {
			return err
		}
		res.Seconds += time.Since(start).Seconds()
		res.RecordsPerSec = float64(res.Records-res.Failed) / res.Seconds
	}
	if c.json {
		return json.NewEncoder(s.stdout).Encode(res)
	}
	fmt.Fprintf(s.stdout, "%-8s %8s %8s %10s %12s %9s %9s %9s %9s\n", "mode", "callers", "records", "failed", "records/s", "p50 ms", "p99 ms", "p999 ms", "max ms")
	fmt.Fprintf(s.stdout, "%-8s %8d %8d %10d %12.0f %9.2f %9.2f %9.2f %9.2f\n", res.Mode, res.Callers, res.Records, res.Failed,
		res.RecordsPerSec, res.P50Ms, res.P99Ms, res.P999Ms, res.MaxMs)
	if res.Failed > 0 {
		return fmt.Errorf("%d of %d records failed", res.Failed, res.Records)
	}
	return nil
}

// refuseRealLog returns a usage error unless --force is given or the log
// at --server holds no entries but its own (token changes, purges): the
// fake entries of a bench cannot be taken out of a log one by one.
func (c *benchCommand) refuseRealLog(ctx context.Context) error {
	if c.force {
		return nil
	}
	cl, err := c.remote.client()
	if err != nil {
		return err
	}
	tools, err := cl.Tools(ctx)
	if errors.Is(err, tooltrail.ErrPermissionDenied) {
		return usagef("cannot tell whether the log at %s holds entries: this token may not read it; give --force to record %d fake entries there anyway",
			redactURL(c.remote.server), c.records)
	}
	if err != nil {
		return c.remote.explain(err)
	}
	var n int64
	for _, tc := range tools {
		if !strings.HasPrefix(tc.Name, tooltrail.ReservedToolPrefix) {
			n += tc.Count
		}
	}
	if n > 0 {
		return usagef("the log at %s already holds %d entries; bench would add %d fake ones for good: point it at a server of its own, or give --force",
			redactURL(c.remote.server), n, c.records)
	}
	return nil
}

// runReads is bench --read: query and count latency on the log as it is.
func (c *benchCommand) runReads(ctx context.Context, s *streams) error {
	var (
		r    reader
		size int64
	)
	if c.library {
		store, _, _, err := c.store.open(ctx, false)
		if err != nil {
			return err
		}
		defer store.Close()
		log, err := tooltrail.New(ctx, store, tooltrail.Config{})
		if err != nil {
			return err
		}
		defer log.Close()
		head, err := log.Head(ctx)
		if err != nil {
			return err
		}
		r, size = log, head.Size
	} else {
		cl, err := c.remote.client()
		if err != nil {
			return err
		}
		info, err := cl.Log(ctx)
		if err != nil {
			return c.remote.explain(err)
		}
		r, size = cl, info.TreeSize
	}
	rs, err := benchReads(ctx, r, size, c.read)
	if err != nil {
		return c.remote.explain(err)
	}
	if !c.json {
		fmt.Fprintf(s.stdout, "%d entries, %d iterations each\n", size, c.read)
	}
	return printReads(s.stdout, rs, c.json)
}

// benchTarget is what bench records to.
type benchTarget struct {
	record func(context.Context, tooltrail.Call) error
	mode   string                      // "http" or "library"
	settle func(context.Context) error // nil, or finishes the store's background work
	close  func()
}

// pendingIndexer is a store with entries its background indexer may not
// have moved yet (sqlite.Store).
type pendingIndexer interface {
	IndexPending(ctx context.Context) error
}

// recorder returns how one call is recorded in the chosen mode, and what
// to close after.
func (c *benchCommand) recorder(ctx context.Context) (benchTarget, error) {
	if !c.library {
		cl, err := c.remote.client()
		if err != nil {
			return benchTarget{}, err
		}
		cl.HTTPClient = &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: c.callers}}
		return benchTarget{mode: "http", close: func() {}, record: func(ctx context.Context, call tooltrail.Call) error {
			_, err := cl.Record(ctx, call)
			return c.remote.explain(err)
		}}, nil
	}
	store, _, _, err := c.store.open(ctx, true)
	if err != nil {
		return benchTarget{}, err
	}
	// As serve records: with the default redaction (a key of this run).
	key := make([]byte, 32)
	crand.Read(key)
	red, err := redact.New(key, redact.DefaultRules())
	if err != nil {
		store.Close()
		return benchTarget{}, err
	}
	log, err := tooltrail.New(ctx, store, tooltrail.Config{Redactor: red})
	if err != nil {
		store.Close()
		return benchTarget{}, err
	}
	t := benchTarget{mode: "library", close: func() { log.Close(); store.Close() }, record: func(ctx context.Context, call tooltrail.Call) error {
		_, err := log.Record(ctx, call)
		return err
	}}
	if ix, ok := store.(pendingIndexer); ok {
		t.settle = ix.IndexPending
	}
	return t, nil
}

// drive records n calls of the workload from callers goroutines and
// measures each one's latency: as fast as they go, or, with rate > 0, each
// record due at its time on a steady schedule, its latency counted from
// then. Errors: ctx's end; failures count in Failed, not as an error,
// unless every record failed.
func drive(ctx context.Context, record func(context.Context, tooltrail.Call) error, callers, n int, rate float64) (benchResult, error) {
	gen := workload.New()
	lat := make([]time.Duration, n)
	var (
		next   atomic.Int64
		failed atomic.Int64
		first  error
		once   sync.Once
		wg     sync.WaitGroup
	)
	begin := time.Now()
	// due returns when record i is due: now, or on the schedule.
	due := func(i int) time.Time {
		if rate <= 0 {
			return time.Now()
		}
		at := begin.Add(time.Duration(float64(i) / rate * float64(time.Second)))
		if d := time.Until(at); d > 0 {
			time.Sleep(d)
		}
		return at
	}
	for c := range callers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(c), uint64(begin.UnixNano())))
			for {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					return
				}
				call := gen.Call(rng, i)
				t0 := due(i)
				if err := record(ctx, call); err != nil {
					failed.Add(1)
					once.Do(func() { first = err })
					lat[i] = -1 // not a latency of a record
					continue
				}
				lat[i] = time.Since(t0)
			}
		})
	}
	wg.Wait()
	took := time.Since(begin)
	res := benchResult{Callers: callers, Records: n, Failed: int(failed.Load()), Seconds: took.Seconds(),
		RecordsPerSec: float64(n-int(failed.Load())) / took.Seconds()}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	if res.Failed == n {
		return res, fmt.Errorf("every record failed; the first: %w", first)
	}
	ok := slices.DeleteFunc(lat, func(d time.Duration) bool { return d < 0 })
	slices.Sort(ok)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	res.P50Ms, res.P99Ms, res.P999Ms, res.MaxMs = ms(percentile(ok, 0.50)), ms(percentile(ok, 0.99)), ms(percentile(ok, 0.999)), ms(ok[len(ok)-1])
	return res, nil
}

// percentile returns the nearest-rank p-th percentile of sorted: the
// smallest value that at least p of them do not exceed.
func percentile(sorted []time.Duration, p float64) time.Duration {
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}
