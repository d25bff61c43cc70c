package webui

import (
	"strings"
	"time"
	"unicode/utf8"
)

// timeView is a timestamp as a page shows it: UTC text in the cell, the
// machine-readable time in <time datetime>, which the script may show in
// local time (keeping the UTC text as the title).
type timeView struct {
	ISO  string // RFC 3339 with microseconds, for the datetime attribute
	Text string // "2006-01-02 15:04:05.000000 UTC"
}

// timeOf returns the view of t.
func timeOf(t time.Time) timeView {
	t = t.UTC()
	return timeView{ISO: t.Format("2006-01-02T15:04:05.000000Z07:00"), Text: t.Format("2006-01-02 15:04:05.000000") + " UTC"}
}

// previewRunes is how much of a value a row of the log view shows.
const previewRunes = 100

// preview returns s on one line and at most previewRunes runes, with an
// ellipsis when it was cut.
func preview(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= previewRunes {
		return s
	}
	n := 0
	for i := range s {
		if n == previewRunes {
			return s[:i] + "…"
		}
		n++
	}
	return s
}
