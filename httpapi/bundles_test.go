package httpapi_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/tessera/api"
)

// bundleOf parses an entry bundle as tessera's client does.
func bundleOf(t *testing.T, b []byte) [][]byte {
	t.Helper()
	var eb api.EntryBundle
	if err := eb.UnmarshalText(b); err != nil {
		t.Fatalf("entry bundle does not parse: %v", err)
	}
	return eb.Entries
}

// TestEntryBundles checks that a bundle holds the leaves of the entries,
// each hashing to its place in the level-0 tile, cached privately and
// gzipped for a client that takes gzip.
func TestEntryBundles(t *testing.T) {
	e := newEnv(t)
	var leaves [][]byte
	for i := range 11 {
		e.record(t, `{"tool_name":"t","arguments":{"i":`+itoa(int64(i))+`,"pad":"`+strings.Repeat("x", 40)+`"}}`)
		leaves = append(leaves, e.entry(t, int64(i+1)).Leaf)
	}
	e.sign(t)
	a := e.get(t, "/tile/entries/000.p/11")
	if a.status != http.StatusOK || a.header.Get("Content-Type") != "application/octet-stream" ||
		a.header.Get("Cache-Control") != "private, max-age=31536000, immutable" {
		t.Fatalf("bundle: %d %q %q %s", a.status, a.header.Get("Content-Type"), a.header.Get("Cache-Control"), a.body)
	}
	got := bundleOf(t, a.body)
	tile := e.get(t, "/tile/0/000.p/11").body
	if len(got) != 11 {
		t.Fatalf("bundle of 11 holds %d entries", len(got))
	}
	for i, leaf := range got {
		if !bytes.Equal(leaf, leaves[i]) {
			t.Errorf("bundle entry %d is not the leaf of entry %d", i, i+1)
		}
		if !bytes.Equal(rfc6962.DefaultHasher.HashLeaf(leaf), tile[32*i:32*i+32]) {
			t.Errorf("bundle entry %d does not hash to hash %d of the tile", i, i)
		}
	}
	if b := e.get(t, "/tile/entries/000.p/4"); b.status != http.StatusOK || len(bundleOf(t, b.body)) != 4 {
		t.Errorf("partial bundle of 4: %d", b.status)
	}

	req, err := http.NewRequest(http.MethodGet, e.srv.URL+"/tile/entries/000.p/11", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept-Encoding", "br;q=1.0, gzip;q=0.8")
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("Content-Encoding") != "gzip" || resp.Header.Get("Vary") != "Accept-Encoding" {
		t.Fatalf("Accept-Encoding gzip: Content-Encoding %q, Vary %q", resp.Header.Get("Content-Encoding"), resp.Header.Get("Vary"))
	}
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	unzipped, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(unzipped, a.body) {
		t.Errorf("gzipped bundle differs from the plain one (%v)", err)
	}
	req.Header.Set("Accept-Encoding", "gzip;q=0, identity")
	plain, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	plain.Body.Close()
	if plain.Header.Get("Content-Encoding") != "" {
		t.Errorf("gzip;q=0: Content-Encoding %q", plain.Header.Get("Content-Encoding"))
	}

	for _, tt := range []struct{ path, want string }{
		{"/tile/entries/000.p/12", "outside the tree"},
		{"/tile/entries/000", "outside the tree"},
		{"/tile/entries/001.p/1", "outside the tree"},
		{"/tile/entries/000.p/0", "not an entry bundle path"},
		{"/tile/entries/0", "not an entry bundle path"},
		{"/tile/entries/x000", "not an entry bundle path"},
		{"/tile/entries/", "no endpoint"},
	} {
		wantError(t, e.get(t, tt.path), http.StatusNotFound, "not_found", tt.want)
	}
}

// TestEntryBundlesPurged checks what a bundle holds once entries are
// purged: nothing, 404, while the hash tiles and the bundles of kept
// entries are served as before.
func TestEntryBundlesPurged(t *testing.T) {
	e := newEnv(t)
	for range 3 {
		e.record(t, `{"tool_name":"old"}`)
	}
	e.clock.Advance(48 * time.Hour)
	e.record(t, `{"tool_name":"new"}`)
	if a := e.post(t, "/v1/purge", `{"older_than_days":1}`); a.status != http.StatusOK {
		t.Fatalf("purge: %d %s", a.status, a.body)
	}
	e.sign(t) // 5 entries: 3 purged, "new", the purge's own
	wantError(t, e.get(t, "/tile/entries/000.p/5"), http.StatusNotFound, "not_found", "entry 1 is purged")
	if a := e.get(t, "/tile/0/000.p/5"); a.status != http.StatusOK || len(a.body) != 5*32 {
		t.Errorf("hash tile after the purge: %d, %d bytes", a.status, len(a.body))
	}
}

// TestEntryBundlesLargeLeaf checks that a bundle with a leaf longer than
// a uint16 length can say is refused with a reason, not cut.
func TestEntryBundlesLargeLeaf(t *testing.T) {
	e := newEnv(t)
	e.record(t, `{"tool_name":"big","arguments":"`+strings.Repeat("a", 70000)+`"}`)
	e.sign(t)
	wantError(t, e.get(t, "/tile/entries/000.p/1"), http.StatusNotFound, "not_found", "more than a bundle holds")
	if a := e.get(t, "/v1/entries/1"); a.status != http.StatusOK {
		t.Errorf("the entry alone: %d", a.status)
	}
}
