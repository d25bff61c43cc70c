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
	store, err := open(ctx)
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
	n, added, err := importOAIWeb(ctx, src, c.table, log)
	err = errors.Join(err, log.Close(), closeStore(store))
	fmt.Fprintf(s.stdout, "read %d rows, imported %d new entries, %d already there\n", n, added, n-added)
	return err
}

// importOAIWeb reads table in id order, a chunk at a time, and imports
// every row. It returns the rows read and how many of them were new.
func importOAIWeb(ctx context.Context, src *pgx.Conn, table string, log *tooltrail.Log) (read, added int, err error) {
	ident := pgx.Identifier{table}
	if schema, name, ok := strings.Cut(table, "."); ok {
		ident = pgx.Identifier{schema, name}
	}
	query := "SELECT id, timestamp, session_id, tool_name, arguments::text, result_summary, confirmed, task_id, user_id FROM " +
		ident.Sanitize() + " WHERE id > $1 ORDER BY id LIMIT $2"
	var after int64
	for {
		calls, err := readOAIWebChunk(ctx, src, query, after)
		if err != nil {
			return read, added, err
		}
		if len(calls) == 0 {
			return read, added, nil
		}
		receipts, err := log.Import(ctx, calls)
		for _, r := range receipts {
			if r.ID != 0 && !r.Replayed {
				added++
			}
		}
		read += len(calls)
		if err != nil {
			return read, added, err
		}
		after = calls[len(calls)-1].SourceID
	}
}

// readOAIWebChunk reads up to importChunk rows after the given id.
func readOAIWebChunk(ctx context.Context, src *pgx.Conn, query string, after int64) ([]tooltrail.ImportedCall, error) {
	rows, err := src.Query(ctx, query, after, importChunk)
	if err != nil {
		return nil, fmt.Errorf("read oAI-Web's audit log: %w", err)
	}
	defer rows.Close()
	var calls []tooltrail.ImportedCall
	for rows.Next() {
		var (
			id                              int64
			ts, tool                        string
			session, args, result, task, us *string
			confirmed                       *bool
		)
		if err := rows.Scan(&id, &ts, &session, &tool, &args, &result, &confirmed, &task, &us); err != nil {
			return nil, fmt.Errorf("read oAI-Web's audit log: %w", err)
		}
		at, err := tooltrail.ParseTime("timestamp", ts)
		if err != nil {
			return nil, fmt.Errorf("oAI-Web row %d: %w", id, err)
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
		return nil, fmt.Errorf("read oAI-Web's audit log: %w", err)
	}
	return calls, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
