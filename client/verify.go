package client

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/tooltrail/tooltrail"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// maxCheckpointBody bounds the answer of /v1/checkpoint.
const maxCheckpointBody = 16 << 10

// LogInfo is the answer of GET /v1/log.
type LogInfo struct {
	Origin      string `json:"origin"`
	VerifierKey string `json:"verifier_key"`
	TreeSize    int64  `json:"tree_size"`
}

// Log returns the server's origin, verifier key and signed tree size. A
// caller must not trust the key for being served here: it should come
// from the log's operator. Errors: as Query.
func (c *Client) Log(ctx context.Context) (LogInfo, error) {
	var info LogInfo
	_, err := c.do(ctx, http.MethodGet, "/v1/log", nil, nil, &info)
	return info, err
}

// Checkpoint returns the server's latest signed checkpoint as it serves
// it, unchecked. Errors: as Query.
func (c *Client) Checkpoint(ctx context.Context) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.BaseURL+"/v1/checkpoint", nil)
	if err != nil {
		return nil, fmt.Errorf("tooltrail client: checkpoint: %w: %w", tooltrail.ErrInvalidArgument, err)
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	resp, err := c.httpClient().Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("tooltrail client: checkpoint: %w", ctx.Err())
		}
		return nil, fmt.Errorf("tooltrail client: checkpoint: %w: %w", tooltrail.ErrUnavailable, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, errorOf(resp)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxCheckpointBody+1))
	if err != nil {
		return nil, fmt.Errorf("tooltrail client: checkpoint: %w: %w", tooltrail.ErrUnavailable, err)
	}
	if len(b) > maxCheckpointBody {
		return nil, fmt.Errorf("tooltrail client: checkpoint: %w: answer of over %d bytes", tooltrail.ErrCorrupt, maxCheckpointBody)
	}
	return b, nil
}

// proofJSON is the answer of the proof endpoints.
type proofJSON struct {
	ID        int64    `json:"id"`
	LeafIndex int64    `json:"leaf_index"`
	TreeSize  int64    `json:"tree_size"`
	LeafHash  string   `json:"leaf_hash"`
	From      int64    `json:"from"`
	To        int64    `json:"to"`
	Proof     []string `json:"proof"`
}

func decodeHash(s string) (tlog.Hash, error) {
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil || len(b) != tlog.HashSize {
		return tlog.Hash{}, fmt.Errorf("%w: %q is not the base64 of a 32-byte hash", tooltrail.ErrCorrupt, s)
	}
	return tlog.Hash(b), nil
}

func decodeHashes(ss []string) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(ss))
	for i, s := range ss {
		h, err := decodeHash(s)
		if err != nil {
			return nil, err
		}
		out[i] = h
	}
	return out, nil
}

// InclusionProof returns the server's proof that entry id is in the tree
// of treeSize entries, unchecked (see tooltrail.InclusionProof.Verify).
// Errors: as Query; ErrCorrupt for an answer that is not a proof of that
// entry and size.
func (c *Client) InclusionProof(ctx context.Context, id, treeSize int64) (tooltrail.InclusionProof, error) {
	var w proofJSON
	q := url.Values{"tree_size": {strconv.FormatInt(treeSize, 10)}}
	if _, err := c.do(ctx, http.MethodGet, "/v1/entries/"+strconv.FormatInt(id, 10)+"/proof", q, nil, &w); err != nil {
		return tooltrail.InclusionProof{}, err
	}
	if w.ID != id || w.TreeSize != treeSize || w.LeafIndex != id-1 {
		return tooltrail.InclusionProof{}, fmt.Errorf("tooltrail client: %w: asked for entry %d in tree %d, got entry %d (leaf %d) in tree %d", tooltrail.ErrCorrupt, id, treeSize, w.ID, w.LeafIndex, w.TreeSize)
	}
	leaf, err := decodeHash(w.LeafHash)
	if err != nil {
		return tooltrail.InclusionProof{}, fmt.Errorf("tooltrail client: leaf_hash: %w", err)
	}
	proof, err := decodeHashes(w.Proof)
	if err != nil {
		return tooltrail.InclusionProof{}, fmt.Errorf("tooltrail client: proof: %w", err)
	}
	return tooltrail.InclusionProof{ID: id, LeafIndex: id - 1, TreeSize: treeSize, LeafHash: leaf, Proof: proof}, nil
}

// ConsistencyProof returns the server's proof that the tree of to entries
// extends the tree of from entries, unchecked (see
// tooltrail.ConsistencyProof.Verify). Errors: as InclusionProof.
func (c *Client) ConsistencyProof(ctx context.Context, from, to int64) (tooltrail.ConsistencyProof, error) {
	var w proofJSON
	q := url.Values{"from": {strconv.FormatInt(from, 10)}, "to": {strconv.FormatInt(to, 10)}}
	if _, err := c.do(ctx, http.MethodGet, "/v1/consistency", q, nil, &w); err != nil {
		return tooltrail.ConsistencyProof{}, err
	}
	if w.From != from || w.To != to {
		return tooltrail.ConsistencyProof{}, fmt.Errorf("tooltrail client: %w: asked for a proof from %d to %d, got %d to %d", tooltrail.ErrCorrupt, from, to, w.From, w.To)
	}
	proof, err := decodeHashes(w.Proof)
	if err != nil {
		return tooltrail.ConsistencyProof{}, fmt.Errorf("tooltrail client: proof: %w", err)
	}
	return tooltrail.ConsistencyProof{From: from, To: to, Proof: proof}, nil
}

