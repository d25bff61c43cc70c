package export_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/export"
	"github.com/tooltrail/tooltrail/sqlite"
)

// newLog returns a log of n entries on a real SQLite store: tool "even"
// or "odd" by id parity, and one entry whose values would start a
// spreadsheet formula.
func newLog(t *testing.T, n int) *tooltrail.Log {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, sqlite.Config{Path: filepath.Join(t.TempDir(), "log.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	log, err := tooltrail.New(ctx, store, tooltrail.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close() })
	if _, err := log.Record(ctx, tooltrail.Call{ToolName: "=cmd|' /C calc'!A0", UserID: "+alice", ResultSummary: "@SUM(1)", Arguments: map[string]string{"a": "b,c\n\"d\""}}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := w; i < n-1; i += 8 {
				if _, err := log.Record(ctx, tooltrail.Call{ToolName: "tool", Arguments: i}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	return log
}

// TestWrite exports more than two pages in both formats and checks that
// every entry comes once, newest first, and that CSV cells cannot run as
// formulas.
func TestWrite(t *testing.T) {
	const n = 2345
	log := newLog(t, n)
	ctx := context.Background()
	var nd bytes.Buffer
	flushes := 0
	got, err := export.Write(ctx, &nd, log, tooltrail.Filter{Limit: 3, Offset: 7, Cursor: "ignored"}, export.NDJSON, func() { flushes++ })
	if err != nil || got != n {
		t.Fatalf("NDJSON export = %d, %v; want %d", got, err, n)
	}
	if flushes != 3 {
		t.Errorf("flushed %d times, want once a page (3)", flushes)
	}
	sc := bufio.NewScanner(&nd)
	sc.Buffer(nil, 1<<20)
	want := int64(n)
	for sc.Scan() {
		var e tooltrail.Entry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		if e.ID != want {
			t.Fatalf("entry %d where %d was due: not every entry once, newest first", e.ID, want)
		}
		want--
	}
	if want != 0 {
		t.Errorf("the export stopped at %d", want)
	}

	var cb bytes.Buffer
	if got, err := export.Write(ctx, &cb, log, tooltrail.Filter{ToolName: "cmd"}, export.CSV, nil); err != nil || got != 1 {
		t.Fatalf("CSV export of one = %d, %v", got, err)
	}
	rows, err := csv.NewReader(&cb).ReadAll()
	if err != nil || len(rows) != 2 {
		t.Fatalf("CSV: %v, %d rows", err, len(rows))
	}
	row := rows[1]
	for i, want := range map[int]string{2: `'=cmd|' /C calc'!A0`, 3: "'+alice", 8: `{"a":"b,c\n\"d\""}`, 9: "'@SUM(1)"} {
		if row[i] != want {
			t.Errorf("CSV cell %s = %q, want %q", rows[0][i], row[i], want)
		}
	}
}

func TestParseFormat(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want export.Format
		ok   bool
	}{{"ndjson", export.NDJSON, true}, {"csv", export.CSV, true}, {"CSV", "", false}, {"xml", "", false}, {"", "", false}} {
		f, err := export.ParseFormat(tc.in)
		var fe *tooltrail.FieldError
		if tc.ok && (err != nil || f != tc.want) || !tc.ok && (!errors.As(err, &fe) || fe.Field != "format") {
			t.Errorf("ParseFormat(%q) = %q, %v", tc.in, f, err)
		}
	}
	if export.CSV.ContentType() != "text/csv; charset=utf-8" || export.NDJSON.ContentType() != "application/x-ndjson" {
		t.Error("content types")
	}
}

// failingWriter fails after a few bytes, like a client that goes away.
type failingWriter struct{ n int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.n -= len(p); w.n < 0 {
		return 0, fmt.Errorf("client went away")
	}
	return len(p), nil
}

func TestWriteStopsOnAWriteError(t *testing.T) {
	log := newLog(t, 50)
	if n, err := export.Write(context.Background(), &failingWriter{n: 500}, log, tooltrail.Filter{}, export.NDJSON, nil); err == nil || n >= 50 {
		t.Errorf("Write to a failing writer = %d, %v; want an error before the end", n, err)
	}
}
