package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	tclient "github.com/transparency-dev/tessera/client"
	"golang.org/x/mod/sumdb/note"

	"github.com/tooltrail/tooltrail"
)

// TestServe_tlogTilesClient is the contract with the transparency-log
// ecosystem: an unmodified tessera client with one fetcher rooted at the
// server, and formats' checkpoint parser, read a running serve as any
// C2SP tlog-tiles log. Every leaf of every bundle must hash to its tile,
// the tiles must give the signed root, and the client's proofs must verify
// and equal the server's own. If a spec-following client needed a
// workaround, this test would fail.
func TestServe_tlogTilesClient(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	srv := startServer(t, dir)
	origin, verifier := serveKey(t, srv)
	auditor := makeToken(t, dir, "--role", "auditor", "--name", "tiles-auditor")
	bob := makeToken(t, dir, "--role", "reader", "--user", "bob", "--name", "bob-reader")
	// The token commands record entries of their own: the log holds 2.

	recordN(t, srv, 298)
	cp := waitCheckpoint(t, srv, 300)

	root, err := url.Parse(srv.url + "/")
	if err != nil {
		t.Fatal(err)
	}
	f, err := tclient.NewHTTPFetcher(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	f.SetAuthorizationHeader("Bearer " + auditor)
	got, raw, _, err := tclient.FetchCheckpoint(ctx, f.ReadCheckpoint, verifier, origin)
	if err != nil {
		t.Fatalf("FetchCheckpoint: %v", err)
	}
	if got.Size != 300 || !bytes.Equal(got.Hash, cp.Root[:]) || !bytes.Equal(raw, cp.Note) {
		t.Fatalf("FetchCheckpoint: size %d; want the served checkpoint of 300", got.Size)
	}
	if parsed, _, _, err := log.ParseCheckpoint(raw, origin, verifier); err != nil || parsed.Origin != origin {
		t.Fatalf("formats' ParseCheckpoint: %+v, %v", parsed, err)
	}

	// Every bundle: every leaf hashes to its place in the tiles, and
	// together they give the signed root.
	hashes, err := tclient.FetchLeafHashes(ctx, f.ReadTile, 0, got.Size, got.Size)
	if err != nil {
		t.Fatalf("FetchLeafHashes: %v", err)
	}
	var leaves [][]byte
	for i := uint64(0); i*256 < got.Size; i++ {
		b, err := tclient.GetEntryBundle(ctx, f.ReadEntryBundle, i, got.Size)
		if err != nil {
			t.Fatalf("GetEntryBundle(%d): %v", i, err)
		}
		leaves = append(leaves, b.Entries...)
	}
	if uint64(len(leaves)) != got.Size {
		t.Fatalf("the bundles hold %d entries, the checkpoint %d", len(leaves), got.Size)
	}
	for i, leaf := range leaves {
		if !bytes.Equal(rfc6962.DefaultHasher.HashLeaf(leaf), hashes[i]) {
			t.Fatalf("bundle entry %d does not hash to leaf hash %d of the tiles", i, i)
		}
		if _, err := tooltrail.DecodeLeaf(leaf); err != nil {
			t.Fatalf("bundle entry %d is not a tooltrail leaf: %v", i, err)
		}
	}
	if r := rootOf(hashes); !bytes.Equal(r, got.Hash) {
		t.Fatal("the tiles' leaf hashes do not give the checkpoint's root")
	}

	// The client's proofs verify, and are the server's, byte for byte.
	pb, err := tclient.NewProofBuilder(ctx, got.Size, f.ReadTile)
	if err != nil {
		t.Fatal(err)
	}
	c := srv.client(t)
	for _, idx := range []uint64{0, 1, 255, 256, 299} {
		p, err := pb.InclusionProof(ctx, idx)
		if err != nil {
			t.Fatalf("InclusionProof(%d): %v", idx, err)
		}
		if err := proof.VerifyInclusion(rfc6962.DefaultHasher, idx, got.Size, hashes[idx], p, got.Hash); err != nil {
			t.Errorf("inclusion of %d: %v", idx, err)
		}
		own, err := c.InclusionProof(ctx, int64(idx)+1, int64(got.Size))
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(p) != fmt.Sprint(hashBytes(own.Proof)) {
			t.Errorf("inclusion of %d: the client's proof differs from the server's", idx)
		}
	}

	// The log grows: LogStateTracker checks the new checkpoint's
	// consistency with the one it holds, and the proof is the server's.
	tracker, err := tclient.NewLogStateTracker(ctx, f.ReadTile, raw, verifier, origin, tclient.UnilateralConsensus(f.ReadCheckpoint))
	if err != nil {
		t.Fatalf("NewLogStateTracker: %v", err)
	}
	recordN(t, srv, 30)
	waitCheckpoint(t, srv, 330)
	_, cproof, newRaw, err := tracker.Update(ctx)
	if err != nil {
		t.Fatalf("LogStateTracker.Update: %v", err)
	}
	latest := tracker.Latest()
	if latest.Size != 330 || newRaw == nil {
		t.Fatalf("LogStateTracker holds %d entries, want 330", latest.Size)
	}
	pb, _ = tclient.NewProofBuilder(ctx, latest.Size, f.ReadTile)
	cp2, err := pb.ConsistencyProof(ctx, 300, 330)
	if err != nil {
		t.Fatal(err)
	}
	if err := proof.VerifyConsistency(rfc6962.DefaultHasher, 300, 330, cp2, got.Hash, latest.Hash); err != nil {
		t.Errorf("consistency 300 to 330: %v", err)
	}
	own, err := c.ConsistencyProof(ctx, 300, 330)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(cp2) != fmt.Sprint(hashBytes(own.Proof)) || fmt.Sprint(cproof) != fmt.Sprint(cp2) {
		t.Error("consistency 300 to 330: the client's proof differs from the server's")
	}

	// Only a token that may read every entry reads bundles.
	for _, tc := range []struct {
		token  string
		status int
	}{{"", http.StatusUnauthorized}, {bob, http.StatusForbidden}, {auditor, http.StatusOK}} {
		if status := getStatus(t, srv.url+"/tile/entries/000", tc.token); status != tc.status {
			t.Errorf("bundle 000 with token %.6q: %d, want %d", tc.token, status, tc.status)
		}
	}

	// After a purge of everything, the bundles of purged entries are gone
	// (404, which the client takes as "not there"), the tiles stay.
	if _, err := c.Purge(ctx, nil); err != nil {
		t.Fatal(err)
	}
	waitCheckpoint(t, srv, 331)
	if _, err := tclient.GetEntryBundle(ctx, f.ReadEntryBundle, 0, 331); !errors.Is(err, os.ErrNotExist) && !strings.Contains(err.Error(), "not exist") {
		t.Errorf("bundle of purged entries: %v, want not found", err)
	}
	pb, _ = tclient.NewProofBuilder(ctx, 331, f.ReadTile)
	if _, err := pb.InclusionProof(ctx, 5); err != nil {
		t.Errorf("inclusion proof of a purged entry from the tiles: %v", err)
	}
}

// makeToken makes a token on the store of dir and returns its secret.
func makeToken(t *testing.T, dir string, args ...string) string {
	t.Helper()
	r := run(t, noEnv, "", append([]string{"token", "create", "--data", dir}, args...)...)
	if r.code != 0 {
		t.Fatalf("token create %v: exit %d %s", args, r.code, r.stderr)
	}
	return strings.TrimSpace(r.stdout)
}

// serveKey reads the origin and verifier key that serve printed at start,
// as an auditor is given them (not from /v1/log).
func serveKey(t *testing.T, srv *testServer) (string, note.Verifier) {
	t.Helper()
	var origin, key string
	for line := range strings.Lines(srv.stdout.String()) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "origin: "); ok {
			origin = v
		}
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "verifier key: "); ok {
			key = v
		}
	}
	v, err := note.NewVerifier(key)
	if err != nil || v.Name() != origin {
		t.Fatalf("serve printed origin %q and key %q: %v", origin, key, err)
	}
	return origin, v
}

