package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tooltrail/tooltrail"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Tamperable is a store together with a way around it: what the tamper
// suite needs to play a database administrator who rewrites the tables
// behind the log's back.
type Tamperable struct {
	// Store is a new, empty store, closed and removed when the test ends.
	Store tooltrail.Store
	// Exec runs one SQL statement over a plain database connection beside
	// the store, with ? placeholders. The statements use only what SQLite
	// and PostgreSQL both understand.
	Exec func(ctx context.Context, sql string, args ...any) error
	// DisableGuards are the statements that switch off the triggers that
	// keep the tables append-only.
	DisableGuards []string
}

// tamperOrigin is the origin, and key name, of the log in every case.
const tamperOrigin = "tamper.test/log"

// tamperCalls are the calls every case records: several tools, sessions
// and users, a task, confirmed and unconfirmed calls, and one call_id.
var tamperCalls = []tooltrail.Call{
	{ToolName: "fs.read", SessionID: "s1", UserID: "alice", Arguments: map[string]any{"path": "/etc/hosts"}, ResultSummary: "7 lines"},
	{ToolName: "fs.write", SessionID: "s1", UserID: "alice", Arguments: map[string]any{"path": "/tmp/out"}, Confirmed: true},
	{ToolName: "http.get", SessionID: "s1", UserID: "bob", Arguments: map[string]any{"url": "https://example.com"}},
	{ToolName: "fs.read", SessionID: "s2", UserID: "bob", TaskID: "t1", Arguments: map[string]any{"path": "/var/log/syslog"}},
	{ToolName: "shell.exec", SessionID: "s2", UserID: "alice", TaskID: "t1", Arguments: map[string]any{"cmd": "rm -rf /tmp/x"}, ResultSummary: "exit 0", Confirmed: true},
	{ToolName: "http.get", SessionID: "s2", UserID: "carol", CallID: "call-6"},
	{ToolName: "fs.read", SessionID: "s3", UserID: "carol"},
	{ToolName: "fs.write", SessionID: "s3", UserID: "alice", Confirmed: true},
	{ToolName: "shell.exec", SessionID: "s3", UserID: "bob", Arguments: []string{"ls", "-l"}},
	{ToolName: "http.get", SessionID: "s1", UserID: "alice"},
	{ToolName: "fs.read", SessionID: "s2", UserID: "carol", TaskID: "t2"},
	{ToolName: "fs.write", SessionID: "s3", UserID: "bob"},
}

// tamperFixture is one case's log, after its calls were recorded and a
// checkpoint signed after each.
type tamperFixture struct {
	ctx      context.Context
	tb       Tamperable
	store    tooltrail.Store
	log      *tooltrail.Log
	notary   *tooltrail.Notary
	skey     string
	vkey     string
	verifier note.Verifier
	receipts []tooltrail.Receipt // of tamperCalls, in order
	signed   map[int64][]byte    // every checkpoint signed, by tree size
	// mirror is the latest signed checkpoint, kept outside the store, as a
	// server keeps it with --checkpoint-mirror.
	mirror []byte
}

// tamperCase is one way to tamper with the tables, and what Verify must
// say about it.
type tamperCase struct {
	name string
	// hooks run while the log is set up, right after entry n is recorded
	// and its checkpoint signed.
	hooks map[int64]func(t *testing.T, f *tamperFixture)
	// tamper changes the tables over plain SQL.
	tamper func(t *testing.T, f *tamperFixture)
	// mirror says whether Verify is given the mirror besides the store's
	// own checkpoint.
	mirror bool
	// want is the first problem: its ID, and a part of its What.
	want tooltrail.Problem
	// also are problems the report must hold besides (ID, part of What).
	also []tooltrail.Problem
	// blindWithoutMirror says that the tampering leaves a log that is
	// consistent with everything the store holds, so that Verify without
	// the mirror finds nothing: only a checkpoint kept outside catches it.
	blindWithoutMirror bool
	// notaryRefuses says that a Notary that trusts the mirror must refuse
	// the store with ErrCorrupt.
	notaryRefuses bool
}

