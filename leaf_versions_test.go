package tooltrail_test

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/sqlite"
)

// TestUnsaltedLeavesStayVerifiable checks that a store written before
// leaves had salts (version 1) and since (version 3) reads and verifies
// as one log.
func TestUnsaltedLeavesStayVerifiable(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, sqlite.Config{Path: filepath.Join(t.TempDir(), "log.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	for _, cfg := range []tooltrail.Config{tooltrail.Unsalted(tooltrail.Config{}), {}} {
		log, err := tooltrail.New(ctx, store, cfg)
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			if _, err := log.Record(ctx, tooltrail.Call{ToolName: "read_file", Arguments: map[string]any{"path": "a"}}); err != nil {
				t.Fatal(err)
			}
		}
		log.Close()
	}
	log, err := tooltrail.New(ctx, store, tooltrail.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	for id, want := range map[int64]string{1: `{"v":1,"id":1,"timestamp"`, 3: `{"v":1,"id":3,"timestamp"`, 4: `{"v":3,"id":4,"salt":"`, 6: `{"v":3,"id":6,"salt":"`} {
		e, err := log.Entry(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(e.Leaf, []byte(want)) || (e.Salt == nil) != (id <= 3) {
			t.Errorf("entry %d: leaf %s, salt %x; want it to start %s", id, e.Leaf, e.Salt, want)
		}
	}
	signer, verifier, err := tooltrail.GenerateKey("leaves.test/log")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tooltrail.NewNotary(ctx, store, tooltrail.NotaryConfig{SignerKey: signer, VerifierKey: verifier}); err != nil {
		t.Fatal(err)
	}
	v, _ := note.NewVerifier(verifier)
	rep, err := tooltrail.Verify(ctx, store, tooltrail.VerifyOptions{Verifier: v})
	if err != nil || !rep.OK() || rep.Checked != 6 {
		t.Errorf("Verify of versions 1 and 3: %+v, %v; want 6 entries checked and no problem", rep, err)
	}
}
