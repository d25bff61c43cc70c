package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/tooltrail/tooltrail"
)

// importChunk is how many source rows one read and one Log.Import take.
const importChunk = 1000

// oaiwebSource is the source name imported entries carry.
const oaiwebSource = "oai-web"

// importCommand copies an oAI-Web audit_log table: tooltrail import.
type importCommand struct {
	from         string
	table        string
	data         string
	store        string
	redactConfig string
}

func (c *importCommand) define(fs *flag.FlagSet) {
	def, _ := defaultDataDir()
	fs.StringVar(&c.from, "from-oaiweb", "", "`URL` of the PostgreSQL database that holds oAI-Web's audit log")
	fs.StringVar(&c.table, "table", "audit_log", "the `TABLE` (optionally schema.table) to read")
	fs.StringVar(&c.data, "data", def, "data `DIR` of the log to import into (its SQLite store)")
	fs.StringVar(&c.store, "store", "", "store `URL` to import into instead of --data: sqlite:PATH or postgres://...")
	fs.StringVar(&c.redactConfig, "redact-config", "", "`FILE` of redaction rules, as serve takes it; the key is the one in --data")
}

func (c *importCommand) run(ctx context.Context, s *streams) error {
	if c.from == "" {
		return usagef("--from-oaiweb is required: the postgres:// URL of oAI-Web's database")
	}
	storeURL := c.store
	if storeURL == "" {
		if c.data == "" {
			return usagef("--data or --store is required")
		}
		if err := os.MkdirAll(c.data, 0o700); err != nil {
			return fmt.Errorf("create data directory: %w", err)
		}
		storeURL = defaultStore(filepath.Clean(c.data))
	}
	open, err := parseStore(storeURL)
	if err != nil {
		return err
	}
	src, err := pgx.Connect(ctx, c.from)
	if err != nil {
		return fmt.Errorf("connect to oAI-Web's database %s: %w", redactURL(c.from), err)
	}
	defer src.Close(context.WithoutCancel(ctx))
	store, err := open(ctx, nil)
	if err != nil {
		return fmt.Errorf("open store %s: %w", redactURL(storeURL), err)
	}
	fmt.Fprintf(s.stderr, "importing into %s\n", redactURL(storeURL))
	// Imported calls are redacted as recorded ones are, with the key of
	// the data directory.
	if c.data == "" {
		return errors.Join(usagef("--data is needed for the redaction key, also with --store"), closeStore(store))
	}
	if err := os.MkdirAll(c.data, 0o700); err != nil {
		return errors.Join(fmt.Errorf("create data directory: %w", err), closeStore(store))
	}
	redactor, err := newRedactor(c.data, c.redactConfig)
	if err != nil {
		return errors.Join(err, closeStore(store))
	}
	log, err := tooltrail.New(ctx, store, tooltrail.Config{Redactor: redactor})
	if err != nil {
		return errors.Join(err, closeStore(store))
	}
	rep, err := importOAIWeb(ctx, src, c.table, store, log, s)
	err = errors.Join(err, log.Close(), closeStore(store))
	rep.print(s)
	return err
}

// importReport counts what an import did.
type importReport struct {
	mark     int64         // the source id earlier runs reached
	before   int64         // rows up to mark, skipped
	read     int           // rows read after mark
	added    int           // new entries
	there    int           // rows whose entries were there already
	refused  int           // rows that could not be imported
	later    int           // entries stamped later than their source time
	maxLater time.Duration // by how much at most
}

func (r importReport) print(s *streams) {
	if r.mark > 0 {
		fmt.Fprintf(s.stdout, "skipped %d rows up to source id %d: an earlier import took them (their entries may be purged since; they never come back)\n", r.before, r.mark)
	}
	fmt.Fprintf(s.stdout, "read %d rows, imported %d new entries, %d already there, %d not importable\n", r.read, r.added, r.there, r.refused)
	if r.later > 0 {
		fmt.Fprintf(s.stderr, "warning: %d entries were stamped up to %v later than their source time, since the log held newer entries (a log's time never goes back); retention counts from the stamped time. Import into a new log, before recording, to keep every time.\n",
			r.later, r.maxLater.Round(time.Second))
	}
}

// importSource names the source table for its import mark: the database
// as host, port and name, and the table as given.
func importSource(src *pgx.Conn, table string) string {
	cfg := src.Config()
	return fmt.Sprintf("%s postgres://%s:%d/%s %s", oaiwebSource, cfg.Host, cfg.Port, cfg.Database, table)
}

