package webui

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tooltrail/tooltrail"
)

// purgeTimeout bounds a purge, which runs detached from the browser, as
// the API's does: once started it runs to its end and is recorded.
const purgeTimeout = 10 * time.Minute

// maxPurgeDays is the most days the form takes, as Log.Purge does.
const maxPurgeDays = 1_000_000

// purgeRequest is what the purge form asks for.
type purgeRequest struct {
	Scope string // "days" or "all"
	Days  int    // with "days": entries older than this many days
}

// olderThan returns the request as Log.Purge takes it: nil for all.
func (p purgeRequest) olderThan() *int {
	if p.Scope == "all" {
		return nil
	}
	return &p.Days
}

// purgeForm reads the purge form of r. Errors: a *tooltrail.FieldError
// for a scope other than days or all, or a number of days that is not
// a whole number from 0 to maxPurgeDays.
func purgeForm(r *http.Request) (purgeRequest, error) {
	p := purgeRequest{Scope: r.PostFormValue("scope")}
	switch p.Scope {
	case "all":
		return p, nil
	case "days":
	default:
		return p, &tooltrail.FieldError{Field: "scope", Reason: "choose entries older than a number of days, or all", Err: tooltrail.ErrInvalidArgument}
	}
	s := strings.TrimSpace(r.PostFormValue("days"))
	d, err := strconv.Atoi(s)
	if err != nil || d < 0 || d > maxPurgeDays {
		return p, &tooltrail.FieldError{Field: "days", Reason: fmt.Sprintf("%q is not a whole number of days from 0 to %d", s, maxPurgeDays), Err: tooltrail.ErrInvalidArgument}
	}
	p.Days = d
	return p, nil
}

// purgeView is the data of the purge confirmation and result pages.
type purgeView struct {
	Req     purgeRequest
	Before  timeView // the cutoff, for a number of days
	Count   int64    // entries that would go, or went
	AsOf    timeView // when Count was taken
	Deleted int64
	Failed  string // why the purge did not finish
}

// postPurge is POST /purge: the confirmation page, saying how many
// entries the purge would delete now. Nothing is deleted yet.
func (ui *UI) postPurge(w http.ResponseWriter, r *http.Request) {
	req, err := purgeForm(r)
	if err != nil {
		ui.fail(w, r, err)
		return
	}
	now := ui.now()
	v := purgeView{Req: req, AsOf: timeOf(now)}
	var f tooltrail.Filter
	if req.Scope == "days" {
		// As Log.Purge: entries recorded before the cutoff; End is
		// inclusive, hence the microsecond.
		before := now.UTC().AddDate(0, 0, -req.Days).Truncate(time.Microsecond)
		v.Before = timeOf(before)
		f.End = before.Add(-time.Microsecond)
	}
	if v.Count, err = ui.cfg.Log.Count(r.Context(), f); err != nil {
		ui.fail(w, r, err)
		return
	}
	ui.show(w, r, page{name: "purge", title: "Confirm the purge", data: v})
}

// postPurgeConfirm is POST /purge/confirm: the purge itself, recorded as
// an entry under the admin token's name.
func (ui *UI) postPurgeConfirm(w http.ResponseWriter, r *http.Request) {
	req, err := purgeForm(r)
	if err != nil {
		ui.fail(w, r, err)
		return
	}
	s, _ := sessionFrom(r.Context())
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), purgeTimeout)
	defer cancel()
	n, err := ui.cfg.Log.Purge(tooltrail.WithUser(ctx, s.token.Name), req.olderThan())
	v := purgeView{Req: req, Deleted: n, AsOf: timeOf(ui.now())}
	if err != nil {
		ui.logger.WarnContext(r.Context(), "web ui purge failed", "by", s.token.Name, "deleted", n, "err", err)
		status, msg := errStatus(err)
		if status < 500 {
			ui.renderError(w, r, status, msg)
			return
		}
		v.Failed = msg
		ui.show(w, r, page{status: status, name: "purged", title: "Purge failed", data: v})
		return
	}
	ui.logger.InfoContext(r.Context(), "web ui purge", "by", s.token.Name, "deleted", n)
	ui.show(w, r, page{name: "purged", title: "Purged", data: v})
}