// RunTamper runs the tamper suite: each case records a log of a dozen
// calls with signed checkpoints on a store made by open, changes its
// tables over plain SQL as a database administrator could (with the
// append-only triggers switched off), and checks that tooltrail.Verify
// reports the change, naming the first entry concerned.
func RunTamper(t *testing.T, open func(t *testing.T) Tamperable) {
	for _, tc := range tamperCases() {
		t.Run(tc.name, func(t *testing.T) { runTamperCase(t, open, tc) })
	}
	t.Run("GuardsRefuseUntilDisabled", func(t *testing.T) { testGuards(t, open) })
	t.Run("UntouchedVerifies", func(t *testing.T) { testUntouched(t, open) })
	t.Run("UntouchedAfterPurgeVerifies", func(t *testing.T) { testUntouchedAfterPurge(t, open) })
}

func tamperCases() []tamperCase {
	return []tamperCase{
		{
			name: "ChangeToolAndSession",
			tamper: func(t *testing.T, f *tamperFixture) {
				f.disableGuards(t)
				f.exec(t, "UPDATE entries SET tool = (SELECT id FROM names WHERE kind = 1 AND value = ?) WHERE id = ?", "fs.read", 3)
				f.exec(t, "UPDATE entries SET session = (SELECT id FROM names WHERE kind = 2 AND value = ?) WHERE id = ?", "s1", 4)
			},
			want: tooltrail.Problem{ID: 3, What: `column tool_name says "fs.read", its leaf "http.get"`},
			also: []tooltrail.Problem{{ID: 4, What: `column session_id says "s1", its leaf "s2"`}},
		},
		{
			name: "ChangeUser",
			tamper: func(t *testing.T, f *tamperFixture) {
				f.disableGuards(t)
				f.exec(t, `UPDATE entries SET "user" = (SELECT id FROM names WHERE kind = 4 AND value = ?) WHERE id = ?`, "alice", 9)
			},
			want: tooltrail.Problem{ID: 9, What: `column user_id says "alice", its leaf "bob"`},
		},
		{
			name: "ChangeTimestamp",
			tamper: func(t *testing.T, f *tamperFixture) {
				f.disableGuards(t)
				f.exec(t, "UPDATE entries SET ts = (SELECT ts FROM entries WHERE id = ?) WHERE id = ?", 2, 3)
			},
			want: tooltrail.Problem{ID: 3, What: "column timestamp says"},
		},
		{
			name: "FlipConfirmed",
			tamper: func(t *testing.T, f *tamperFixture) {
				f.disableGuards(t)
				f.exec(t, "UPDATE entries SET confirmed = NOT confirmed WHERE id = ?", 7)
			},
			want: tooltrail.Problem{ID: 7, What: "column confirmed says true, its leaf false"},
		},
		{
			name: "ClearCallID",
			tamper: func(t *testing.T, f *tamperFixture) {
				f.disableGuards(t)
				f.exec(t, "UPDATE entries SET call_id = NULL WHERE id = ?", 6)
			},
			want: tooltrail.Problem{ID: 6, What: `column call_id says "", its leaf "call-6"`},
		},
		{
			name: "RewriteLeaf",
			tamper: func(t *testing.T, f *tamperFixture) {
				f.disableGuards(t)
				f.exec(t, "UPDATE entries SET leaf = ? WHERE id = ?", f.alteredLeaf(t, 5), 5)
			},
			want: tooltrail.Problem{ID: 5, What: "its leaf bytes do not hash to the leaf hash in the tree"},
		},
		{
			// The leaf hash matches the new leaf, but the level-1 hash over
			// entries 5 and 6 was computed from the old one: Verify names
			// the entry that completes that hash, 6, and says which
			// entries it covers.
			name: "RewriteLeafAndItsLeafHash",
			tamper: func(t *testing.T, f *tamperFixture) {
				leaf := f.alteredLeaf(t, 5)
				h := tooltrail.LeafHash(leaf)
				f.disableGuards(t)
				f.exec(t, "UPDATE entries SET leaf = ? WHERE id = ?", leaf, 5)
				f.exec(t, "UPDATE hashes SET hash = ? WHERE idx = ?", h[:], tlog.StoredHashIndex(0, 5-1))
			},
			want: tooltrail.Problem{ID: 6, What: "the stored tree hash at level 1 over entries 5 to 6 differs from the one its leaves give"},
			also: []tooltrail.Problem{
				{ID: 0, What: "the tree of entries 1 to 12 has root"},
				{ID: 0, What: "the head says root"},
			},
		},
		{
			// The attacker rewrites a leaf, every tree hash and the head, and
			// deletes the store's checkpoint: the store is consistent in
			// itself, so only the signed root kept outside catches it, at
			// the size it was signed for.
			name: "RewriteLeafAndWholeTree",
			tamper: func(t *testing.T, f *tamperFixture) {
				rows := f.rows(t)
				rows[5-1].Leaf = f.alteredLeaf(t, 5)
				leaves := make([]tlog.Hash, len(rows))
				for i, r := range rows {
					leaves[i] = tooltrail.LeafHash(r.Leaf)
				}
				hashes, root := treeOf(t, leaves)
				f.disableGuards(t)
				f.exec(t, "UPDATE entries SET leaf = ? WHERE id = ?", rows[5-1].Leaf, 5)
				for idx, h := range hashes {
					f.exec(t, "UPDATE hashes SET hash = ? WHERE idx = ?", h[:], idx)
				}
				f.exec(t, "UPDATE head SET root = ?", root[:])
				f.exec(t, "DELETE FROM checkpoint")
			},
			mirror:             true,
			want:               tooltrail.Problem{ID: 0, What: "the tree of entries 1 to 12 has root"},
			blindWithoutMirror: true,
			notaryRefuses:      true,
		},
		{
			// The leaf hash of entry 5 (storage index 7) is deleted: the
			// report should name entry 5.
			name: "DeleteLeafHash",
			tamper: func(t *testing.T, f *tamperFixture) {
				f.disableGuards(t)
				f.exec(t, "DELETE FROM hashes WHERE idx = ?", tlog.StoredHashIndex(0, 5-1))
			},
			want: tooltrail.Problem{ID: 5, What: "missing"},
		},
		{
			name: "DeleteRowInTheMiddle",
			tamper: func(t *testing.T, f *tamperFixture) {
				f.disableGuards(t)
				f.exec(t, "DELETE FROM entries WHERE id = ?", 7)
			},
			want: tooltrail.Problem{ID: 7, What: "is missing"},
		},
		{
			name: "DeleteOldestRowsWithoutPurge",
			tamper: func(t *testing.T, f *tamperFixture) {
				f.disableGuards(t)
				f.exec(t, "DELETE FROM entries WHERE id <= ?", 2)
			},
			want: tooltrail.Problem{ID: 1, What: "entries 1 to 2 are missing and no purge is recorded"},
		},
		{
			// A purge deleted entries 1 to 4 and recorded that it deleted
			// 4; the attacker deletes the next four, the oldest live ones,
			// as if the purge had taken them too.
			name:  "DeleteOldestLiveRowsAfterPurge",
			hooks: map[int64]func(t *testing.T, f *tamperFixture){12: func(t *testing.T, f *tamperFixture) { f.purgeBefore(t, 5, 4) }},
			tamper: func(t *testing.T, f *tamperFixture) {
				f.disableGuards(t)
				f.exec(t, "DELETE FROM entries WHERE id <= ?", 8)
			},
			mirror: true,
			want:   tooltrail.Problem{ID: 5, What: "missing"},
		},
		{
			// A purge that deleted nothing is recorded (entry 13); the
			// attacker deletes every entry before it.
			name: "DeleteRowsBehindAPurgeOfNothing",
			hooks: map[int64]func(t *testing.T, f *tamperFixture){12: func(t *testing.T, f *tamperFixture) {
				days := 1_000_000
				if n, err := f.log.Purge(f.ctx, &days); err != nil || n != 0 {
					t.Fatalf("Purge(%d days) = %d, %v; want 0 deleted", days, n, err)
				}
				f.sign(t)
			}},
			tamper: func(t *testing.T, f *tamperFixture) {
				f.disableGuards(t)
				f.exec(t, "DELETE FROM entries WHERE id <= ?", 12)
			},
			mirror: true,
			want:   tooltrail.Problem{ID: 1, What: "missing"},
		},
		{
			// A row no append wrote, beyond the head: found, and not taken
			// for an entry appended while Verify ran.
			name: "RowBeyondTheHead",
			tamper: func(t *testing.T, f *tamperFixture) {
				f.disableGuards(t)
				f.exec(t, `INSERT INTO entries (id, ts, tool, session, task, "user", confirmed, call_id, leaf) `+
					`SELECT 13, ts, tool, session, task, "user", confirmed, NULL, leaf FROM entries WHERE id = 12`)
			},
			want: tooltrail.Problem{ID: 13, What: "is stored, but the head says the log holds 12 entries"},
		},
		{
			// A head that claims far more entries than the tree holds is
			// reported at once, not walked (nor allocated for).
			name: "HeadClaimsMoreThanTheTree",
			tamper: func(t *testing.T, f *tamperFixture) {
				f.disableGuards(t)
				f.exec(t, "UPDATE head SET size = ?", int64(1_000_000_000_000_000))
			},
			want: tooltrail.Problem{ID: 0, What: "the tree holds no leaf hash of entry 1000000000000000"},
		},
		{
			name: "SwapLeaves",
			tamper: func(t *testing.T, f *tamperFixture) {
				rows := f.rows(t)
				f.disableGuards(t)
				f.exec(t, "UPDATE entries SET leaf = ? WHERE id = ?", rows[6-1].Leaf, 2)
				f.exec(t, "UPDATE entries SET leaf = ? WHERE id = ?", rows[2-1].Leaf, 6)
			},
			want: tooltrail.Problem{ID: 2, What: "its leaf bytes do not hash to the leaf hash in the tree"},
			also: []tooltrail.Problem{
				{ID: 2, What: "its leaf is the leaf of entry 6: rows were swapped or moved"},
				{ID: 6, What: "its leaf is the leaf of entry 2: rows were swapped or moved"},
			},
		},
		{
			// The store's own checkpoint, of 12 entries, still says what
			// was there.
			name:          "CutOffNewest",
			tamper:        func(t *testing.T, f *tamperFixture) { f.cutOff(t, 8) },
			want:          tooltrail.Problem{ID: 9, What: "the store's checkpoint vouches for 12 entries, the store holds 8"},
			notaryRefuses: true,
		},
		{
			// With the checkpoint the log signed at 8 put back, the store
			// is an intact log of 8 entries: nothing in it says that there
			// were more. That is why servers keep the latest checkpoint
			// outside the store (the mirror): only it catches the cut.
			name: "CutOffNewestAndPutBackOlderCheckpoint",
			tamper: func(t *testing.T, f *tamperFixture) {
				f.cutOff(t, 8)
				f.exec(t, "UPDATE checkpoint SET size = ?, note = ?", 8, f.signedAt(t, 8))
			},
			mirror:             true,
			want:               tooltrail.Problem{ID: 9, What: "checkpoint 1 given vouches for 12 entries, the store holds 8"},
			blindWithoutMirror: true,
			notaryRefuses:      true,
		},
		{
			// A backup taken at 6 entries, checkpoint included, is put
			// back after 12: like the cut-off, only the mirror knows.
			name:  "RestoreOlderCopy",
			hooks: map[int64]func(t *testing.T, f *tamperFixture){6: func(t *testing.T, f *tamperFixture) { f.snapshot(t) }},
			tamper: func(t *testing.T, f *tamperFixture) {
				f.restore(t)
				if h, err := f.store.Head(f.ctx); err != nil || h.Size != 6 {
					t.Fatalf("head after the restore: %+v, %v; want size 6", h, err)
				}
			},
			mirror:             true,
			want:               tooltrail.Problem{ID: 7, What: "checkpoint 1 given vouches for 12 entries, the store holds 6"},
			blindWithoutMirror: true,
			notaryRefuses:      true,
		},
		{
			// The attacker signs a checkpoint of the log as it is with a
			// key of their own, of the same name.
			name: "CheckpointOfAnotherKey",
			tamper: func(t *testing.T, f *tamperFixture) {
				skey, _, err := tooltrail.GenerateKey(tamperOrigin)
				if err != nil {
					t.Fatal(err)
				}
				signer, err := note.NewSigner(skey)
				if err != nil {
					t.Fatal(err)
				}
				head, err := f.store.Head(f.ctx)
				if err != nil {
					t.Fatal(err)
				}
				forged, err := tooltrail.SignCheckpoint(tooltrail.Checkpoint{Origin: tamperOrigin, Size: head.Size, Root: head.Root}, signer)
				if err != nil {
					t.Fatal(err)
				}
				f.exec(t, "UPDATE checkpoint SET size = ?, note = ?", head.Size, forged)
			},
			mirror: true,
			want:   tooltrail.Problem{ID: 0, What: "the store's checkpoint: invalid argument: checkpoint signature"},
		},
	}
}

