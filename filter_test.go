package tooltrail_test

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/tooltrail/tooltrail"
)

func TestParseTime(t *testing.T) {
	utc := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm.UTC()
	}
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2026-01-02T03:04:05Z", utc("2026-01-02T03:04:05Z")},
		{"2026-01-02T03:04:05.123456Z", utc("2026-01-02T03:04:05.123456Z")},
		{"2026-01-02T03:04:05+02:00", utc("2026-01-02T01:04:05Z")},
		{"2026-01-02T03:04:05-05:00", utc("2026-01-02T08:04:05Z")},
		{"2026-01-02T03:04:05+0200", utc("2026-01-02T01:04:05Z")},
		{"2026-01-02T03:04:05", utc("2026-01-02T03:04:05Z")},
		{"2026-01-02T03:04:05.5", utc("2026-01-02T03:04:05.5Z")},
		{"2026-01-02 03:04:05", utc("2026-01-02T03:04:05Z")},
		{"2026-01-02 03:04", utc("2026-01-02T03:04:00Z")},
		{"2026-01-02T03:04Z", utc("2026-01-02T03:04:00Z")},
		{"2026-01-02", utc("2026-01-02T00:00:00Z")},
		{"2026-01-02t03:04:05z", time.Time{}},
		// A "+" that a query string turned into a space.
		{"2026-01-02T03:04:05 02:00", utc("2026-01-02T01:04:05Z")},
		{"2026-01-02 03:04:05.5 02:00", utc("2026-01-02T01:04:05.5Z")},
		{"2026-01-02T03:04:05.123456 0530", utc("2026-01-01T21:34:05.123456Z")},
		{"2026-01-02T03:04 01:00", utc("2026-01-02T02:04:00Z")},
		{"2026-01-02 02:00", utc("2026-01-02T02:00:00Z")}, // the space between date and time, not an offset
		{"2026-01-02T03:04:05 2:00", time.Time{}},
		{"2026-01-02T03:04:05  02:00", time.Time{}},
		{"2026-01-02T03:04:05 02", time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := tooltrail.ParseTime("start", tt.in)
			if tt.want.IsZero() {
				if err == nil {
					t.Errorf("ParseTime(%q) = %v, want an error", tt.in, got)
				}
				return
			}
			if err != nil || !got.Equal(tt.want) {
				t.Errorf("ParseTime(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
	for _, bad := range []string{"", "yesterday", "2026-02-30", "2026-13-01", "2026-01-02T25:00", "1735689600"} {
		t.Run("Err"+bad, func(t *testing.T) {
			_, err := tooltrail.ParseTime("end", bad)
			var fe *tooltrail.FieldError
			if !errors.As(err, &fe) || fe.Field != "end" {
				t.Errorf("ParseTime(%q) error = %v, want a FieldError on end", bad, err)
			}
		})
	}
}

func TestParseFilter(t *testing.T) {
	good := url.Values{
		"start": {"2026-01-02"}, "end": {"2026-01-03T00:00:00+01:00"}, "tool_name": {"read"},
		"session_id": {"s"}, "task_id": {"t"}, "user_id": {"u"}, "confirmed_only": {"true"},
		"limit": {"10"}, "offset": {"5"}, "cursor": {tooltrail.EncodeCursor(99)},
	}
	f, err := tooltrail.ParseFilter(good)
	if err != nil {
		t.Fatal(err)
	}
	want := tooltrail.Filter{
		Start: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 1, 2, 23, 0, 0, 0, time.UTC),
		ToolName: "read", SessionID: "s", TaskID: "t", UserID: "u", ConfirmedOnly: true, Limit: 10, Offset: 5,
		Cursor: tooltrail.EncodeCursor(99),
	}
	if diff := cmp.Diff(want, f); diff != "" {
		t.Errorf("ParseFilter (-want +got):\n%s", diff)
	}
	back, err := tooltrail.ParseFilter(f.Values())
	if err != nil || !cmp.Equal(f, back) {
		t.Errorf("ParseFilter(f.Values()) = %+v, %v; want %+v", back, err, f)
	}
	tests := []struct {
		name  string
		q     string
		field string
	}{
		{"ErrUnknownParam", "tool=x", "tool"},
		{"ErrRepeated", "user_id=a&user_id=b", "user_id"},
		{"ErrLimitZero", "limit=0", "limit"},
		{"ErrLimitTooBig", "limit=1001", "limit"},
		{"ErrLimitNegative", "limit=-1", "limit"},
		{"ErrLimitNotNumber", "limit=ten", "limit"},
		{"ErrLimitHuge", "limit=99999999999999999999999", "limit"},
		{"ErrOffsetNegative", "offset=-5", "offset"},
		{"ErrOffsetAbsurd", "offset=100000000000", "offset"},
		{"ErrConfirmedNotBool", "confirmed_only=maybe", "confirmed_only"},
		{"ErrBadStart", "start=2026-02-30", "start"},
		{"ErrBadEnd", "end=soon", "end"},
		{"ErrForgedCursor", "cursor=AAAA", "cursor"},
		{"ErrCursorNotBase64", "cursor=%21%21", "cursor"},
		{"ErrToolInvalidUTF8", "tool_name=%ff", "tool_name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := url.ParseQuery(tt.q)
			if err != nil {
				t.Fatal(err)
			}
			_, err = tooltrail.ParseFilter(q)
			var fe *tooltrail.FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field || !errors.Is(err, tooltrail.ErrInvalidArgument) {
				t.Errorf("ParseFilter(%s) error = %v, want a FieldError on %s", tt.q, err, tt.field)
			}
		})
	}
}

