package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/auth"
	"github.com/tooltrail/tooltrail/client"
	"github.com/tooltrail/tooltrail/internal/seeddesign"
)

// seedRun is one run of the side-by-side comparison.
type seedRun struct {
	Design string `json:"design"` // "seed", "tooltrail-postgres" or "tooltrail-sqlite"
	Round  int    `json:"round"`
	benchResult
}

// seedRow is the summary of one design at one concurrency: medians over
// the rounds, and the ratio of its median records/s to the seed's.
type seedRow struct {
	Callers       int     `json:"callers"`
	Design        string  `json:"design"`
	RecordsPerSec float64 `json:"records_per_second"`
	P50Ms         float64 `json:"p50_ms"`
	P99Ms         float64 `json:"p99_ms"`
	Ratio         float64 `json:"ratio_to_seed"`
}

// runVersusSeed is bench --versus-seed: at each concurrency, round after
// round, the seed's design records on a new schema of the --store
// database, then tooltrail serve, started as a process of its own with
// its defaults (tokens, redaction, signed checkpoints), records over HTTP
// on another new schema of it (and, with sqlite in --designs, on SQLite in
// a temporary directory). It prints every run, then the medians and the
// ratios, and drops what it made.
func (c *benchCommand) runVersusSeed(ctx context.Context, s *streams) error {
	if !strings.HasPrefix(c.store.store, "postgres://") && !strings.HasPrefix(c.store.store, "postgresql://") {
		return usagef("--versus-seed needs --store postgres://...: the database both designs record in")
	}
	if c.rate > 0 || c.library {
		return usagef("--versus-seed runs its own servers as fast as the callers go: drop --rate and --library")
	}
	designs := []string{"seed"}
	for d := range strings.SplitSeq(c.designs, ",") {
		switch d = strings.TrimSpace(d); d {
		case "postgres", "sqlite":
			designs = append(designs, "tooltrail-"+d)
		default:
			return usagef("--designs: %q is not a tooltrail store; use postgres, sqlite or both", d)
		}
	}
	admin, err := pgx.Connect(ctx, c.store.store)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", redactURL(c.store.store), err)
	}
	defer admin.Close(context.Background())
	var maxConns int
	if err := admin.QueryRow(ctx, "SELECT current_setting('max_connections')::int").Scan(&maxConns); err != nil {
		return fmt.Errorf("read max_connections: %w", err)
	}
	fmt.Fprintf(s.stderr, "bench: %d records a run, %d rounds, callers %v, on %s; each run on a new schema, dropped after\n",
		c.records, c.rounds, c.callerList, redactURL(c.store.store))
	var runs []seedRun
	for _, callers := range c.callerList {
		for round := 1; round <= c.rounds; round++ {
			for _, design := range designs {
				res, err := c.seedRunOf(ctx, s, admin, design, callers, maxConns)
				if err != nil {
					return fmt.Errorf("%s, %d callers, round %d: %w", design, callers, round, err)
				}
				runs = append(runs, seedRun{Design: design, Round: round, benchResult: res})
				if !c.json {
					fmt.Fprintf(s.stderr, "  %-19s callers %4d round %d: %8.0f records/s, p50 %6.2f ms, p99 %6.2f ms\n",
						design, callers, round, res.RecordsPerSec, res.P50Ms, res.P99Ms)
				}
			}
		}
	}
	rows := seedSummary(runs, designs, c.callerList)
	if c.json {
		return json.NewEncoder(s.stdout).Encode(map[string]any{"runs": runs, "summary": rows})
	}
	printSeedSummary(s.stdout, rows, c.rounds)
	return nil
}