func runTamperCase(t *testing.T, open func(t *testing.T) Tamperable, tc tamperCase) {
	f := newTamperFixture(t, open(t), tc.hooks)
	if rep := f.verify(t, true); !rep.OK() {
		t.Fatalf("before tampering, Verify found:\n%s", problems(rep))
	}
	tc.tamper(t, f)
	rep := f.verify(t, tc.mirror)
	switch {
	case rep.OK():
		t.Errorf("Verify (mirror %t) found nothing wrong; want first problem %v", tc.mirror, tc.want)
	case rep.Problems[0].ID != tc.want.ID || !strings.Contains(rep.Problems[0].What, tc.want.What):
		t.Errorf("Verify (mirror %t): first problem %q (id %d), want id %d saying %q; all:\n%s",
			tc.mirror, rep.Problems[0].What, rep.Problems[0].ID, tc.want.ID, tc.want.What, problems(rep))
	}
	for _, p := range tc.also {
		if !hasProblem(rep, p) {
			t.Errorf("Verify (mirror %t): no problem of id %d saying %q; all:\n%s", tc.mirror, p.ID, p.What, problems(rep))
		}
	}
	if tc.blindWithoutMirror {
		if rep := f.verify(t, false); !rep.OK() {
			t.Errorf("Verify without the mirror found problems, but the store is consistent in itself (a wrong test?):\n%s", problems(rep))
		}
	}
	if tc.notaryRefuses {
		_, err := tooltrail.NewNotary(f.ctx, f.store, tooltrail.NotaryConfig{SignerKey: f.skey, VerifierKey: f.vkey, Trusted: [][]byte{f.mirror}})
		if !errors.Is(err, tooltrail.ErrCorrupt) {
			t.Errorf("NewNotary trusting the mirror: %v, want an error wrapping ErrCorrupt", err)
		}
	}
}

