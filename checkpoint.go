package tooltrail

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Checkpoint is what a signed checkpoint vouches for: the log named
// Origin held Size entries whose Merkle tree has root Root. Its text is
// the C2SP tlog-checkpoint body: the origin line, the size in decimal and
// the root in standard base64, each ending in a newline.
type Checkpoint struct {
	Origin string
	Size   int64
	Root   tlog.Hash
}

// maxCheckpointBytes bounds the signed checkpoints this package reads.
const maxCheckpointBytes = 16 << 10

// Text returns the checkpoint body that is signed.
func (c Checkpoint) Text() string {
	return fmt.Sprintf("%s\n%d\n%s\n", c.Origin, c.Size, base64.StdEncoding.EncodeToString(c.Root[:]))
}

// ParseCheckpoint parses a checkpoint body: an origin line, a decimal size
// without leading zeros, the base64 root hash of 32 bytes, and any
// extension lines, each line ending in a newline. It returns an error
// wrapping ErrInvalidArgument that says which line is wrong.
func ParseCheckpoint(text string) (Checkpoint, error) {
	if len(text) > maxCheckpointBytes {
		return Checkpoint{}, fmt.Errorf("%w: checkpoint: %d bytes, at most %d", ErrInvalidArgument, len(text), maxCheckpointBytes)
	}
	if !strings.HasSuffix(text, "\n") {
		return Checkpoint{}, fmt.Errorf("%w: checkpoint: does not end in a newline", ErrInvalidArgument)
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) < 3 {
		return Checkpoint{}, fmt.Errorf("%w: checkpoint: %d lines, want origin, size and root hash", ErrInvalidArgument, len(lines))
	}
	var c Checkpoint
	c.Origin = lines[0]
	if c.Origin == "" || strings.TrimSpace(c.Origin) != c.Origin {
		return Checkpoint{}, fmt.Errorf("%w: checkpoint: origin line %q is empty or has surrounding space", ErrInvalidArgument, c.Origin)
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 || strconv.FormatInt(size, 10) != lines[1] {
		return Checkpoint{}, fmt.Errorf("%w: checkpoint: size line %q is not a decimal number", ErrInvalidArgument, lines[1])
	}
	c.Size = size
	root, err := base64.StdEncoding.Strict().DecodeString(lines[2])
	if err != nil || len(root) != tlog.HashSize {
		return Checkpoint{}, fmt.Errorf("%w: checkpoint: root line %q is not the base64 of a 32-byte hash", ErrInvalidArgument, lines[2])
	}
	copy(c.Root[:], root)
	for i, l := range lines[3:] {
		if l == "" {
			return Checkpoint{}, fmt.Errorf("%w: checkpoint: extension line %d is empty", ErrInvalidArgument, i+1)
		}
	}
	return c, nil
}

// OpenCheckpoint checks the signature on a signed checkpoint, as
// /v1/checkpoint serves it, with verifier, and parses its body. The origin
// must be the verifier's key name. Errors wrap ErrInvalidArgument: a
// malformed note or body, a signature that does not verify or is by
// another key, or an origin other than the key's name.
func OpenCheckpoint(signed []byte, verifier note.Verifier) (Checkpoint, error) {
	if len(signed) > maxCheckpointBytes {
		return Checkpoint{}, fmt.Errorf("%w: checkpoint: %d bytes, at most %d", ErrInvalidArgument, len(signed), maxCheckpointBytes)
	}
	n, err := note.Open(signed, note.VerifierList(verifier))
	if err != nil {
		return Checkpoint{}, fmt.Errorf("%w: checkpoint signature: %v", ErrInvalidArgument, err)
	}
	c, err := ParseCheckpoint(n.Text)
	if err != nil {
		return Checkpoint{}, err
	}
	if c.Origin != verifier.Name() {
		return Checkpoint{}, fmt.Errorf("%w: checkpoint of origin %q, but the key is of %q", ErrInvalidArgument, c.Origin, verifier.Name())
	}
	return c, nil
}

// SignCheckpoint returns c signed by signer, as a note. Errors: an origin
// other than the signer's key name (ErrInvalidArgument), and the signer's.
func SignCheckpoint(c Checkpoint, signer note.Signer) ([]byte, error) {
	if c.Origin != signer.Name() {
		return nil, fmt.Errorf("%w: checkpoint of origin %q cannot be signed by key %q", ErrInvalidArgument, c.Origin, signer.Name())
	}
	b, err := note.Sign(&note.Note{Text: c.Text()}, signer)
	if err != nil {
		return nil, fmt.Errorf("sign checkpoint: %w", err)
	}
	return b, nil
}

// GenerateKey makes a new Ed25519 key for the log named origin and returns
// it as note signer and verifier keys. Errors: an origin that cannot be a
// key name (empty, or with spaces or '+').
func GenerateKey(origin string) (signerKey, verifierKey string, err error) {
	if origin == "" || strings.ContainsAny(origin, "+ \t\n") {
		return "", "", fmt.Errorf("%w: origin %q: must be non-empty, without spaces or '+'", ErrInvalidArgument, origin)
	}
	skey, vkey, err := note.GenerateKey(rand.Reader, origin)
	if err != nil {
		return "", "", fmt.Errorf("generate key: %w", err)
	}
	return skey, vkey, nil
}
