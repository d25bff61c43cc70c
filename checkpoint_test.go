package tooltrail_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"strings"
	"testing"

	"github.com/tooltrail/tooltrail"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// fixedKey is a note key made from a fixed seed: Ed25519 signatures are
// deterministic, so what it signs can be compared with golden files.
func fixedKey(t testing.TB, origin string) (note.Signer, note.Verifier) {
	t.Helper()
	skey, vkey, err := note.GenerateKey(bytes.NewReader(bytes.Repeat([]byte{7}, 64)), origin)
	if err != nil {
		t.Fatal(err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return s, v
}

func sampleCheckpoint() tooltrail.Checkpoint {
	return tooltrail.Checkpoint{Origin: "example.com/tooltrail", Size: 1234, Root: tlog.Hash(sha256.Sum256([]byte("root")))}
}

// TestCheckpointGolden pins the bytes of a signed checkpoint: the C2SP
// tlog-checkpoint body and the note signature line.
func TestCheckpointGolden(t *testing.T) {
	s, v := fixedKey(t, "example.com/tooltrail")
	signed, err := tooltrail.SignCheckpoint(sampleCheckpoint(), s)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "checkpoint_signed.txt", signed)
	c, err := tooltrail.OpenCheckpoint(signed, v)
	if err != nil {
		t.Fatal(err)
	}
	if c != sampleCheckpoint() {
		t.Errorf("tooltrail.OpenCheckpoint = %+v, want %+v", c, sampleCheckpoint())
	}
	// note.Open, as another verifier would call it, accepts it too.
	n, err := note.Open(signed, note.VerifierList(v))
	if err != nil || n.Text != sampleCheckpoint().Text() {
		t.Errorf("note.Open = %q, %v", n.Text, err)
	}
}

func TestParseCheckpoint(t *testing.T) {
	root := sampleCheckpoint().Root
	b64 := strings.Split(sampleCheckpoint().Text(), "\n")[2]
	tests := []struct {
		name, text string
		want       string // "" when it parses; else a part of the error
	}{
		{"plain", "o\n5\n" + b64 + "\n", ""},
		{"with extension lines", "o\n5\n" + b64 + "\next one\next two\n", ""},
		{"zero size", "o\n0\n" + b64 + "\n", ""},
		{"no final newline", "o\n5\n" + b64, "newline"},
		{"two lines", "o\n5\n", "lines"},
		{"empty origin", "\n5\n" + b64 + "\n", "origin"},
		{"origin with space around", " o\n5\n" + b64 + "\n", "origin"},
		{"size with leading zero", "o\n05\n" + b64 + "\n", "size"},
		{"negative size", "o\n-5\n" + b64 + "\n", "size"},
		{"size with plus", "o\n+5\n" + b64 + "\n", "size"},
		{"size too large", "o\n99999999999999999999\n" + b64 + "\n", "size"},
		{"root not base64", "o\n5\nnot-base64!\n", "root"},
		{"root of 31 bytes", "o\n5\n" + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==" + "\n", "root"},
		{"root unpadded", "o\n5\n" + strings.TrimRight(b64, "=") + "\n", "root"},
		{"empty extension line", "o\n5\n" + b64 + "\n\n", "extension"},
		{"huge", "o\n5\n" + b64 + "\n" + strings.Repeat("x", 20000) + "\n", "bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := tooltrail.ParseCheckpoint(tt.text)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("tooltrail.ParseCheckpoint: %v", err)
				}
				if c.Origin != "o" || c.Root != root {
					t.Errorf("tooltrail.ParseCheckpoint = %+v", c)
				}
				return
			}
			if err == nil || !errors.Is(err, tooltrail.ErrInvalidArgument) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("tooltrail.ParseCheckpoint = %+v, %v; want an invalid-argument error about %q", c, err, tt.want)
			}
		})
	}
}

func TestOpenCheckpointRefuses(t *testing.T) {
	s, v := fixedKey(t, "example.com/tooltrail")
	signed, err := tooltrail.SignCheckpoint(sampleCheckpoint(), s)
	if err != nil {
		t.Fatal(err)
	}
	otherS, otherV := fixedKeySeed(t, "example.com/tooltrail", 9)
	byOther, err := tooltrail.SignCheckpoint(sampleCheckpoint(), otherS)
	if err != nil {
		t.Fatal(err)
	}
	wrongOrigin, err := note.Sign(&note.Note{Text: "other.example/log\n1\n" + strings.Split(sampleCheckpoint().Text(), "\n")[2] + "\n"}, s)
	if err != nil {
		t.Fatal(err)
	}
	tampered := bytes.Replace(signed, []byte("\n1234\n"), []byte("\n1235\n"), 1)
	tests := []struct {
		name   string
		signed []byte
		v      note.Verifier
	}{
		{"signed by another key", byOther, v},
		{"opened with another key", signed, otherV},
		{"size changed after signing", tampered, v},
		{"origin is not the key's name", wrongOrigin, v},
		{"empty", nil, v},
		{"body only", []byte(sampleCheckpoint().Text()), v},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if c, err := tooltrail.OpenCheckpoint(tt.signed, tt.v); !errors.Is(err, tooltrail.ErrInvalidArgument) {
				t.Errorf("tooltrail.OpenCheckpoint = %+v, %v; want tooltrail.ErrInvalidArgument", c, err)
			}
		})
	}
	if _, err := tooltrail.SignCheckpoint(tooltrail.Checkpoint{Origin: "not.the/key", Size: 1}, s); !errors.Is(err, tooltrail.ErrInvalidArgument) {
		t.Errorf("tooltrail.SignCheckpoint of another origin = %v, want tooltrail.ErrInvalidArgument", err)
	}
}

