package tooltrail_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/redact"
	"github.com/tooltrail/tooltrail/sqlite"
)

// TestRedaction records calls with secrets through a Log with redaction
// on and checks that no secret reaches the leaf, the entry or the file,
// that equal secrets give equal markers, and that a repeat of a call_id
// with the same secret still replays.
func TestRedaction(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "log.db")
	store, err := sqlite.Open(ctx, sqlite.Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	r, err := redact.New(bytes.Repeat([]byte{3}, 32), redact.DefaultRules())
	if err != nil {
		t.Fatal(err)
	}
	log, err := tooltrail.New(ctx, store, tooltrail.Config{Redactor: r})
	if err != nil {
		t.Fatal(err)
	}
	const pw, ghp = "hunter2-correct-horse", "ghp_abcdefghijklmnopqrstuvwxyz0123456789"
	calls := []tooltrail.Call{
		{ToolName: "db.connect", Arguments: map[string]any{"host": "db", "password": pw, "opts": []any{map[string]any{"api_key": "k-123456"}}}, CallID: "c1"},
		{ToolName: "http.get", Arguments: map[string]any{"headers": map[string]string{"Authorization": "Bearer " + ghp}}, ResultSummary: "used token " + ghp},
		{ToolName: "db.connect", Arguments: map[string]any{"password": pw, "max_tokens": 512}},
	}
	var entries []tooltrail.Entry
	for _, c := range calls {
		rc, err := log.Record(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		e, err := log.Entry(ctx, rc.ID)
		if err != nil {
			t.Fatal(err)
		}
		entries = append(entries, e)
	}
	for i, e := range entries {
		for _, secret := range []string{pw, ghp, "k-123456"} {
			if bytes.Contains(e.Leaf, []byte(secret)) || strings.Contains(e.ResultSummary, secret) {
				t.Errorf("entry %d keeps a secret: %s", i+1, e.Leaf)
			}
		}
		if !bytes.Contains(e.Leaf, []byte("[redacted:")) {
			t.Errorf("entry %d has no marker: %s", i+1, e.Leaf)
		}
	}
	if !bytes.Contains(entries[2].Arguments, []byte(`"max_tokens":512`)) {
		t.Errorf("an innocent key was redacted: %s", entries[2].Arguments)
	}
	marker := func(e tooltrail.Entry) string {
		s := string(e.Arguments)
		i := strings.Index(s, `"password":"`) + len(`"password":"`)
		return s[i : i+strings.Index(s[i:], `"`)]
	}
	if m1, m3 := marker(entries[0]), marker(entries[2]); m1 != m3 || !redact.IsMarker(m1) {
		t.Errorf("equal secrets give markers %q and %q", m1, m3)
	}
	idc, err := log.Record(ctx, tooltrail.Call{ToolName: "t", SessionID: "s-" + ghp, TaskID: "task-1", CallID: "c-" + ghp})
	if err != nil {
		t.Fatal(err)
	}
	ide, err := log.Entry(ctx, idc.ID)
	if err != nil || strings.Contains(ide.SessionID, ghp) || strings.Contains(ide.CallID, ghp) || ide.TaskID != "task-1" || !strings.Contains(ide.SessionID, "[redacted:") {
		t.Errorf("ids with a token: %+v, %v; want the token redacted in session and call id", ide, err)
	}
	if rc, err := log.Record(ctx, calls[0]); err != nil || !rc.Replayed || rc.ID != 1 {
		t.Errorf("repeating call c1 = %+v, %v; want the first receipt replayed", rc, err)
	}
	if err := log.Close(); err != nil {
		t.Fatal(err)
	}
	store.Close()
	for _, f := range []string{path, path + "-wal"} {
		b, _ := os.ReadFile(f)
		for _, secret := range []string{pw, ghp} {
			if bytes.Contains(b, []byte(secret)) {
				t.Errorf("%s holds a secret", f)
			}
		}
	}
}