// seedRunOf makes a new place for design, records c.records calls into it
// from callers goroutines, and removes the place again.
func (c *benchCommand) seedRunOf(ctx context.Context, s *streams, admin *pgx.Conn, design string, callers, maxConns int) (benchResult, error) {
	switch design {
	case "seed":
		schema, drop, err := newBenchSchema(ctx, admin)
		if err != nil {
			return benchResult{}, err
		}
		defer drop()
		cfg, err := pgxpool.ParseConfig(c.store.store)
		if err != nil {
			return benchResult{}, err
		}
		// One connection a caller, as a pool of the seed's would grow to,
		// short of the server's limit less room for tooltrail's pools.
		cfg.MaxConns = int32(max(1, min(callers, maxConns-30)))
		cfg.MinConns = cfg.MaxConns
		cfg.ConnConfig.RuntimeParams["search_path"] = schema
		pool, err := pgxpool.NewWithConfig(ctx, cfg)
		if err != nil {
			return benchResult{}, err
		}
		defer pool.Close()
		d := &seeddesign.Design{Pool: pool}
		if err := d.Create(ctx); err != nil {
			return benchResult{}, err
		}
		return drive(ctx, d.Record, callers, c.records, 0)
	case "tooltrail-postgres":
		schema, drop, err := newBenchSchema(ctx, admin)
		if err != nil {
			return benchResult{}, err
		}
		defer drop()
		u, err := url.Parse(c.store.store)
		if err != nil {
			return benchResult{}, err
		}
		q := u.Query()
		q.Set("schema", schema)
		u.RawQuery = q.Encode()
		return c.serveAndDrive(ctx, s, u.String(), callers)
	default:
		dir, err := os.MkdirTemp("", "tooltrail-bench-")
		if err != nil {
			return benchResult{}, err
		}
		defer os.RemoveAll(dir)
		return c.serveAndDrive(ctx, s, "sqlite:"+filepath.Join(dir, "tooltrail.db"), callers)
	}
}

// newBenchSchema creates a schema of a random name and returns it with a
// function that drops it.
func newBenchSchema(ctx context.Context, admin *pgx.Conn) (string, func(), error) {
	b := make([]byte, 6)
	rand.Read(b)
	schema := "tooltrail_bench_" + hex.EncodeToString(b)
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		return "", nil, fmt.Errorf("create schema %s: %w", schema, err)
	}
	return schema, func() {
		if _, err := admin.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			fmt.Fprintf(os.Stderr, "bench: drop schema %s: %v\n", schema, err)
		}
	}, nil
}

// serveAndDrive creates a writer token in the store at storeURL, starts
// tooltrail serve on it as a process of its own (data directory, hence
// signing key, in a temporary directory), records over HTTP, and stops
// the server.
func (c *benchCommand) serveAndDrive(ctx context.Context, s *streams, storeURL string, callers int) (benchResult, error) {
	dataDir, err := os.MkdirTemp("", "tooltrail-bench-data-")
	if err != nil {
		return benchResult{}, err
	}
	defer os.RemoveAll(dataDir)
	secret, err := benchToken(ctx, storeURL)
	if err != nil {
		return benchResult{}, err
	}
	srv, err := startBenchServer(ctx, c.serverCommand, storeURL, dataDir)
	if err != nil {
		return benchResult{}, err
	}
	defer srv.stop()
	cl := client.New(srv.url)
	cl.Token = secret
	cl.HTTPClient = &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: callers}}
	return drive(ctx, func(ctx context.Context, call tooltrail.Call) error {
		_, err := cl.Record(ctx, call)
		return err
	}, callers, c.records, 0)
}

// benchToken makes a writer token in the store at storeURL, as token
// create does, and returns its secret.
func benchToken(ctx context.Context, storeURL string) (string, error) {
	sf := storeFlags{store: storeURL}
	store, tokens, _, err := sf.open(ctx, true)
	if err != nil {
		return "", err
	}
	defer store.Close()
	_, secret, err := createToken(ctx, store, tokens, auth.Token{Name: "bench", Role: auth.Writer}, localActor())
	return secret, err
}