// testGuards checks that the store's triggers refuse changes until the
// DisableGuards statements ran, so that the other cases need them.
func testGuards(t *testing.T, open func(t *testing.T) Tamperable) {
	f := newTamperFixture(t, open(t), nil)
	changes := []string{
		"UPDATE entries SET confirmed = NOT confirmed WHERE id = 1",
		"UPDATE hashes SET hash = hash WHERE idx = 0",
		"DELETE FROM hashes WHERE idx = 0",
	}
	for _, sql := range changes {
		if err := f.tb.Exec(f.ctx, sql); err == nil {
			t.Errorf("%s succeeded with the guards on, want it refused", sql)
		}
	}
	if rep := f.verify(t, true); !rep.OK() {
		t.Fatalf("after the refused changes, Verify found:\n%s", problems(rep))
	}
	f.disableGuards(t)
	for _, sql := range changes {
		f.exec(t, sql)
	}
	if rep := f.verify(t, true); rep.OK() {
		t.Errorf("after the changes with the guards off, Verify found nothing wrong")
	}
}

// testUntouched is the control case: nothing changed, nothing found.
func testUntouched(t *testing.T, open func(t *testing.T) Tamperable) {
	f := newTamperFixture(t, open(t), nil)
	n := int64(len(tamperCalls))
	rep := f.verify(t, true)
	if !rep.OK() || rep.Size != n || rep.Checked != n || rep.PurgedThrough != 0 || rep.Checkpoint.Size != n {
		t.Errorf("Verify = size %d, checked %d, purged through %d, checkpoint of %d; want %d, %d, 0, %d and no problem:\n%s",
			rep.Size, rep.Checked, rep.PurgedThrough, rep.Checkpoint.Size, n, n, n, problems(rep))
	}
}

