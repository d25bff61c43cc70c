package main

import (
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/tooltrail/tooltrail"
)

// previewRunes is how many characters of arguments and results a table
// shows.
const previewRunes = 60

// writeTable prints entries as aligned columns, with a header line when
// header is set.
func writeTable(w io.Writer, entries []tooltrail.Entry, header bool) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if header {
		io.WriteString(tw, "ID\tTIME\tTOOL\tUSER\tSESSION\tTASK\tCONFIRMED\tARGUMENTS\tRESULT\n")
	}
	for _, e := range entries {
		confirmed := ""
		if e.Confirmed {
			confirmed = "yes"
		}
		cells := []string{
			strconv.FormatInt(e.ID, 10),
			e.Timestamp.UTC().Format(time.RFC3339),
			oneLine(e.ToolName),
			oneLine(e.UserID),
			oneLine(e.SessionID),
			oneLine(e.TaskID),
			confirmed,
			preview(string(e.Arguments), previewRunes),
			preview(e.ResultSummary, previewRunes),
		}
		io.WriteString(tw, strings.Join(cells, "\t")+"\n")
	}
	return tw.Flush()
}

// oneLine returns s safe for one table cell on a terminal: control and
// bidirectional formatting characters (tabs, newlines, escapes) become
// spaces, invalid UTF-8 becomes U+FFFD.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

// preview returns s on one line, runs of white space as one space, cut to
// at most max characters with "…" at the end when it is longer.
func preview(s string, max int) string {
	s = strings.Join(strings.Fields(oneLine(s)), " ")
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	runes := []rune(s)
	return strings.TrimRight(string(runes[:max-1]), " ") + "…"
}