// recordN records n calls through the API, from 8 callers at once.
func recordN(t *testing.T, srv *testServer, n int) {
	t.Helper()
	c := srv.client(t)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for w := range 8 {
		wg.Go(func() {
			for i := w; i < n; i += 8 {
				_, err := c.Record(t.Context(), tooltrail.Call{ToolName: "read_file", UserID: []string{"alice", "bob"}[i%2],
					Arguments: map[string]any{"path": fmt.Sprintf("/srv/%d.txt", i)}})
				if err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// waitCheckpoint waits until serve signs a checkpoint of size entries and
// returns it.
func waitCheckpoint(t *testing.T, srv *testServer, size int64) tooltrail.SignedCheckpoint {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(srv.url + "/checkpoint")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		text, _, _ := strings.Cut(string(b), "\n\n")
		if cp, err := tooltrail.ParseCheckpoint(text + "\n"); err == nil && cp.Size >= size {
			if cp.Size != size {
				t.Fatalf("checkpoint of %d entries, want %d", cp.Size, size)
			}
			return tooltrail.SignedCheckpoint{Checkpoint: cp, Note: b}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no checkpoint of %d entries within 10s; last %q", size, b)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// getStatus returns the status of a GET of u with token ("" for none).
func getStatus(t *testing.T, u, token string) int {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// hashBytes turns tlog hashes into the byte slices the tessera client
// returns.
func hashBytes[H ~[32]byte](hs []H) [][]byte {
	out := make([][]byte, len(hs))
	for i := range hs {
		out[i] = hs[i][:]
	}
	return out
}

// rootOf is the RFC 6962 root over leaf hashes, by the definition (MTH).
func rootOf(hs [][]byte) []byte {
	switch len(hs) {
	case 0:
		return rfc6962.DefaultHasher.EmptyRoot()
	case 1:
		return hs[0]
	}
	k := 1
	for k*2 < len(hs) {
		k *= 2
	}
	return rfc6962.DefaultHasher.HashChildren(rootOf(hs[:k]), rootOf(hs[k:]))
}
