package webui

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/auth"
)

// logView is the data of the log view.
type logView struct {
	Form    filterForm
	Bound   string // the user a bound reader acts as
	Tools   []tooltrail.ToolCount
	Error   string // why the filter was refused
	Count   int64
	Rows    []rowView
	PageNum int // 1 for the newest page

	NextURL, NewerURL, NewestURL string
	ExportNDJSON, ExportCSV      string
	LiveURL, StaticURL           string // the live view on and off
	StreamURL                    string // what the live script listens to
	Base                         string // the filter's query, for the script's links
}

// rowView is one entry in the log view.
type rowView struct {
	ID               int64
	Href             string
	Time             timeView
	Tool, ToolHref   string
	User, UserHref   string
	Session, SesHref string
	Task, TaskHref   string
	Confirmed        bool
	Args             string
	Result           string
}

// getLogView is GET /: the count and one page of the entries of the
// filter in the URL, newest first.
func (ui *UI) getLogView(w http.ResponseWriter, r *http.Request) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		ui.renderError(w, r, http.StatusBadRequest, "The address has a malformed query string: "+err.Error())
		return
	}
	if clean, dropped := withoutEmpty(q); dropped {
		target := "/"
		if len(clean) > 0 {
			target += "?" + clean.Encode()
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
		return
	}
	ctx := r.Context()
	bound := auth.BoundUser(ctx)
	v := logView{Bound: bound}
	v.Tools, err = ui.cfg.Log.Tools(ctx, bound)
	if err != nil {
		ui.fail(w, r, err)
		return
	}
	v.Form, err = readForm(q)
	var flt tooltrail.Filter
	if err == nil {
		if v.Form.Live {
			v.Form.Cursor, v.Form.Back = "", nil
		}
		flt, err = v.Form.filter(ui.now(), bound)
	}
	if err != nil {
		status, msg := errStatus(err)
		if status >= 500 {
			ui.fail(w, r, err)
			return
		}
		v.Error = msg
		ui.show(w, r, page{status: status, name: "log", title: "Log", data: v})
		return
	}
	pg, err := ui.cfg.Log.Query(ctx, flt)
	if err != nil {
		ui.fail(w, r, err)
		return
	}
	if v.Count, err = ui.cfg.Log.Count(ctx, flt); err != nil {
		ui.fail(w, r, err)
		return
	}
	base := v.Form.query()
	for _, e := range pg.Entries {
		v.Rows = append(v.Rows, rowOf(e, base))
	}
	v.links(base, pg.NextCursor)
	ui.show(w, r, page{name: "log", title: "Log", data: v})
}

// rowOf returns the row of e; its values link to the view filtered by
// them, on top of the filter base.
func rowOf(e tooltrail.Entry, base url.Values) rowView {
	args := string(e.Arguments)
	if args == "" {
		args = "null"
	}
	return rowView{
		ID: e.ID, Href: "/entries/" + strconv.FormatInt(e.ID, 10), Time: timeOf(e.Timestamp),
		Tool: e.ToolName, ToolHref: filterHref(base, "tool_name", e.ToolName),
		User: e.UserID, UserHref: filterHref(base, "user_id", e.UserID),
		Session: e.SessionID, SesHref: filterHref(base, "session_id", e.SessionID),
		Task: e.TaskID, TaskHref: filterHref(base, "task_id", e.TaskID),
		Confirmed: e.Confirmed, Args: preview(args), Result: preview(e.ResultSummary),
	}
}

// filterHref returns the log view of base with key set to value; a tool
// replaces the tool select.
func filterHref(base url.Values, key, value string) string {
	if value == "" {
		return ""
	}
	q := cloneValues(base)
	q.Set(key, value)
	if key == "tool_name" {
		q.Del("tool")
	}
	return "/?" + q.Encode()
}

// links sets the view's paging, export and live links.
func (v *logView) links(base url.Values, next string) {
	f := v.Form
	v.PageNum = 1
	if f.Cursor != "" {
		v.PageNum = len(f.Back) + 2
		v.NewestURL = hrefOf(base)
		newer := cloneValues(base)
		if n := len(f.Back); n > 0 {
			newer.Set("cursor", f.Back[n-1])
			if n > 1 {
				newer.Set("back", strings.Join(f.Back[:n-1], "."))
			}
		}
		v.NewerURL = hrefOf(newer)
	}
	if next != "" {
		q := cloneValues(base)
		q.Set("cursor", next)
		back := f.Back
		if f.Cursor != "" {
			back = append(back[:len(back):len(back)], f.Cursor)
		}
		if len(back) > maxBack {
			back = back[len(back)-maxBack:]
		}
		if len(back) > 0 {
			q.Set("back", strings.Join(back, "."))
		}
		v.NextURL = hrefOf(q)
	}
	exp := cloneValues(base)
	exp.Del("limit")
	exp.Set("format", "ndjson")
	v.ExportNDJSON = "/export?" + exp.Encode()
	exp.Set("format", "csv")
	v.ExportCSV = "/export?" + exp.Encode()
	live := cloneValues(base)
	live.Set("live", "1")
	v.LiveURL = hrefOf(live)
	v.StaticURL = hrefOf(base)
	stream := cloneValues(base)
	stream.Del("limit")
	v.StreamURL = "/stream"
	if len(stream) > 0 {
		v.StreamURL += "?" + stream.Encode()
	}
	v.Base = base.Encode()
}

// hrefOf returns the log view of q.
func hrefOf(q url.Values) string {
	if len(q) == 0 {
		return "/"
	}
	return "/?" + q.Encode()
}

// cloneValues returns a copy of q that can be changed on its own.
func cloneValues(q url.Values) url.Values {
	out := make(url.Values, len(q))
	for k, vs := range q {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
