// Package export writes the entries of a filter as NDJSON or CSV, a page
// at a time through the cursor, so that any number of entries go out in
// constant memory.
package export

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"

	"github.com/tooltrail/tooltrail"
)

// Format is an export format.
type Format string

// The formats.
const (
	NDJSON Format = "ndjson" // one Entry as JSON (the API's shape) a line
	CSV    Format = "csv"    // a header, then one row an entry; arguments as canonical JSON
)

// pageSize is how many entries one query of an export reads.
const pageSize = 1000

// ParseFormat returns the format named s. Errors: a *tooltrail.FieldError
// for any other name.
func ParseFormat(s string) (Format, error) {
	switch f := Format(s); f {
	case NDJSON, CSV:
		return f, nil
	}
	return "", &tooltrail.FieldError{Field: "format", Reason: fmt.Sprintf("%q is not an export format: use ndjson or csv", s), Err: tooltrail.ErrInvalidArgument}
}

// ContentType returns the media type of the format.
func (f Format) ContentType() string {
	if f == CSV {
		return "text/csv; charset=utf-8"
	}
	return "application/x-ndjson"
}

// csvHeader is the first row of a CSV export.
var csvHeader = []string{"id", "timestamp", "tool_name", "user_id", "session_id", "task_id", "confirmed", "call_id", "arguments", "result_summary"}

// Write writes every entry of the log that matches f (its Limit, Offset
// and Cursor are ignored), newest first, in format, and returns how many.
// After each page it calls flush, when not nil, so that a client sees the
// export arrive. Errors: the log's (Query), and w's.
func Write(ctx context.Context, w io.Writer, log *tooltrail.Log, f tooltrail.Filter, format Format, flush func()) (int64, error) {
	f.Limit, f.Offset, f.Cursor = pageSize, 0, ""
	var (
		n   int64
		cw  *csv.Writer
		enc *json.Encoder
	)
	if format == CSV {
		cw = csv.NewWriter(w)
		if err := cw.Write(csvHeader); err != nil {
			return 0, err
		}
	} else {
		enc = json.NewEncoder(w)
		enc.SetEscapeHTML(false)
	}
	for {
		page, err := log.Query(ctx, f)
		if err != nil {
			return n, err
		}
		for _, e := range page.Entries {
			if cw != nil {
				err = cw.Write(csvRow(e))
			} else {
				err = enc.Encode(e)
			}
			if err != nil {
				return n, err
			}
			n++
		}
		if cw != nil {
			cw.Flush()
			if err := cw.Error(); err != nil {
				return n, err
			}
		}
		if flush != nil {
			flush()
		}
		if page.NextCursor == "" {
			return n, nil
		}
		f.Cursor = page.NextCursor
	}
}

func csvRow(e tooltrail.Entry) []string {
	args := string(e.Arguments)
	if args == "" {
		args = "null"
	}
	return []string{
		strconv.FormatInt(e.ID, 10), e.Timestamp.UTC().Format(tooltrail.TimeLayout), csvSafe(e.ToolName), csvSafe(e.UserID),
		csvSafe(e.SessionID), csvSafe(e.TaskID), strconv.FormatBool(e.Confirmed), csvSafe(e.CallID), csvSafe(args), csvSafe(e.ResultSummary),
	}
}

// csvSafe keeps a spreadsheet from taking a value for a formula: one that
// starts with =, +, -, @, tab or CR gets a leading apostrophe (OWASP's
// advice on CSV injection). Every recorded value is an agent's, that is
// an attacker's, text.
func csvSafe(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r') {
		return "'" + s
	}
	return s
}