// benchServer is a tooltrail serve process of the comparison.
type benchServer struct {
	url  string
	cmd  *exec.Cmd
	done chan error
}

// startBenchServer starts command (this executable's serve, by default)
// on storeURL and dataDir, listening on a port of loopback the system
// picks, and returns once it serves.
func startBenchServer(ctx context.Context, command func(ctx context.Context, args ...string) *exec.Cmd, storeURL, dataDir string) (*benchServer, error) {
	cmd := command(ctx, "serve", "--store", storeURL, "--data", dataDir, "--addr", "127.0.0.1:0")
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = io.Discard // one line a request: what the server logs is not the bench's to show
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start tooltrail serve: %w", err)
	}
	srv := &benchServer{cmd: cmd, done: make(chan error, 1)}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "tooltrail serving on "); ok {
				urls <- u
			}
		}
		srv.done <- cmd.Wait()
	}()
	select {
	case srv.url = <-urls:
		return srv, nil
	case err := <-srv.done:
		return nil, fmt.Errorf("tooltrail serve exited before it listened: %v", err)
	case <-time.After(30 * time.Second):
		srv.stop()
		return nil, errors.New("tooltrail serve did not listen within 30s")
	}
}

// stop ends the server with SIGINT, as an operator would, and waits.
func (s *benchServer) stop() {
	s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
}

// thisExecutable runs this program with args: the server of bench
// --versus-seed.
func thisExecutable(ctx context.Context, args ...string) *exec.Cmd {
	exe, err := os.Executable()
	if err != nil {
		exe = os.Args[0]
	}
	cmd := exec.CommandContext(ctx, exe, args...)
	// The server takes its settings from its flags alone.
	cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "TOOLTRAIL_") })
	return cmd
}

// seedSummary takes the medians of the runs of each design at each
// concurrency.
func seedSummary(runs []seedRun, designs []string, callerList []int) []seedRow {
	median := func(xs []float64) float64 {
		slices.Sort(xs)
		if len(xs)%2 == 1 {
			return xs[len(xs)/2]
		}
		return (xs[len(xs)/2-1] + xs[len(xs)/2]) / 2
	}
	var rows []seedRow
	for _, callers := range callerList {
		var seedRate float64
		for _, d := range designs {
			var rate, p50, p99 []float64
			for _, r := range runs {
				if r.Design == d && r.Callers == callers {
					rate, p50, p99 = append(rate, r.RecordsPerSec), append(p50, r.P50Ms), append(p99, r.P99Ms)
				}
			}
			row := seedRow{Callers: callers, Design: d, RecordsPerSec: median(rate), P50Ms: median(p50), P99Ms: median(p99)}
			if d == "seed" {
				seedRate = row.RecordsPerSec
			}
			row.Ratio = row.RecordsPerSec / seedRate
			rows = append(rows, row)
		}
	}
	return rows
}

func printSeedSummary(w io.Writer, rows []seedRow, rounds int) {
	fmt.Fprintf(w, "medians of %d rounds; ratio: records/s against the seed's at the same callers\n", rounds)
	fmt.Fprintf(w, "%7s  %-19s %10s %8s %8s %7s\n", "callers", "design", "records/s", "p50 ms", "p99 ms", "ratio")
	for _, r := range rows {
		fmt.Fprintf(w, "%7d  %-19s %10.0f %8.2f %8.2f %6.2fx\n", r.Callers, r.Design, r.RecordsPerSec, r.P50Ms, r.P99Ms, r.Ratio)
	}
}

// intList is a flag of comma-separated positive integers.
type intList []int

func (l *intList) String() string {
	parts := make([]string, len(*l))
	for i, n := range *l {
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, ",")
}

func (l *intList) Set(v string) error {
	var out intList
	for p := range strings.SplitSeq(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 1 {
			return fmt.Errorf("%q is not a whole number of at least 1", p)
		}
		out = append(out, n)
	}
	*l = out
	return nil
}