// importOAIWeb reads table in id order after the mark earlier imports
// left, a chunk at a time, and imports every row it can: a row the log's
// limits refuse is reported on stderr and counted, and the mark moves
// past it. The mark moves after each chunk is durable.
func importOAIWeb(ctx context.Context, src *pgx.Conn, table string, store tooltrail.Store, log *tooltrail.Log, s *streams) (importReport, error) {
	var rep importReport
	ident := pgx.Identifier{table}
	if schema, name, ok := strings.Cut(table, "."); ok {
		ident = pgx.Identifier{schema, name}
	}
	source := importSource(src, table)
	mark, err := store.ImportMark(ctx, source)
	if err != nil {
		return rep, err
	}
	rep.mark = mark
	if mark > 0 {
		if err := src.QueryRow(ctx, "SELECT count(*) FROM "+ident.Sanitize()+" WHERE id <= $1", mark).Scan(&rep.before); err != nil {
			return rep, fmt.Errorf("read oAI-Web's audit log: %w", err)
		}
	}
	query := "SELECT id, timestamp, session_id, tool_name, arguments::text, result_summary, confirmed, task_id, user_id FROM " +
		ident.Sanitize() + " WHERE id > $1 ORDER BY id LIMIT $2"
	after := mark
	for {
		calls, bad, last, err := readOAIWebChunk(ctx, src, query, after)
		if err != nil {
			return rep, err
		}
		if last == 0 {
			return rep, nil
		}
		rep.read += len(calls) + len(bad)
		for _, b := range bad {
			rep.refused++
			fmt.Fprintf(s.stderr, "row %d not imported: %v\n", b.id, b.err)
		}
		receipts, errs := log.Import(ctx, calls)
		var failed error
		for i, r := range receipts {
			var fe *tooltrail.FieldError
			switch {
			case errs[i] == nil && r.Replayed:
				rep.there++
			case errs[i] == nil:
				rep.added++
				if d := r.Timestamp.Sub(calls[i].Time); d > time.Microsecond {
					rep.later++
					rep.maxLater = max(rep.maxLater, d)
				}
			case errors.As(errs[i], &fe):
				rep.refused++
				fmt.Fprintf(s.stderr, "row %d not imported: %v\n", calls[i].SourceID, errs[i])
			case failed == nil:
				failed = errs[i]
			}
		}
		if failed != nil {
			return rep, fmt.Errorf("import stopped at a row after id %d, nothing after it is marked as imported; run import again to resume: %w", after, failed)
		}
		after = last
		if err := store.SetImportMark(ctx, source, after); err != nil {
			return rep, err
		}
	}
}

// badRow is a source row that cannot become an entry, and why.
type badRow struct {
	id  int64
	err error
}

// readOAIWebChunk reads up to importChunk rows after the given id: the
// calls of those it can read, those it cannot, and the id of the last
// row (0 when there was none).
func readOAIWebChunk(ctx context.Context, src *pgx.Conn, query string, after int64) (calls []tooltrail.ImportedCall, bad []badRow, last int64, _ error) {
	rows, err := src.Query(ctx, query, after, importChunk)
	if err != nil {
		return nil, nil, 0, fmt.Errorf("read oAI-Web's audit log: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id                              int64
			ts, tool                        string
			session, args, result, task, us *string
			confirmed                       *bool
		)
		if err := rows.Scan(&id, &ts, &session, &tool, &args, &result, &confirmed, &task, &us); err != nil {
			return nil, nil, 0, fmt.Errorf("read oAI-Web's audit log: %w", err)
		}
		last = id
		at, err := tooltrail.ParseTime("timestamp", ts)
		if err != nil {
			bad = append(bad, badRow{id: id, err: err})
			continue
		}
		call := tooltrail.Call{
			ToolName: tool, ResultSummary: deref(result), SessionID: deref(session), TaskID: deref(task), UserID: deref(us),
			Confirmed: confirmed != nil && *confirmed,
		}
		if args != nil {
			call.Arguments = json.RawMessage(*args)
		}
		calls = append(calls, tooltrail.ImportedCall{Call: call, Time: at, Source: oaiwebSource, SourceID: id, SourceRaw: ts})
	}
	if err := rows.Err(); err != nil {
		return nil, nil, 0, fmt.Errorf("read oAI-Web's audit log: %w", err)
	}
	return calls, bad, last, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