func fixedKeySeed(t testing.TB, origin string, seed byte) (note.Signer, note.Verifier) {
	t.Helper()
	skey, vkey, err := note.GenerateKey(bytes.NewReader(bytes.Repeat([]byte{seed}, 64)), origin)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := note.NewSigner(skey)
	v, _ := note.NewVerifier(vkey)
	return s, v
}

func TestGenerateKey(t *testing.T) {
	for _, origin := range []string{"", "a b", "a+b", "tab\there"} {
		if _, _, err := tooltrail.GenerateKey(origin); !errors.Is(err, tooltrail.ErrInvalidArgument) {
			t.Errorf("tooltrail.GenerateKey(%q) = %v, want tooltrail.ErrInvalidArgument", origin, err)
		}
	}
	skey, vkey, err := tooltrail.GenerateKey("example.com/log")
	if err != nil {
		t.Fatal(err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil || v.Name() != "example.com/log" || v.KeyHash() != s.KeyHash() {
		t.Errorf("tooltrail.GenerateKey made signer %q and verifier %q (%v)", s.Name(), vkey, err)
	}
}

// FuzzParseCheckpoint checks that tooltrail.ParseCheckpoint never panics and that
// what it accepts without extension lines is exactly the text it writes.
func FuzzParseCheckpoint(f *testing.F) {
	f.Add(sampleCheckpoint().Text())
	f.Add("o\n0\n" + strings.Split(sampleCheckpoint().Text(), "\n")[2] + "\next\n")
	f.Add("o\n05\nAAAA\n")
	f.Fuzz(func(t *testing.T, text string) {
		c, err := tooltrail.ParseCheckpoint(text)
		if err != nil {
			if !errors.Is(err, tooltrail.ErrInvalidArgument) {
				t.Fatalf("error %v does not wrap tooltrail.ErrInvalidArgument", err)
			}
			return
		}
		if strings.Count(text, "\n") == 3 && c.Text() != text {
			t.Fatalf("tooltrail.ParseCheckpoint(%q) = %+v, which writes %q", text, c, c.Text())
		}
	})
}

// FuzzOpenCheckpoint checks that tooltrail.OpenCheckpoint never panics and accepts
// no signed note other than the ones the key signed.
func FuzzOpenCheckpoint(f *testing.F) {
	s, v := fixedKey(f, "example.com/tooltrail")
	signed, err := tooltrail.SignCheckpoint(sampleCheckpoint(), s)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(signed)
	f.Add(bytes.Replace(signed, []byte("1234"), []byte("1235"), 1))
	f.Add([]byte("example.com/tooltrail\n1\nAAAA\n\n— example.com/tooltrail AAAA\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := tooltrail.OpenCheckpoint(b, v)
		if err != nil {
			return
		}
		if c.Text() != sampleCheckpoint().Text() {
			t.Fatalf("tooltrail.OpenCheckpoint accepted a checkpoint the key never signed: %+v", c)
		}
	})
}

// FuzzProofVerify checks that the proof checks never panic and accept no
// proof but the right one: a proof of leaf 3 in a tree of 7, and of the
// tree of 7 extending that of 3, changed by the fuzzer.
func FuzzProofVerify(f *testing.F) {
	var hashes []tlog.Hash
	r := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			out[i] = hashes[x]
		}
		return out, nil
	})
	var leaves []tlog.Hash
	for i := range 7 {
		leaves = append(leaves, tooltrail.LeafHash([]byte{byte(i)}))
		hs, err := tlog.StoredHashesForRecordHash(int64(i), leaves[i], r)
		if err != nil {
			f.Fatal(err)
		}
		hashes = append(hashes, hs...)
	}
	root7, _ := tlog.TreeHash(7, r)
	root3, _ := tlog.TreeHash(3, r)
	incl, _ := tlog.ProveRecord(7, 3, r)
	cons, _ := tlog.ProveTree(7, 3, r)
	flat := func(hs []tlog.Hash) []byte {
		var b []byte
		for _, h := range hs {
			b = append(b, h[:]...)
		}
		return b
	}
	f.Add(flat(incl), int64(4), int64(7), int64(3))
	f.Add(flat(cons), int64(4), int64(7), int64(3))
	f.Fuzz(func(t *testing.T, raw []byte, id, size, from int64) {
		var proof []tlog.Hash
		for len(raw) >= tlog.HashSize {
			proof = append(proof, tlog.Hash(raw[:tlog.HashSize]))
			raw = raw[tlog.HashSize:]
		}
		ip := tooltrail.InclusionProof{ID: id, LeafIndex: id - 1, TreeSize: size, LeafHash: leaves[3], Proof: proof}
		// The tree size is not checked here: a path does not commit to it
		// (the signed checkpoint that gives the root does), so the right
		// path also verifies with a size of the same shape.
		if ip.Verify(root7) == nil && (id != 4 || !equalHashes(proof, incl)) {
			t.Fatalf("an altered inclusion proof verifies: id %d size %d", id, size)
		}
		cp := tooltrail.ConsistencyProof{From: from, To: size, Proof: proof}
		if cp.Verify(root3, root7) == nil && (from != 3 || !equalHashes(proof, cons)) {
			t.Fatalf("an altered consistency proof verifies: from %d to %d", from, size)
		}
	})
}

func equalHashes(a, b []tlog.Hash) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