// VerifyCheckpoint fetches the server's latest signed checkpoint, checks
// its signature with verifier and, when trusted is not empty (a signed
// checkpoint the caller kept from before), that the new one extends it by
// a consistency proof from the server. It returns the new signed
// checkpoint, to be kept in place of trusted, and what it says. Errors
// wrap tooltrail.ErrCorrupt when the log shrank, forked or was rolled back
// against trusted, or its checkpoint does not verify; a trusted checkpoint
// that does not open with verifier is ErrInvalidArgument; else as Query.
func (c *Client) VerifyCheckpoint(ctx context.Context, verifier note.Verifier, trusted []byte) ([]byte, tooltrail.Checkpoint, error) {
	var old tooltrail.Checkpoint
	if len(trusted) > 0 {
		var err error
		if old, err = tooltrail.OpenCheckpoint(trusted, verifier); err != nil {
			return nil, old, fmt.Errorf("tooltrail client: the trusted checkpoint: %w", err)
		}
	}
	signed, err := c.Checkpoint(ctx)
	if err != nil {
		return nil, old, err
	}
	cp, err := tooltrail.OpenCheckpoint(signed, verifier)
	if err != nil {
		return nil, old, fmt.Errorf("tooltrail client: %w: the server's checkpoint: %w", tooltrail.ErrCorrupt, err)
	}
	switch {
	case len(trusted) == 0 || old.Size == 0:
	case cp.Size < old.Size:
		return nil, cp, fmt.Errorf("tooltrail client: %w: the log shrank from %d entries to %d: it was cut short or rolled back", tooltrail.ErrCorrupt, old.Size, cp.Size)
	case cp.Size == old.Size:
		if cp.Root != old.Root {
			return nil, cp, fmt.Errorf("tooltrail client: %w: two signed trees of %d entries with different roots: the log forked", tooltrail.ErrCorrupt, cp.Size)
		}
	default:
		p, err := c.ConsistencyProof(ctx, old.Size, cp.Size)
		if err != nil {
			return nil, cp, err
		}
		if err := p.Verify(old.Root, cp.Root); err != nil {
			return nil, cp, fmt.Errorf("tooltrail client: %w: the tree of %d entries does not extend the trusted one of %d: the log forked or was rewritten: %v", tooltrail.ErrCorrupt, cp.Size, old.Size, err)
		}
	}
	return signed, cp, nil
}

// Proven is an entry, proved to be in the tree of a signed checkpoint.
type Proven struct {
	Entry      tooltrail.Entry
	Checkpoint tooltrail.Checkpoint
	Signed     []byte // the checkpoint as the server signed it: keep it as the next trusted one
}

// VerifiedEntry reads the entry with the given id and proves it: the
// server's latest checkpoint is signed by verifier and, when trusted is
// not empty, extends it (as VerifyCheckpoint checks, so that a fork is not
// believed); the entry's fields are what its leaf says; and its leaf is in
// that checkpoint's tree by an inclusion proof. Errors: as Entry and
// VerifyCheckpoint; ErrCorrupt when the entry or its proof does not
// verify; ErrUnavailable when the entry is not in a signed tree yet.
func (c *Client) VerifiedEntry(ctx context.Context, id int64, verifier note.Verifier, trusted []byte) (Proven, error) {
	signed, cp, err := c.VerifyCheckpoint(ctx, verifier, trusted)
	if err != nil {
		return Proven{}, err
	}
	p := Proven{Checkpoint: cp, Signed: signed}
	e, err := c.Entry(ctx, id)
	if err != nil {
		return p, err
	}
	p.Entry = e
	if e.ID != id {
		return p, fmt.Errorf("tooltrail client: %w: asked for entry %d, got entry %d", tooltrail.ErrCorrupt, id, e.ID)
	}
	if err := sameAsLeaf(e); err != nil {
		return p, fmt.Errorf("tooltrail client: entry %d: %w", id, err)
	}
	if id > cp.Size {
		return p, fmt.Errorf("tooltrail client: %w: entry %d is not in the signed tree of %d entries yet", tooltrail.ErrUnavailable, id, cp.Size)
	}
	proof, err := c.InclusionProof(ctx, id, cp.Size)
	if err != nil {
		return p, err
	}
	if proof.LeafHash != tooltrail.LeafHash(e.Leaf) {
		return p, fmt.Errorf("tooltrail client: %w: entry %d: its leaf does not hash to the leaf hash of its proof", tooltrail.ErrCorrupt, id)
	}
	if err := proof.Verify(cp.Root); err != nil {
		return p, fmt.Errorf("tooltrail client: entry %d in the signed tree of %d entries: %w", id, cp.Size, err)
	}
	return p, nil
}

// sameAsLeaf checks that an entry as the server sent it says what its
// canonical leaf says.
func sameAsLeaf(e tooltrail.Entry) error {
	l, err := tooltrail.DecodeLeaf(e.Leaf)
	if err != nil {
		return fmt.Errorf("%w: %v", tooltrail.ErrCorrupt, err)
	}
	e.Leaf, l.Leaf = nil, nil
	a, errA := l.MarshalJSON()
	b, errB := e.MarshalJSON()
	if errA != nil || errB != nil {
		return fmt.Errorf("%w: the entry does not encode", tooltrail.ErrCorrupt)
	}
	if !bytes.Equal(a, b) {
		return fmt.Errorf("%w: the fields sent differ from the leaf's", tooltrail.ErrCorrupt)
	}
	return nil
}
