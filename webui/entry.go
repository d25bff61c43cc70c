package webui

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/auth"
)

// entryView is the data of the entry page.
type entryView struct {
	E        tooltrail.Entry
	Time     timeView
	Args     []segment
	Result   []segment
	Leaf     string // the canonical leaf bytes
	LeafHash string // base64
	Links    map[string]string
	Proof    proofView
}

// proofView is what the entry page says of the entry's inclusion proof.
type proofView struct {
	Verified  bool     // proven in the latest signed tree
	Pending   bool     // newer than the latest checkpoint
	Size      int64    // the latest checkpoint's size
	Root      string   // its root, base64
	CheckedAt timeView // when this page checked it
	Reason    string   // why it is not verified
	Path      []string // the audit path, base64
}

// getEntry is GET /entries/{id}: every field of one entry, and whether
// it is proven in the latest signed tree.
func (ui *UI) getEntry(w http.ResponseWriter, r *http.Request) {
	id, err := parseID(r.PathValue("id"))
	if err != nil {
		ui.fail(w, r, err)
		return
	}
	ctx := r.Context()
	e, err := ui.cfg.Log.Entry(ctx, id)
	if err == nil {
		if bound := auth.BoundUser(ctx); bound != "" && e.UserID != bound {
			err = fmt.Errorf("%w: no entry %d", tooltrail.ErrNotFound, id)
		}
	}
	if errors.Is(err, tooltrail.ErrNotFound) {
		ui.renderError(w, r, http.StatusNotFound, fmt.Sprintf("There is no entry %d: it was never recorded, or it was purged.", id))
		return
	}
	if err != nil {
		ui.fail(w, r, err)
		return
	}
	h := tooltrail.LeafHash(e.Leaf)
	v := entryView{
		E: e, Time: timeOf(e.Timestamp),
		Args: segments(indentJSON(e.Arguments), ui.cfg.Redactor), Result: segments(e.ResultSummary, ui.cfg.Redactor),
		Leaf: string(e.Leaf), LeafHash: base64.StdEncoding.EncodeToString(h[:]),
		Links: map[string]string{}, Proof: ui.prove(ctx, e),
	}
	for k, val := range map[string]string{"tool_name": e.ToolName, "user_id": e.UserID, "session_id": e.SessionID, "task_id": e.TaskID} {
		if val != "" {
			v.Links[k] = "/?" + url.Values{k: {val}}.Encode()
		}
	}
	ui.show(w, r, page{name: "entry", title: "Entry " + strconv.FormatInt(id, 10), data: v})
}

// prove checks that e is in the tree of the latest signed checkpoint: its
// inclusion proof leads to the checkpoint's root, from the hash of the
// leaf the store holds now.
func (ui *UI) prove(ctx context.Context, e tooltrail.Entry) proofView {
	v := proofView{CheckedAt: timeOf(ui.now())}
	if ui.cfg.Notary == nil {
		v.Reason = "this server has no notary, so there is no signed tree to check the entry against"
		return v
	}
	latest := ui.cfg.Notary.Latest()
	v.Size, v.Root = latest.Size, base64.StdEncoding.EncodeToString(latest.Root[:])
	if e.ID > latest.Size {
		v.Pending = true
		return v
	}
	proof, err := ui.cfg.Log.InclusionProof(ctx, e.ID, latest.Size)
	if err != nil {
		_, msg := errStatus(err)
		v.Reason = "the inclusion proof could not be made: " + msg
		ui.logger.WarnContext(ctx, "web ui inclusion proof failed", "id", e.ID, "tree_size", latest.Size, "err", err)
		return v
	}
	for _, h := range proof.Proof {
		v.Path = append(v.Path, base64.StdEncoding.EncodeToString(h[:]))
	}
	if proof.LeafHash != tooltrail.LeafHash(e.Leaf) {
		v.Reason = "the entry as stored now does not hash to the leaf hash in the tree: it was changed after it was recorded"
		return v
	}
	if err := proof.Verify(latest.Root); err != nil {
		v.Reason = err.Error()
		return v
	}
	v.Verified = true
	return v
}

// parseID reads an entry id of a path: decimal digits without a sign or
// a leading zero, at least 1. It returns a *tooltrail.FieldError
// otherwise.
func parseID(s string) (int64, error) {
	bad := &tooltrail.FieldError{Field: "id", Reason: fmt.Sprintf("%q is not an entry id: use a whole number of at least 1", s), Err: tooltrail.ErrInvalidArgument}
	if s == "" || s[0] < '1' || s[0] > '9' {
		return 0, bad
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || strconv.FormatInt(id, 10) != s {
		return 0, bad
	}
	return id, nil
}
