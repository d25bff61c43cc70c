package main

import (
	"errors"
	"flag"
	"time"

	"github.com/tooltrail/tooltrail"
)

// filterFlags are the filters query and count share.
type filterFlags struct {
	start, end    timeFlag
	tool          string
	session       string
	task          string
	user          string
	confirmedOnly bool
}

func (f *filterFlags) define(fs *flag.FlagSet) {
	f.start.field, f.end.field = "--start", "--end"
	fs.Var(&f.start, "start", "entries at or after `TIME` (RFC 3339 or ISO 8601; no offset means UTC)")
	fs.Var(&f.end, "end", "entries at or before `TIME`")
	fs.StringVar(&f.tool, "tool", "", "tool names containing `TEXT`, ignoring case")
	fs.StringVar(&f.session, "session", "", "entries of session `ID`")
	fs.StringVar(&f.task, "task", "", "entries of task `ID`")
	fs.StringVar(&f.user, "user", "", "entries of user `ID`")
	fs.BoolVar(&f.confirmedOnly, "confirmed-only", false, "only calls the user confirmed")
}

// filter returns the filter the flags describe.
func (f *filterFlags) filter() tooltrail.Filter {
	return tooltrail.Filter{
		Start: f.start.t, End: f.end.t, ToolName: f.tool, SessionID: f.session, TaskID: f.task,
		UserID: f.user, ConfirmedOnly: f.confirmedOnly,
	}
}

// timeFlag is a time flag read with tooltrail.ParseTime.
type timeFlag struct {
	field string
	s     string
	t     time.Time
}

// String implements flag.Value.
func (v *timeFlag) String() string { return v.s }

// Set implements flag.Value. The error says what is wrong; the flag
// package (or the environment) names where it came from.
func (v *timeFlag) Set(s string) error {
	t, err := tooltrail.ParseTime(v.field, s)
	if err != nil {
		var fe *tooltrail.FieldError
		if errors.As(err, &fe) {
			return errors.New(fe.Reason)
		}
		return err
	}
	v.s, v.t = s, t
	return nil
}
