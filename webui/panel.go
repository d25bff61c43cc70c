package webui

import (
	"encoding/base64"
	"net/http"
)

// panelView is the data of the panel.
type panelView struct {
	Size        int64  // entries in the tree
	Origin      string // the log's name
	HasNotary   bool
	Checkpoint  string // the latest signed note
	SignedSize  int64  // its tree size
	SignedRoot  string // its root, base64
	VerifierKey string
	CanVerify   bool
	Verify      verifyView
	Retention   string // "" keeps everything
}

// getPanel is GET /log: the tree size, the latest checkpoint and the
// verifier key; for admins also verification, retention and purge.
func (ui *UI) getPanel(w http.ResponseWriter, r *http.Request) {
	head, err := ui.cfg.Log.Head(r.Context())
	if err != nil {
		ui.fail(w, r, err)
		return
	}
	v := panelView{Size: head.Size, CanVerify: ui.canVerify(), Retention: ui.cfg.Retention, Verify: viewOfVerify(ui.verify.status())}
	if n := ui.cfg.Notary; n != nil {
		latest := n.Latest()
		v.HasNotary, v.Origin, v.VerifierKey = true, n.Origin(), n.VerifierKey()
		v.Checkpoint, v.SignedSize = string(latest.Note), latest.Size
		v.SignedRoot = base64.StdEncoding.EncodeToString(latest.Root[:])
	}
	ui.show(w, r, page{name: "panel", title: "Panel", data: v})
}