func FuzzDecodeCursor(f *testing.F) {
	f.Add(tooltrail.EncodeCursor(2))
	f.Add(tooltrail.EncodeCursor(1 << 40))
	f.Add("AQ")
	f.Fuzz(func(t *testing.T, s string) {
		id, err := tooltrail.DecodeCursor(s)
		if err != nil {
			if !errors.Is(err, tooltrail.ErrInvalidArgument) {
				t.Fatalf("DecodeCursor(%q) error %v does not wrap ErrInvalidArgument", s, err)
			}
			return
		}
		if s != "" && tooltrail.EncodeCursor(id) != s {
			t.Fatalf("DecodeCursor(%q) = %d, which encodes as %q", s, id, tooltrail.EncodeCursor(id))
		}
	})
}

func FuzzParseFilter(f *testing.F) {
	f.Add("start=2026-01-02&limit=5&tool_name=read")
	f.Add("cursor=AQI&offset=3&confirmed_only=1")
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		flt, err := tooltrail.ParseFilter(q)
		if err != nil {
			var fe *tooltrail.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("ParseFilter(%q) error %v is not a FieldError", raw, err)
			}
			return
		}
		again, err := tooltrail.ParseFilter(flt.Values())
		if err != nil || !cmp.Equal(flt, again) {
			t.Fatalf("round trip of %q: %+v, %v; want %+v", raw, again, err, flt)
		}
	})
}

func FuzzParseTime(f *testing.F) {
	f.Add("2026-01-02T03:04:05.123+02:00")
	f.Add("2026-01-02 03:04")
	f.Add("2026-01-02T03:04:05 0200")
	f.Fuzz(func(t *testing.T, s string) {
		tm, err := tooltrail.ParseTime("start", s)
		if err != nil {
			return
		}
		if tm.Location() != time.UTC {
			t.Fatalf("ParseTime(%q) is in %v, want UTC", s, tm.Location())
		}
		// What a query string makes of an unencoded "+" reads the same.
		if i := strings.LastIndexByte(s, '+'); i > 10 {
			spaced := s[:i] + " " + s[i+1:]
			if again, err := tooltrail.ParseTime("start", spaced); err != nil || !again.Equal(tm) {
				t.Fatalf("ParseTime(%q) = %v, %v; want %v as for %q", spaced, again, err, tm, s)
			}
		}
	})
}