// testUntouchedAfterPurge is the control case of a purge: the missing
// oldest entries are purged, not a problem.
func testUntouchedAfterPurge(t *testing.T, open func(t *testing.T) Tamperable) {
	f := newTamperFixture(t, open(t), nil)
	f.purgeBefore(t, 5, 4)
	size := int64(len(tamperCalls)) + 1 // and the purge's own entry
	rep := f.verify(t, true)
	if !rep.OK() || rep.Size != size || rep.PurgedThrough != 4 || rep.Checked != size-4 || rep.Checkpoint.Size != size {
		t.Errorf("Verify = size %d, checked %d, purged through %d, checkpoint of %d; want %d, %d, 4, %d and no problem:\n%s",
			rep.Size, rep.Checked, rep.PurgedThrough, rep.Checkpoint.Size, size, size-4, size, problems(rep))
	}
	if _, err := tooltrail.NewNotary(f.ctx, f.store, tooltrail.NotaryConfig{SignerKey: f.skey, VerifierKey: f.vkey, Trusted: [][]byte{f.mirror}}); err != nil {
		t.Errorf("NewNotary trusting the mirror after a purge: %v", err)
	}
}

// newTamperFixture records tamperCalls on tb.Store through a Log with a
// fake clock, and signs a checkpoint after each with a Notary of a new
// key; hooks[n] runs after entry n.
func newTamperFixture(t *testing.T, tb Tamperable, hooks map[int64]func(t *testing.T, f *tamperFixture)) *tamperFixture {
	t.Helper()
	ctx := context.Background()
	skey, vkey, err := tooltrail.GenerateKey(tamperOrigin)
	if err != nil {
		t.Fatal(err)
	}
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	notary, err := tooltrail.NewNotary(ctx, tb.Store, tooltrail.NotaryConfig{SignerKey: skey, VerifierKey: vkey})
	if err != nil {
		t.Fatal(err)
	}
	log, err := tooltrail.New(ctx, tb.Store, tooltrail.Config{Now: NewClock(start, time.Second).Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close() })
	f := &tamperFixture{
		ctx: ctx, tb: tb, store: tb.Store, log: log, notary: notary,
		skey: skey, vkey: vkey, verifier: verifier, signed: make(map[int64][]byte),
	}
	for i, c := range tamperCalls {
		f.receipts = append(f.receipts, record(t, log, c))
		f.sign(t)
		if h := hooks[int64(i+1)]; h != nil {
			h(t, f)
		}
	}
	saved, err := f.store.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if string(saved) != string(f.mirror) {
		t.Fatalf("the store's checkpoint is not the latest signed:\n%s\nwant:\n%s", saved, f.mirror)
	}
	return f
}

