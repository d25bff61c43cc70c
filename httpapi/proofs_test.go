package httpapi_test

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/httpapi"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"
)

// proofAnswer is the JSON of both proof endpoints.
type proofAnswer struct {
	ID        int64    `json:"id"`
	LeafIndex int64    `json:"leaf_index"`
	TreeSize  int64    `json:"tree_size"`
	LeafHash  string   `json:"leaf_hash"`
	From      int64    `json:"from"`
	To        int64    `json:"to"`
	Proof     []string `json:"proof"`
}

func unb64(t *testing.T, ss ...string) [][]byte {
	t.Helper()
	out := make([][]byte, len(ss))
	for i, s := range ss {
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			t.Fatalf("%q is not base64: %v", s, err)
		}
		out[i] = b
	}
	return out
}

// TestTamperEvidenceEndpoints checks what an auditor reads, the way
// another RFC 6962 implementation would check it: the key from /v1/log
// opens /v1/checkpoint, and the proofs verify with transparency-dev/merkle
// against its root.
func TestTamperEvidenceEndpoints(t *testing.T) {
	e := newEnv(t)
	var info struct {
		Origin      string `json:"origin"`
		VerifierKey string `json:"verifier_key"`
		TreeSize    *int64 `json:"tree_size"`
	}
	decode(t, e.get(t, "/v1/log").body, &info)
	if info.Origin != testOrigin || info.TreeSize == nil || *info.TreeSize != 0 {
		t.Fatalf("/v1/log of the empty log = %+v", info)
	}
	_, wantKey := testKey(t)
	if info.VerifierKey != wantKey {
		t.Fatalf("/v1/log verifier_key %q, want %q", info.VerifierKey, wantKey)
	}
	v, err := note.NewVerifier(info.VerifierKey)
	if err != nil {
		t.Fatal(err)
	}

	var leaves [][]byte
	for i := range 11 {
		e.record(t, `{"tool_name":"t","arguments":`+itoa(int64(i))+`}`)
		leaves = append(leaves, e.entry(t, int64(i+1)).Leaf)
	}
	e.sign(t)
	a := e.get(t, "/v1/checkpoint")
	if a.status != http.StatusOK || a.header.Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Fatalf("/v1/checkpoint: %d %q", a.status, a.header.Get("Content-Type"))
	}
	n, err := note.Open(a.body, note.VerifierList(v))
	if err != nil {
		t.Fatalf("note.Open(/v1/checkpoint): %v", err)
	}
	cp, err := tooltrail.ParseCheckpoint(n.Text)
	if err != nil || cp.Size != 11 || cp.Origin != testOrigin {
		t.Fatalf("checkpoint %+v, %v; want 11 entries of %s", cp, err, testOrigin)
	}
	decode(t, e.get(t, "/v1/log").body, &info)
	if *info.TreeSize != 11 {
		t.Errorf("/v1/log tree_size %d after the checkpoint of 11", *info.TreeSize)
	}

	for id := int64(1); id <= 11; id++ {
		var p proofAnswer
		decode(t, e.get(t, "/v1/entries/"+itoa(id)+"/proof").body, &p)
		if p.ID != id || p.LeafIndex != id-1 || p.TreeSize != 11 {
			t.Fatalf("proof of %d: %+v; want leaf %d of the checkpoint's tree of 11", id, p, id-1)
		}
		lh := unb64(t, p.LeafHash)[0]
		if want := rfc6962.DefaultHasher.HashLeaf(leaves[id-1]); !bytes.Equal(lh, want) {
			t.Errorf("proof of %d: leaf_hash is not the RFC 6962 hash of its leaf", id)
		}
		if err := proof.VerifyInclusion(rfc6962.DefaultHasher, uint64(id-1), 11, lh, unb64(t, p.Proof...), cp.Root[:]); err != nil {
			t.Errorf("proof of %d does not verify: %v", id, err)
		}
	}
	old := e.get(t, "/v1/entries/2/proof?tree_size=3")
	var p3 proofAnswer
	decode(t, old.body, &p3)
	if p3.TreeSize != 3 || len(p3.Proof) != 2 {
		t.Errorf("proof of 2 in tree 3: %s", old.body)
	}

	var c proofAnswer
	decode(t, e.get(t, "/v1/consistency?from=4").body, &c)
	if c.From != 4 || c.To != 11 {
		t.Fatalf("consistency: %+v; want from 4 to the checkpoint's 11", c)
	}
	root4 := rootOf(leaves[:4])
	if err := proof.VerifyConsistency(rfc6962.DefaultHasher, 4, 11, unb64(t, c.Proof...), root4, cp.Root[:]); err != nil {
		t.Errorf("consistency 4 to 11 does not verify: %v", err)
	}

	if b := e.get(t, "/checkpoint"); b.status != http.StatusOK || !bytes.Equal(b.body, a.body) ||
		b.header.Get("Content-Type") != "text/plain; charset=utf-8" || b.header.Get("Cache-Control") != "no-store" {
		t.Errorf("/checkpoint: %d %q %q, want /v1/checkpoint's answer", b.status, b.header.Get("Content-Type"), b.header.Get("Cache-Control"))
	}
	tile := e.get(t, "/tile/0/000.p/11")
	if tile.status != http.StatusOK || len(tile.body) != 11*32 || tile.header.Get("Cache-Control") != "public, max-age=31536000, immutable" {
		t.Fatalf("partial tile: %d, %d bytes, Cache-Control %q", tile.status, len(tile.body), tile.header.Get("Cache-Control"))
	}
	for i, l := range leaves {
		if !bytes.Equal(tile.body[32*i:32*i+32], rfc6962.DefaultHasher.HashLeaf(l)) {
			t.Errorf("tile hash %d is not the leaf hash of entry %d", i, i+1)
		}
	}
}

