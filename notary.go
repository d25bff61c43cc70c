package tooltrail

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// EmptyRoot returns the RFC 6962 root of the empty tree, SHA-256 of
// nothing: the root a checkpoint of size 0 carries.
func EmptyRoot() tlog.Hash { return tlog.Hash(sha256.Sum256(nil)) }

// signTimeout bounds one signature of Run: its reads of the store, the
// files it publishes to and the store's copy.
const signTimeout = 10 * time.Second

// ErrNoAnchor means the store holds a signed checkpoint but the notary
// was given none kept outside it, so it cannot tell a store restored from
// an older copy (which carries its older checkpoint) from the log as it
// was last signed: signing on would risk a fork. Give it a checkpoint
// kept outside the store, or set NotaryConfig.TrustStore.
var ErrNoAnchor = errors.New("no checkpoint outside the store to check it against")

// SignedCheckpoint is a checkpoint with the signed note that carries it.
type SignedCheckpoint struct {
	Checkpoint
	Note []byte // the signed note, as /v1/checkpoint serves it
}

// NotaryConfig sets up a Notary.
type NotaryConfig struct {
	// SignerKey and VerifierKey are the log's key as note encodes it (see
	// GenerateKey); the key's name is the log's origin. Both required.
	SignerKey, VerifierKey string
	// Trusted are checkpoints signed before and kept outside the store (a
	// mirror, the data directory): the notary signs nothing that is not
	// consistent with every one of them, nor with the one the store saved.
	// Empty entries are skipped.
	Trusted [][]byte
	// TrustStore lets the notary start from the store's own checkpoint
	// when no Trusted one is given (ErrNoAnchor otherwise): for a server
	// that joins a log whose checkpoints it never kept.
	TrustStore bool
	// Publish is called with every new signed checkpoint, in order,
	// before it is served: the notary serves only checkpoints that were
	// published. Default none.
	Publish func(ctx context.Context, c SignedCheckpoint) error
	// Interval is how often the notary looks for appends it was not told
	// of (other servers on the same database); default one second.
	Interval time.Duration
	// MinGap is the least time between two signatures of Run; notices
	// that come sooner are folded into the next one. It bounds what
	// signing costs under load (each signature reads tree hashes and
	// writes the store and the files); default 100ms.
	MinGap time.Duration
	Logger *slog.Logger // default slog.Default()
}

// Notary signs checkpoints of the tree in a store. It never signs two
// checkpoints that are inconsistent with each other, nor one that is
// inconsistent with a trusted checkpoint: before signing it proves, from
// the store's own tree hashes, that the new tree extends the last one
// signed. Its methods are safe for concurrent use; reading the latest
// checkpoint never waits for a signature in progress.
type Notary struct {
	store    Store
	cfg      NotaryConfig
	signer   note.Signer
	verifier note.Verifier
	kick     chan struct{}

	signMu sync.Mutex // serialises Sign
	latest atomic.Pointer[SignedCheckpoint]

	errMu   sync.Mutex
	lastErr string // the last signing error logged, so a failure is logged once
}