// sign signs a checkpoint of the store's head, which the notary saves in
// the store, and keeps a copy as the mirror.
func (f *tamperFixture) sign(t *testing.T) {
	t.Helper()
	head, err := f.store.Head(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := f.notary.Sign(f.ctx, head)
	if err != nil {
		t.Fatal(err)
	}
	if sc.Size != head.Size {
		t.Fatalf("signed a checkpoint of %d, want %d", sc.Size, head.Size)
	}
	f.signed[sc.Size] = sc.Note
	f.mirror = sc.Note
}

// purgeBefore purges the entries recorded before entry id, which must be
// want of them, and signs a checkpoint of the head with the purge's entry.
func (f *tamperFixture) purgeBefore(t *testing.T, id, want int64) {
	t.Helper()
	n, err := f.log.PurgeBefore(f.ctx, f.receipts[id-1].Timestamp)
	if err != nil || n != want {
		t.Fatalf("PurgeBefore(time of entry %d) = %d, %v; want %d deleted", id, n, err, want)
	}
	f.sign(t)
}

// signedAt returns the checkpoint signed at size entries.
func (f *tamperFixture) signedAt(t *testing.T, size int64) []byte {
	t.Helper()
	c, ok := f.signed[size]
	if !ok {
		t.Fatalf("no checkpoint was signed at %d", size)
	}
	return c
}

// verify runs Verify with the log's key, and with the mirror when asked.
func (f *tamperFixture) verify(t *testing.T, withMirror bool) *tooltrail.VerifyReport {
	t.Helper()
	opts := tooltrail.VerifyOptions{Verifier: f.verifier}
	if withMirror {
		opts.Checkpoints = [][]byte{f.mirror}
	}
	rep, err := tooltrail.Verify(f.ctx, f.store, opts)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return rep
}

// exec runs one statement beside the store, failing the test if it fails.
func (f *tamperFixture) exec(t *testing.T, sql string, args ...any) {
	t.Helper()
	if err := f.tb.Exec(f.ctx, sql, args...); err != nil {
		t.Fatalf("%s %v: %v", sql, args, err)
	}
}

// disableGuards switches off the append-only triggers.
func (f *tamperFixture) disableGuards(t *testing.T) {
	t.Helper()
	if len(f.tb.DisableGuards) == 0 {
		t.Fatal("Tamperable.DisableGuards is empty")
	}
	for _, sql := range f.tb.DisableGuards {
		f.exec(t, sql)
	}
}

// rows returns every live row as the store holds it, in id order.
func (f *tamperFixture) rows(t *testing.T) []tooltrail.Entry {
	t.Helper()
	rows, err := f.store.Rows(f.ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(tamperCalls) {
		t.Fatalf("%d rows, want %d", len(rows), len(tamperCalls))
	}
	return rows
}

// alteredLeaf returns the canonical leaf of entry id with another result
// summary: a leaf that decodes and whose columns match the row's.
func (f *tamperFixture) alteredLeaf(t *testing.T, id int64) []byte {
	t.Helper()
	e, err := tooltrail.DecodeLeaf(f.rows(t)[id-1].Leaf)
	if err != nil {
		t.Fatal(err)
	}
	e.ResultSummary = "nothing happened"
	leaf := tooltrail.EncodeLeaf(e)
	if _, err := tooltrail.DecodeLeaf(leaf); err != nil {
		t.Fatalf("altered leaf does not decode: %v", err)
	}
	return leaf
}

// cutOff deletes the entries after size and their tree hashes, and sets
// the head back to size with the root the store's hashes give for it.
func (f *tamperFixture) cutOff(t *testing.T, size int64) {
	t.Helper()
	root, err := tlog.TreeHash(size, tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		return f.store.ReadHashes(f.ctx, idx)
	}))
	if err != nil {
		t.Fatal(err)
	}
	f.disableGuards(t)
	f.exec(t, "DELETE FROM entries WHERE id > ?", size)
	f.exec(t, "DELETE FROM hashes WHERE idx >= ?", tlog.StoredHashIndex(0, size))
	f.exec(t, "UPDATE head SET size = ?, root = ?, last_ts = (SELECT ts FROM entries WHERE id = ?)", size, root[:], size)
}

