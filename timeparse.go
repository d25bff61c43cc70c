package tooltrail

import (
	"strings"
	"time"
)

// timeLayouts are the forms ParseTime accepts, tried in order: RFC 3339 and
// the ISO 8601 forms Python's datetime.isoformat writes, with a "T" or a
// space between date and time.
var timeLayouts = [...]string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04Z0700",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04",
	"2006-01-02T15",
	"2006-01-02",
}

// ParseTime reads a time as the query filters take it: RFC 3339 or ISO 8601
// (date only, minutes, seconds, fractions), with "T" or a space between date
// and time; a time without an offset is UTC, as in oAI-Web. A space before a
// trailing offset of the form hh:mm or hhmm is read as "+": a query string
// turns an unencoded "+" into a space, and a "-" offset is never written so,
// so "2026-01-02T15:04:05 02:00" can only have meant +02:00. It returns an
// error wrapping ErrInvalidArgument that names field and the accepted forms.
func ParseTime(field, s string) (time.Time, error) {
	v := strings.TrimSpace(s)
	if len(v) > 10 && v[10] == ' ' {
		v = v[:10] + "T" + v[11:]
	}
	v = plusOffset(v)
	if strings.HasSuffix(v, "z") {
		v = v[:len(v)-1] + "Z"
	}
	for _, layout := range timeLayouts {
		if t, err := time.ParseInLocation(layout, v, time.UTC); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, invalid(field, "%q is not a time: use RFC 3339 or ISO 8601, such as 2026-01-02T15:04:05Z, 2026-01-02T15:04:05+02:00 or 2026-01-02 (no offset means UTC)", s)
}

// plusOffset returns v with the space before a trailing hh:mm or hhmm offset
// replaced by "+", and v unchanged otherwise. Only a space after a time (past
// the "T" at index 10) counts, so a date alone is never changed.
func plusOffset(v string) string {
	i := strings.LastIndexByte(v, ' ')
	if i <= 11 || v[10] != 'T' {
		return v
	}
	off := v[i+1:]
	digits := func(s string) bool {
		for _, c := range []byte(s) {
			if c < '0' || c > '9' {
				return false
			}
		}
		return true
	}
	switch {
	case len(off) == 5 && off[2] == ':' && digits(off[:2]) && digits(off[3:]),
		len(off) == 4 && digits(off):
		return v[:i] + "+" + off
	}
	return v
}