// NewNotary returns a Notary for store and signs a checkpoint of the
// store's current tree. Errors: a malformed key, or signer and verifier
// of two keys; a checkpoint (trusted, or the store's) that does not open
// with the key (ErrInvalidArgument); a store that is not consistent with
// a checkpoint — cut short, restored from an older copy, or rewritten
// (ErrCorrupt); ErrNoAnchor; the store's errors.
func NewNotary(ctx context.Context, store Store, cfg NotaryConfig) (*Notary, error) {
	signer, err := note.NewSigner(cfg.SignerKey)
	if err != nil {
		return nil, fmt.Errorf("%w: notary: signer key: %v", ErrInvalidArgument, err)
	}
	verifier, err := note.NewVerifier(cfg.VerifierKey)
	if err != nil {
		return nil, fmt.Errorf("%w: notary: verifier key: %v", ErrInvalidArgument, err)
	}
	if signer.Name() != verifier.Name() || signer.KeyHash() != verifier.KeyHash() {
		return nil, fmt.Errorf("%w: notary: signer %q and verifier %q are not one key", ErrInvalidArgument, signer.Name(), verifier.Name())
	}
	if cfg.Interval <= 0 {
		cfg.Interval = time.Second
	}
	if cfg.MinGap <= 0 {
		cfg.MinGap = 100 * time.Millisecond
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	n := &Notary{store: store, cfg: cfg, signer: signer, verifier: verifier, kick: make(chan struct{}, 1)}
	latest := SignedCheckpoint{Checkpoint: Checkpoint{Origin: signer.Name(), Root: EmptyRoot()}}
	head, err := store.Head(ctx)
	if err != nil {
		return nil, err
	}
	saved, err := store.Checkpoint(ctx)
	if err != nil {
		return nil, err
	}
	outside := false
	for i, t := range append([][]byte{saved}, cfg.Trusted...) {
		if len(t) == 0 {
			continue
		}
		outside = outside || i > 0
		c, err := OpenCheckpoint(t, verifier)
		if err != nil {
			if i == 0 {
				return nil, fmt.Errorf("the checkpoint saved in the store does not open with this key (the servers of one log share one key): %w", err)
			}
			return nil, fmt.Errorf("trusted checkpoint: %w", err)
		}
		if err := CheckStoreExtends(ctx, store, head, c); err != nil {
			return nil, err
		}
		if c.Size >= latest.Size {
			latest = SignedCheckpoint{Checkpoint: c, Note: t}
		}
	}
	if len(saved) > 0 && !outside && !cfg.TrustStore {
		return nil, fmt.Errorf("%w: the store holds a checkpoint of %d entries signed before, and none was kept outside it here", ErrNoAnchor, latest.Size)
	}
	n.latest.Store(&latest)
	if _, err := n.Sign(ctx, head); err != nil {
		return nil, err
	}
	return n, nil
}

// Origin returns the log's origin, its key's name.
func (n *Notary) Origin() string { return n.signer.Name() }

// Verifier returns the verifier of the log's key.
func (n *Notary) Verifier() note.Verifier { return n.verifier }

// VerifierKey returns the log's public key as note encodes it.
func (n *Notary) VerifierKey() string { return n.cfg.VerifierKey }

// Latest returns the newest checkpoint signed and published.
func (n *Notary) Latest() SignedCheckpoint { return *n.latest.Load() }

// Notify tells the notary that the tree grew; it signs a new checkpoint
// soon after. It never blocks: notices that come while it signs are
// folded into one.
func (n *Notary) Notify() {
	select {
	case n.kick <- struct{}{}:
	default:
	}
}

// Run signs a checkpoint after every notice, at most one each MinGap, and
// at every Interval when the tree grew, until ctx ends. Each signature
// gets signTimeout. Signing errors are logged, once each until signing
// works again.
func (n *Notary) Run(ctx context.Context) {
	t := time.NewTicker(n.cfg.Interval)
	defer t.Stop()
	gap := time.NewTimer(0)
	defer gap.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-n.kick:
		case <-t.C:
		}
		sctx, cancel := context.WithTimeout(ctx, signTimeout)
		head, err := n.store.Head(sctx)
		if err == nil {
			_, err = n.Sign(sctx, head)
		}
		cancel()
		n.report(ctx, err)
		gap.Reset(n.cfg.MinGap)
		select {
		case <-ctx.Done():
			return
		case <-gap.C:
		}
	}
}

func (n *Notary) report(ctx context.Context, err error) {
	n.errMu.Lock()
	defer n.errMu.Unlock()
	switch {
	case err == nil:
		n.lastErr = ""
	case ctx.Err() != nil:
	case err.Error() != n.lastErr:
		n.lastErr = err.Error()
		n.cfg.Logger.Error("cannot sign a checkpoint", "err", err)
	}
}