// backedUp are the tables snapshot copies and restore puts back.
var backedUp = []string{"entries", "hashes", "head", "counts", "names", "checkpoint"}

// snapshot copies every table into bak_<table>.
func (f *tamperFixture) snapshot(t *testing.T) {
	t.Helper()
	for _, table := range backedUp {
		f.exec(t, fmt.Sprintf("CREATE TABLE bak_%s AS SELECT * FROM %s", table, table))
	}
}

// restore puts the tables of snapshot back.
func (f *tamperFixture) restore(t *testing.T) {
	t.Helper()
	f.disableGuards(t)
	for _, table := range backedUp {
		if table == "names" {
			// Names are append-only, so the copy is a prefix: deleting
			// what came after restores it, and does without re-inserting
			// ids, which PostgreSQL generates ALWAYS.
			f.exec(t, "DELETE FROM names WHERE id NOT IN (SELECT id FROM bak_names)")
			continue
		}
		f.exec(t, "DELETE FROM "+table)
		f.exec(t, fmt.Sprintf("INSERT INTO %s SELECT * FROM bak_%s", table, table))
	}
}

func hasProblem(rep *tooltrail.VerifyReport, want tooltrail.Problem) bool {
	for _, p := range rep.Problems {
		if p.ID == want.ID && strings.Contains(p.What, want.What) {
			return true
		}
	}
	return false
}

// problems lists a report's problems, one a line.
func problems(rep *tooltrail.VerifyReport) string {
	if rep.OK() {
		return "  (none)"
	}
	var b strings.Builder
	for _, p := range rep.Problems {
		fmt.Fprintf(&b, "  %d: %s\n", p.ID, p.What)
	}
	return b.String()
}
