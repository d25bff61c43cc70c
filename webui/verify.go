package webui

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/tooltrail/tooltrail"
)

// verifyTimeout bounds one run of "verify now".
const verifyTimeout = time.Hour

// verifyJob runs tooltrail.Verify in the background, at most one run at a
// time, and keeps the progress and the result of the last run.
type verifyJob struct {
	mu    sync.Mutex
	state verifyState
	runs  sync.WaitGroup // the run going on, for Close
}

// verifyState is the progress or result of a run.
type verifyState struct {
	Ran      bool // a run started since the server did
	Running  bool
	By       string // the token that started it
	Started  time.Time
	Finished time.Time
	Done     int64 // the highest id checked so far
	Size     int64 // the tree size being checked
	Report   *tooltrail.VerifyReport
	Err      string // why the run could not finish
}

// start starts run in a goroutine unless a run is going on, and says
// whether it started one. run reports its progress through the func it is
// given.
func (j *verifyJob) start(by string, now func() time.Time, run func(progress func(done, size int64)) (*tooltrail.VerifyReport, error)) bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.state.Running {
		return false
	}
	j.state = verifyState{Ran: true, Running: true, By: by, Started: now()}
	j.runs.Go(func() {
		rep, err := run(func(done, size int64) {
			j.mu.Lock()
			j.state.Done, j.state.Size = done, size
			j.mu.Unlock()
		})
		j.mu.Lock()
		defer j.mu.Unlock()
		j.state.Running, j.state.Finished, j.state.Report = false, now(), rep
		if rep != nil {
			j.state.Size, j.state.Done = rep.Size, rep.Size
		}
		if err != nil {
			j.state.Err = err.Error()
		}
	})
	return true
}

// status returns a copy of the state.
func (j *verifyJob) status() verifyState {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.state
}

// canVerify says whether the UI has what a verification needs.
func (ui *UI) canVerify() bool { return ui.cfg.Store != nil && ui.cfg.Notary != nil }

// postVerify is POST /verify: it starts verifying the whole store, unless
// a run is going on, and shows its progress.
func (ui *UI) postVerify(w http.ResponseWriter, r *http.Request) {
	if !ui.canVerify() {
		ui.renderError(w, r, http.StatusServiceUnavailable, "This server cannot verify: it has no store or no notary configured for the web interface.")
		return
	}
	s, _ := sessionFrom(r.Context())
	verifier := ui.cfg.Notary.Verifier()
	latest := ui.cfg.Notary.Latest().Note
	store, logger := ui.cfg.Store, ui.logger
	started := ui.verify.start(s.token.Name, ui.now, func(progress func(done, size int64)) (*tooltrail.VerifyReport, error) {
		ctx, cancel := context.WithTimeout(ui.ctx, verifyTimeout)
		defer cancel()
		rep, err := tooltrail.Verify(ctx, store, tooltrail.VerifyOptions{Verifier: verifier, Checkpoints: [][]byte{latest}, Progress: progress})
		switch {
		case err != nil:
			logger.Error("web ui verification failed", "by", s.token.Name, "err", err)
		case !rep.OK():
			logger.Warn("web ui verification found problems", "by", s.token.Name, "problems", len(rep.Problems))
		default:
			logger.Info("web ui verification passed", "by", s.token.Name, "size", rep.Size)
		}
		return rep, err
	})
	if started {
		ui.logger.InfoContext(r.Context(), "web ui verification started", "by", s.token.Name)
	}
	http.Redirect(w, r, "/verify/status", http.StatusSeeOther)
}

// verifyView is the data of the verification page.
type verifyView struct {
	S        verifyState
	Started  timeView
	Finished timeView
	Problems []string
}

// getVerifyStatus is GET /verify/status: the progress of the run going
// on, or the result of the last one. It reloads itself while a run goes
// on.
func (ui *UI) getVerifyStatus(w http.ResponseWriter, r *http.Request) {
	st := ui.verify.status()
	ui.show(w, r, page{name: "verify", title: "Verification", refresh: st.Running, data: viewOfVerify(st)})
}

// viewOfVerify returns the view of a run's state.
func viewOfVerify(st verifyState) verifyView {
	v := verifyView{S: st, Started: timeOf(st.Started), Finished: timeOf(st.Finished)}
	if st.Report != nil {
		for _, p := range st.Report.Problems {
			v.Problems = append(v.Problems, p.String())
		}
	}
	return v
}