// Sign signs a checkpoint of head, when it is newer than the latest, after
// proving from the store's tree hashes that head's root is the root of
// the stored tree and that the tree extends the latest checkpoint. It
// publishes the checkpoint, saves it in the store, then serves it, and
// returns it (the latest as is when head is not newer; a head older
// than the latest is read again, since another caller may have signed a
// newer one meanwhile). Errors: ErrCorrupt when the store does not extend
// the latest checkpoint; Publish's errors, when nothing is served; the
// store's errors.
func (n *Notary) Sign(ctx context.Context, head Head) (SignedCheckpoint, error) {
	n.signMu.Lock()
	defer n.signMu.Unlock()
	last := n.Latest()
	if head.Size < last.Size {
		fresh, err := n.store.Head(ctx)
		if err != nil {
			return last, err
		}
		head = fresh
	}
	if err := CheckStoreExtends(ctx, n.store, head, last.Checkpoint); err != nil {
		return last, err
	}
	if head.Size == last.Size && last.Note != nil {
		return last, nil
	}
	c := Checkpoint{Origin: n.signer.Name(), Size: head.Size, Root: head.Root}
	if head.Size == 0 {
		c.Root = EmptyRoot()
	} else if err := checkHeadRoot(ctx, n.store, head); err != nil {
		return last, err
	}
	signed, err := SignCheckpoint(c, n.signer)
	if err != nil {
		return last, err
	}
	sc := SignedCheckpoint{Checkpoint: c, Note: signed}
	if n.cfg.Publish != nil {
		if err := n.cfg.Publish(ctx, sc); err != nil {
			return last, fmt.Errorf("publish the checkpoint of %d entries: %w", c.Size, err)
		}
	}
	// The store's copy before serving, so that whoever sees the new
	// checkpoint served finds it in the store too; a store that cannot
	// take it does not stop the serving (the files are the anchor).
	if err := n.store.SaveCheckpoint(ctx, c.Size, signed); err != nil && ctx.Err() == nil {
		n.cfg.Logger.Warn("cannot save the checkpoint in the store", "size", c.Size, "err", err)
	}
	n.latest.Store(&sc)
	return sc, nil
}

// CheckStoreExtends checks that the store, whose head is head, holds a tree
// that extends the checkpoint c: at least as large, and with a
// consistency proof from the store's hashes that verifies against both
// roots. Errors: ErrCorrupt saying what is wrong; the store's errors.
func CheckStoreExtends(ctx context.Context, store Store, head Head, c Checkpoint) error {
	switch {
	case head.Size < c.Size:
		return fmt.Errorf("%w: the store holds %d entries, but a checkpoint of %d was signed: it was cut short or restored from an older copy", ErrCorrupt, head.Size, c.Size)
	case c.Size == 0:
		return nil
	case head.Size == c.Size:
		if head.Root != c.Root {
			return fmt.Errorf("%w: the store's tree of %d entries has root %s, but the signed checkpoint of that size has %s: the log was rewritten", ErrCorrupt, head.Size, head.Root, c.Root)
		}
		return nil
	}
	r := storeHashes{ctx: ctx, store: store}
	proof, err := tlog.ProveTree(head.Size, c.Size, r)
	if err != nil {
		return fmt.Errorf("prove the store extends the checkpoint of %d: %w", c.Size, r.cause(err))
	}
	if err := tlog.CheckTree(proof, head.Size, head.Root, c.Size, c.Root); err != nil {
		return fmt.Errorf("%w: the store's tree of %d entries does not extend the signed checkpoint of %d: %v", ErrCorrupt, head.Size, c.Size, err)
	}
	return nil
}

// checkHeadRoot checks that head's root is the root of the stored tree of
// head.Size entries.
func checkHeadRoot(ctx context.Context, store Store, head Head) error {
	r := storeHashes{ctx: ctx, store: store}
	root, err := tlog.TreeHash(head.Size, r)
	if err != nil {
		return fmt.Errorf("tree hash at %d: %w", head.Size, r.cause(err))
	}
	if root != head.Root {
		return fmt.Errorf("%w: the store's head says root %s for %d entries, its tree hashes give %s", ErrCorrupt, head.Root, head.Size, root)
	}
	return nil
}