// rootOf is the RFC 6962 root of leaves, by transparency-dev's reference
// definition (MTH), independent of tlog.
func rootOf(leaves [][]byte) []byte {
	h := rfc6962.DefaultHasher
	switch len(leaves) {
	case 0:
		return h.EmptyRoot()
	case 1:
		return h.HashLeaf(leaves[0])
	}
	k := 1
	for k*2 < len(leaves) {
		k *= 2
	}
	return h.HashChildren(rootOf(leaves[:k]), rootOf(leaves[k:]))
}

// TestTamperEvidenceErrors checks that bad proof and tile requests get a
// clear answer that names the parameter, and that the server goes on.
func TestTamperEvidenceErrors(t *testing.T) {
	e := newEnv(t)
	for i := range 5 {
		e.record(t, `{"tool_name":"t","arguments":`+itoa(int64(i))+`}`)
	}
	e.sign(t)
	tests := []struct {
		path   string
		status int
		want   string
	}{
		{"/v1/entries/2/proof?tree_size=abc", 400, "tree_size"},
		{"/v1/entries/2/proof?tree_size=-1", 400, "tree_size"},
		{"/v1/entries/2/proof?tree_size=03", 400, "tree_size"},
		{"/v1/entries/2/proof?tree_size=3&tree_size=4", 400, "more than once"},
		{"/v1/entries/2/proof?tree_size=1", 400, "tree_size: must be from 2"},
		{"/v1/entries/2/proof?tree_size=6", 400, "to 5"},
		{"/v1/entries/2/proof?size=3", 400, "size: is not a parameter"},
		{"/v1/entries/0/proof", 400, "id"},
		{"/v1/entries/x/proof", 400, "id"},
		{"/v1/entries/6/proof?tree_size=6", 404, "entry 6"},
		{"/v1/consistency", 400, "from: is required"},
		{"/v1/consistency?from=4&to=2", 400, "from"},
		{"/v1/consistency?from=1&to=9", 400, "to"},
		{"/v1/consistency?from=1&to=x", 400, "to"},
		{"/v1/log?x=1", 400, "x: is not a parameter"},
		{"/v1/checkpoint?x=1", 400, "x"},
		{"/tile/0/000.p/6", 404, "outside the tree"},
		{"/tile/0/001", 404, "outside the tree"},
		{"/tile/1/000.p/1", 404, "outside the tree"},
		{"/tile/0/000.p/0", 404, "tile"},
		{"/tile/data/000.p/5", 404, "tile"},
		{"/tile/0/1", 404, "tile"},
		{"/tile/0/000/extra", 404, "tile"},
		{"/tile/8/000", 404, "outside the tree"},
		{"/checkpoint?x=1", 400, "x"},
		{"/tile/", 404, "no endpoint"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			a := e.get(t, tt.path)
			if a.status != tt.status || !strings.Contains(string(a.body), tt.want) {
				t.Errorf("GET %s = %d %s; want %d mentioning %q", tt.path, a.status, a.body, tt.status, tt.want)
			}
		})
	}
	if a := e.get(t, "/v1/entries/5/proof"); a.status != http.StatusOK {
		t.Errorf("after the bad requests: %d %s", a.status, a.body)
	}
}

// TestNoNotary checks that a server built without a notary says so on the
// endpoints that need one, and still serves proofs of given sizes.
func TestNoNotary(t *testing.T) {
	e := newEnv(t)
	e.record(t, `{"tool_name":"t"}`)
	srv := httptest.NewServer(httpapi.New(e.log, httpapi.Config{}))
	defer srv.Close()
	for _, path := range []string{"/v1/log", "/v1/checkpoint", "/tile/0/000.p/1"} {
		resp, err := srv.Client().Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s without a notary: %d, want 404", path, resp.StatusCode)
		}
	}
	resp, err := srv.Client().Get(srv.URL + "/v1/entries/1/proof?tree_size=1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("proof with tree_size without a notary: %d", resp.StatusCode)
	}
}

// TestGoldenCheckpoint pins /v1/log, /v1/checkpoint and a proof, under the
// test clock and key, byte for byte.
func TestGoldenCheckpoint(t *testing.T) {
	e := newEnv(t)
	for i := range 3 {
		e.record(t, `{"tool_name":"golden","arguments":`+itoa(int64(i))+`}`)
	}
	e.sign(t)
	for _, tt := range []struct{ name, path string }{
		{"log.json", "/v1/log"},
		{"checkpoint.txt", "/v1/checkpoint"},
		{"proof.json", "/v1/entries/2/proof"},
		{"consistency.json", "/v1/consistency?from=1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := e.get(t, tt.path)
			if a.status != http.StatusOK {
				t.Fatalf("status %d; body %s", a.status, a.body)
			}
			golden(t, tt.name, a.body)
		})
	}
}
