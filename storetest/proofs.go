package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tooltrail/tooltrail"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// recordMany records n calls from 8 goroutines, so that they go in
// batches of several, and returns the receipts by id.
func recordMany(t *testing.T, log *tooltrail.Log, n int) []tooltrail.Receipt {
	t.Helper()
	var (
		mu  sync.Mutex
		out = make([]tooltrail.Receipt, 0, n)
		wg  sync.WaitGroup
		err error
	)
	next := make(chan int, n)
	for i := range n {
		next <- i
	}
	close(next)
	for range 8 {
		wg.Go(func() {
			for i := range next {
				r, rerr := log.Record(context.Background(), tooltrail.Call{ToolName: fmt.Sprintf("tool_%d", i%5), Arguments: map[string]int{"i": i}, SessionID: fmt.Sprintf("s%d", i%3)})
				mu.Lock()
				if rerr != nil && err == nil {
					err = rerr
				}
				out = append(out, r)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(out, func(a, b tooltrail.Receipt) int { return int(a.ID - b.ID) })
	return out
}

func leafHashes(rs []tooltrail.Receipt) []tlog.Hash {
	out := make([]tlog.Hash, len(rs))
	for i, r := range rs {
		out[i] = r.LeafHash
	}
	return out
}

func proofBytes(hs []tlog.Hash) [][]byte {
	out := make([][]byte, len(hs))
	for i := range hs {
		out[i] = hs[i][:]
	}
	return out
}

// testProofs checks inclusion and consistency proofs with another
// implementation of RFC 6962 (transparency-dev/merkle) at sizes on both
// sides of tile and power-of-two boundaries, and the hash tiles against
// the leaves.
func testProofs(t *testing.T, open OpenFunc) {
	ctx := context.Background()
	log := newLog(t, open, nil)
	rs := recordMany(t, log, 300)
	leaves := leafHashes(rs)
	roots := map[int64]tlog.Hash{}
	rootAt := func(n int64) tlog.Hash {
		if _, ok := roots[n]; !ok {
			roots[n] = RootOf(t, leaves[:n])
		}
		return roots[n]
	}
	sizes := []int64{1, 2, 3, 7, 8, 64, 255, 256, 257, 300}
	for _, size := range sizes {
		root := rootAt(size)
		for _, id := range []int64{1, 2, size / 2, size - 1, size} {
			if id < 1 || id > size {
				continue
			}
			p, err := log.InclusionProof(ctx, id, size)
			if err != nil {
				t.Fatalf("InclusionProof(%d, %d): %v", id, size, err)
			}
			if p.LeafHash != leaves[id-1] || p.LeafIndex != id-1 {
				t.Fatalf("InclusionProof(%d, %d): leaf %d hash %v, want %d %v", id, size, p.LeafIndex, p.LeafHash, id-1, leaves[id-1])
			}
			if err := proof.VerifyInclusion(rfc6962.DefaultHasher, uint64(id-1), uint64(size), p.LeafHash[:], proofBytes(p.Proof), root[:]); err != nil {
				t.Errorf("entry %d in tree %d: transparency-dev refuses the proof: %v", id, size, err)
			}
			if err := p.Verify(root); err != nil {
				t.Errorf("entry %d in tree %d: own check refuses the proof: %v", id, size, err)
			}
			if size > 1 {
				if err := p.Verify(rootAt(size - 1)); err == nil {
					t.Errorf("entry %d in tree %d: the proof verifies against another root", id, size)
				}
			}
		}
		for _, from := range sizes {
			if from > size {
				continue
			}
			p, err := log.ConsistencyProof(ctx, from, size)
			if err != nil {
				t.Fatalf("ConsistencyProof(%d, %d): %v", from, size, err)
			}
			r1 := rootAt(from)
			if err := proof.VerifyConsistency(rfc6962.DefaultHasher, uint64(from), uint64(size), proofBytes(p.Proof), r1[:], root[:]); err != nil {
				t.Errorf("tree %d extends %d: transparency-dev refuses the proof: %v", size, from, err)
			}
			if err := p.Verify(r1, root); err != nil {
				t.Errorf("tree %d extends %d: own check refuses the proof: %v", size, from, err)
			}
		}
	}
	for _, tc := range []struct {
		id, size int64
		field    string
	}{{0, 5, "id"}, {5, 4, "tree_size"}, {5, 301, "tree_size"}} {
		_, err := log.InclusionProof(ctx, tc.id, tc.size)
		var fe *tooltrail.FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("InclusionProof(%d, %d) = %v, want a FieldError for %s", tc.id, tc.size, err, tc.field)
		}
	}
	if _, err := log.InclusionProof(ctx, 301, 301); !errors.Is(err, tooltrail.ErrNotFound) {
		t.Errorf("InclusionProof of an entry beyond the log = %v, want ErrNotFound", err)
	}
	if _, err := log.ConsistencyProof(ctx, 10, 301); err == nil {
		t.Error("ConsistencyProof to a tree larger than the log succeeded")
	}

	// Tiles (C2SP tlog-tiles, height 8): level 0 holds the leaf hashes,
	// level 1 the roots of each 256 leaves.
	flat := func(hs []tlog.Hash) []byte { return bytes.Join(proofBytes(hs), nil) }
	root256 := rootAt(256)
	for _, tc := range []struct {
		path string
		want []byte
	}{
		{"0/000", flat(leaves[:256])},
		{"0/001.p/44", flat(leaves[256:300])},
		{"0/000.p/10", flat(leaves[:10])},
		{"1/000.p/1", root256[:]},
	} {
		got, err := log.Tile(ctx, tc.path, 300)
		if err != nil {
			t.Errorf("Tile(%s): %v", tc.path, err)
			continue
		}
		if !bytes.Equal(got, tc.want) {
			t.Errorf("Tile(%s): %d bytes that differ from the %d expected", tc.path, len(got), len(tc.want))
		}
	}
	for _, path := range []string{"0/001.p/45", "0/002", "1/000", "2/000.p/1"} {
		if _, err := log.Tile(ctx, path, 300); !errors.Is(err, tooltrail.ErrNotFound) {
			t.Errorf("Tile(%s) beyond the tree = %v, want ErrNotFound", path, err)
		}
	}
	// Entry bundles: each leaf, length-prefixed, hashes to its place in
	// the level-0 tile of the same path.
	for _, tc := range []struct {
		path        string
		first, want int
	}{{"000", 0, 256}, {"001.p/44", 256, 44}, {"000.p/10", 0, 10}} {
		got, err := log.EntryBundle(ctx, tc.path, 300)
		if err != nil {
			t.Errorf("EntryBundle(%s): %v", tc.path, err)
			continue
		}
		n := 0
		for len(got) >= 2 {
			size := int(got[0])<<8 | int(got[1])
			if len(got) < 2+size || n >= tc.want || tooltrail.LeafHash(got[2:2+size]) != leaves[tc.first+n] {
				t.Errorf("EntryBundle(%s): entry %d does not hash to leaf %d", tc.path, n, tc.first+n)
				break
			}
			got, n = got[2+size:], n+1
		}
		if n != tc.want || len(got) != 0 {
			t.Errorf("EntryBundle(%s) holds %d entries and %d bytes more, want %d", tc.path, n, len(got), tc.want)
		}
	}
	for _, path := range []string{"001", "002.p/1", "000.p/0", "0", "x000", "", "data/000"} {
		if _, err := log.EntryBundle(ctx, path, 300); !errors.Is(err, tooltrail.ErrNotFound) {
			t.Errorf("EntryBundle(%q) = %v, want ErrNotFound", path, err)
		}
	}
	for _, path := range []string{"", "0", "0/1", "data/000", "entries/000", "0/000.p/0", "0/000.p/256", "-1/000", "0/x000", "0/000/"} {
		if _, err := log.Tile(ctx, path, 300); !errors.Is(err, tooltrail.ErrNotFound) {
			t.Errorf("Tile(%q), no tile path = %v, want ErrNotFound", path, err)
		}
	}
}

// testProofsAcrossPurge checks that a purge keeps proofs: inclusion of
// purged and kept entries, and consistency across the purge, and that
// Verify reports the purged entries as purged.
func testProofsAcrossPurge(t *testing.T, open OpenFunc) {
	ctx := context.Background()
	clock := NewClock(start, time.Second)
	store := open(t)
	log, err := tooltrail.New(ctx, store, tooltrail.Config{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	var leaves []tlog.Hash
	for i := range 20 {
		leaves = append(leaves, record(t, log, tooltrail.Call{ToolName: "p", Arguments: i}).LeafHash)
	}
	e11, err := log.Entry(ctx, 11)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := log.PurgeBefore(ctx, e11.Timestamp); err != nil || n != 10 {
		t.Fatalf("PurgeBefore = %d, %v; want 10", n, err)
	}
	e21, err := log.Entry(ctx, 21)
	if err != nil {
		t.Fatalf("the purge entry: %v", err)
	}
	leaves = append(leaves, tooltrail.LeafHash(e21.Leaf))
	root := RootOf(t, leaves)
	for _, id := range []int64{1, 5, 10, 11, 20, 21} {
		p, err := log.InclusionProof(ctx, id, 21)
		if err != nil {
			t.Fatalf("InclusionProof(%d) after the purge: %v", id, err)
		}
		if err := proof.VerifyInclusion(rfc6962.DefaultHasher, uint64(id-1), 21, p.LeafHash[:], proofBytes(p.Proof), root[:]); err != nil || p.LeafHash != leaves[id-1] {
			t.Errorf("entry %d after the purge: %v", id, err)
		}
	}
	if _, err := log.EntryBundle(ctx, "000.p/21", 21); !errors.Is(err, tooltrail.ErrNotFound) {
		t.Errorf("EntryBundle of purged entries = %v, want ErrNotFound", err)
	}
	if _, err := log.Tile(ctx, "0/000.p/21", 21); err != nil {
		t.Errorf("Tile of purged entries: %v", err)
	}
	r10 := RootOf(t, leaves[:10])
	p, err := log.ConsistencyProof(ctx, 10, 21)
	if err != nil {
		t.Fatal(err)
	}
	if err := proof.VerifyConsistency(rfc6962.DefaultHasher, 10, 21, proofBytes(p.Proof), r10[:], root[:]); err != nil {
		t.Errorf("consistency across the purge: %v", err)
	}

	signer, verifier := newKey(t, "conformance.test/log")
	n, err := tooltrail.NewNotary(ctx, store, tooltrail.NotaryConfig{SignerKey: signer, VerifierKey: verifier})
	if err != nil {
		t.Fatal(err)
	}
	if c := n.Latest(); c.Size != 21 || c.Root != root {
		t.Errorf("the notary signed %d entries, root %v; want 21, %v", c.Size, c.Root, root)
	}
	v, _ := note.NewVerifier(verifier)
	rep, err := tooltrail.Verify(ctx, store, tooltrail.VerifyOptions{Verifier: v})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || rep.PurgedThrough != 10 || rep.Checked != 11 || rep.Checkpoint.Size != 21 {
		t.Errorf("Verify after a purge: ok %t, purged through %d, checked %d, checkpoint %d, problems %v; want ok, 10, 11, 21",
			rep.OK(), rep.PurgedThrough, rep.Checked, rep.Checkpoint.Size, rep.Problems)
	}
}

// newKey makes a note key pair for origin, failing t if it cannot.
func newKey(t *testing.T, origin string) (signer, verifier string) {
	t.Helper()
	s, v, err := tooltrail.GenerateKey(origin)
	if err != nil {
		t.Fatal(err)
	}
	return s, v
}

// testRowsAndHashes checks the views a verifier reads: Rows pages in id
// order with every column as recorded, and ReadHashes reports a missing
// hash as ErrCorrupt.
func testRowsAndHashes(t *testing.T, open OpenFunc) {
	ctx := context.Background()
	store := open(t)
	log, err := tooltrail.New(ctx, store, tooltrail.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	calls := []tooltrail.Call{
		{ToolName: "a", SessionID: "s1", TaskID: "t1", UserID: "u1", Confirmed: true, CallID: "c1"},
		{ToolName: "b"},
		{ToolName: "a", SessionID: "s2", UserID: "u1"},
		{ToolName: "ü ☃", TaskID: "t2", CallID: "c2"},
		{ToolName: "b", Confirmed: true},
	}
	for _, c := range calls {
		record(t, log, c)
	}
	var got []tooltrail.Entry
	var after int64
	for {
		rows, err := store.Rows(ctx, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) == 0 {
			break
		}
		if len(rows) > 2 {
			t.Fatalf("Rows(limit 2) returned %d", len(rows))
		}
		got = append(got, rows...)
		after = rows[len(rows)-1].ID
	}
	if len(got) != len(calls) {
		t.Fatalf("Rows walked %d entries, want %d", len(got), len(calls))
	}
	for i, row := range got {
		e, err := tooltrail.DecodeLeaf(row.Leaf)
		if err != nil {
			t.Fatal(err)
		}
		c := calls[i]
		if row.ID != int64(i+1) || e.ID != row.ID || !row.Timestamp.Equal(e.Timestamp) || row.ToolName != c.ToolName ||
			row.SessionID != c.SessionID || row.TaskID != c.TaskID || row.UserID != c.UserID || row.Confirmed != c.Confirmed || row.CallID != c.CallID {
			t.Errorf("row %d = %+v; want the columns of %+v (leaf %+v)", i+1, row, c, e)
		}
	}
	hs, err := store.ReadHashes(ctx, []int64{tlog.StoredHashIndex(0, 4), tlog.StoredHashIndex(0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if hs[0] != tooltrail.LeafHash(got[4].Leaf) || hs[1] != tooltrail.LeafHash(got[0].Leaf) {
		t.Error("ReadHashes does not return the leaf hashes in the order asked")
	}
	if _, err := store.ReadHashes(ctx, []int64{tlog.StoredHashIndex(0, 5)}); !errors.Is(err, tooltrail.ErrCorrupt) {
		t.Errorf("ReadHashes of a hash not stored = %v, want ErrCorrupt", err)
	}
}

// testCheckpointKept checks that the store keeps the checkpoint of the
// largest tree whatever order they come in.
func testCheckpointKept(t *testing.T, open OpenFunc) {
	ctx := context.Background()
	store := open(t)
	if b, err := store.Checkpoint(ctx); err != nil || b != nil {
		t.Fatalf("Checkpoint of a new store = %q, %v; want nil, nil", b, err)
	}
	for _, tc := range []struct {
		size int64
		note string
		want string
	}{{5, "five", "five"}, {3, "three", "five"}, {5, "five again", "five again"}, {9, "nine", "nine"}, {0, "zero", "nine"}} {
		if err := store.SaveCheckpoint(ctx, tc.size, []byte(tc.note)); err != nil {
			t.Fatal(err)
		}
		if b, err := store.Checkpoint(ctx); err != nil || string(b) != tc.want {
			t.Errorf("after saving %q of %d: Checkpoint = %q, %v; want %q", tc.note, tc.size, b, err, tc.want)
		}
	}
}

// testNotary checks that the notary signs checkpoints of the store's head
// that open with its key and with nothing else, saves them in the store,
// and refuses a store whose saved checkpoint is by another key.
func testNotary(t *testing.T, open OpenFunc) {
	ctx := context.Background()
	store := open(t)
	signer, verifier := newKey(t, "conformance.test/log")
	n, err := tooltrail.NewNotary(ctx, store, tooltrail.NotaryConfig{SignerKey: signer, VerifierKey: verifier})
	if err != nil {
		t.Fatal(err)
	}
	if c := n.Latest(); c.Size != 0 || c.Root != tooltrail.EmptyRoot() {
		t.Errorf("checkpoint of the empty log: %d entries, root %v; want 0, %v", c.Size, c.Root, tooltrail.EmptyRoot())
	}
	log, err := tooltrail.New(ctx, store, tooltrail.Config{Committed: func(tooltrail.Head) { n.Notify() }})
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { n.Run(runCtx); close(done) }()
	rs := recordMany(t, log, 40)
	head, err := store.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for n.Latest().Size != head.Size && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	stop()
	<-done
	latest := n.Latest()
	v, _ := note.NewVerifier(verifier)
	c, err := tooltrail.OpenCheckpoint(latest.Note, v)
	if err != nil {
		t.Fatal(err)
	}
	if c.Size != 40 || c.Root != RootOf(t, leafHashes(rs)) || c.Origin != "conformance.test/log" {
		t.Errorf("the latest checkpoint says %+v; want 40 entries with the root of the receipts", c)
	}
	if saved, err := store.Checkpoint(ctx); err != nil || !bytes.Equal(saved, latest.Note) {
		t.Errorf("the store saved %q, %v; want the latest checkpoint", saved, err)
	}
	_, otherV := newKey(t, "conformance.test/log")
	ov, _ := note.NewVerifier(otherV)
	if _, err := tooltrail.OpenCheckpoint(latest.Note, ov); err == nil {
		t.Error("the checkpoint opens with another key of the same name")
	}
	otherS, otherV2 := newKey(t, "conformance.test/log")
	if _, err := tooltrail.NewNotary(ctx, store, tooltrail.NotaryConfig{SignerKey: otherS, VerifierKey: otherV2}); err == nil {
		t.Error("a notary with another key accepted the store, whose checkpoint it cannot open")
	}
	if _, err := tooltrail.NewNotary(ctx, store, tooltrail.NotaryConfig{SignerKey: signer, VerifierKey: otherV2}); !errors.Is(err, tooltrail.ErrInvalidArgument) {
		t.Errorf("a notary with signer and verifier of two keys = %v, want ErrInvalidArgument", err)
	}
}

// testVerifyWhileRecording runs Verify while writers record: the entries
// appended meanwhile are not problems.
func testVerifyWhileRecording(t *testing.T, open OpenFunc) {
	ctx := context.Background()
	store := open(t)
	log, err := tooltrail.New(ctx, store, tooltrail.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	recordMany(t, log, 200)
	signer, verifier := newKey(t, "conformance.test/log")
	if _, err := tooltrail.NewNotary(ctx, store, tooltrail.NotaryConfig{SignerKey: signer, VerifierKey: verifier}); err != nil {
		t.Fatal(err)
	}
	v, _ := note.NewVerifier(verifier)
	done := make(chan struct{})
	go func() { defer close(done); recordMany(t, log, 600) }()
	for range 5 {
		rep, err := tooltrail.Verify(ctx, store, tooltrail.VerifyOptions{Verifier: v})
		if err != nil {
			t.Fatal(err)
		}
		if !rep.OK() {
			t.Fatalf("Verify during appends: %v", rep.Problems)
		}
	}
	<-done
}

// testReservedToolNames checks that no caller can write an entry under
// the log's own names, which a verifier trusts.
func testReservedToolNames(t *testing.T, open OpenFunc) {
	log := newLog(t, open, nil)
	for _, name := range []string{tooltrail.PurgeTool, "tooltrail.token.create", "tooltrail."} {
		_, err := log.Record(context.Background(), tooltrail.Call{ToolName: name, Arguments: map[string]int{"purged_through": 99}})
		var fe *tooltrail.FieldError
		if !errors.As(err, &fe) || fe.Field != "tool_name" {
			t.Errorf("Record(%q) = %v, want a FieldError on tool_name", name, err)
		}
	}
	if _, err := log.RecordAdmin(context.Background(), tooltrail.Call{ToolName: tooltrail.PurgeTool}); err == nil {
		t.Error("RecordAdmin wrote a purge entry")
	}
	if _, err := log.RecordAdmin(context.Background(), tooltrail.Call{ToolName: "tooltrail.token.create"}); err != nil {
		t.Errorf("RecordAdmin(tooltrail.token.create): %v", err)
	}
}
