package client_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/client"
	"github.com/tooltrail/tooltrail/httpapi"
	"github.com/tooltrail/tooltrail/sqlite"
	"golang.org/x/mod/sumdb/note"
)

// signedLog is a server of a log whose key is fixed by seed, on a fixed
// clock: two of them fed the same calls hold the same tree, which is how
// these tests make a log and its rolled-back or forked double.
type signedLog struct {
	log    *tooltrail.Log
	store  *sqlite.Store
	notary *tooltrail.Notary
	c      *client.Client
}

func newSignedLog(t *testing.T, seed byte) (*signedLog, note.Verifier) {
	t.Helper()
	ctx := context.Background()
	skey, vkey, err := note.GenerateKey(bytes.NewReader(bytes.Repeat([]byte{seed}, 64)), "client.test/log")
	if err != nil {
		t.Fatal(err)
	}
	store, err := sqlite.Open(ctx, sqlite.Config{Path: filepath.Join(t.TempDir(), "log.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	n, err := tooltrail.NewNotary(ctx, store, tooltrail.NotaryConfig{SignerKey: skey, VerifierKey: vkey})
	if err != nil {
		t.Fatal(err)
	}
	log, err := tooltrail.New(ctx, store, tooltrail.Config{Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close() })
	srv := httptest.NewServer(httpapi.New(log, httpapi.Config{Notary: n, Logger: slog.New(slog.DiscardHandler)}))
	t.Cleanup(srv.Close)
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return &signedLog{log: log, store: store, notary: n, c: client.New(srv.URL)}, v
}

// add records the calls named and signs a checkpoint of the result.
func (s *signedLog) add(t *testing.T, tools ...string) {
	t.Helper()
	ctx := context.Background()
	for _, tool := range tools {
		if _, err := s.log.Record(ctx, tooltrail.Call{ToolName: tool}); err != nil {
			t.Fatal(err)
		}
	}
	head, err := s.store.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.notary.Sign(ctx, head); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyCheckpoint(t *testing.T) {
	ctx := context.Background()
	first := []string{"a", "b", "c", "d", "e", "f"}

	// An honest log that grows: the first check trusts what it gets, the
	// next ones prove the growth.
	honest, v := newSignedLog(t, 1)
	honest.add(t, first...)
	signed, cp, err := honest.c.VerifyCheckpoint(ctx, v, nil)
	if err != nil || cp.Size != 6 {
		t.Fatalf("first VerifyCheckpoint = %+v, %v; want 6 entries", cp, err)
	}
	honest.add(t, "g", "h", "i")
	signed2, cp2, err := honest.c.VerifyCheckpoint(ctx, v, signed)
	if err != nil || cp2.Size != 9 {
		t.Fatalf("VerifyCheckpoint after growth = %+v, %v; want 9 entries", cp2, err)
	}
	if _, cp3, err := honest.c.VerifyCheckpoint(ctx, v, signed2); err != nil || cp3 != cp2 {
		t.Fatalf("VerifyCheckpoint with no growth = %+v, %v", cp3, err)
	}

	// The same key over other stores: the log rolled back to its first 6
	// entries, and a fork that differs after them.
	rolledBack, _ := newSignedLog(t, 1)
	rolledBack.add(t, first...)
	forked, _ := newSignedLog(t, 1)
	forked.add(t, append(first, "G", "h", "i", "j")...)
	sameSizeFork, _ := newSignedLog(t, 1)
	sameSizeFork.add(t, append(first, "g", "h", "I")...)
	otherKey, _ := newSignedLog(t, 2)
	otherKey.add(t, append(first, "g", "h", "i", "j")...)

	tests := []struct {
		name    string
		server  *signedLog
		trusted []byte
		want    error
	}{
		{"shrunk or rolled back", rolledBack, signed2, tooltrail.ErrCorrupt},
		{"forked and grown", forked, signed2, tooltrail.ErrCorrupt},
		{"forked at the same size", sameSizeFork, signed2, tooltrail.ErrCorrupt},
		{"signed by another key", otherKey, signed2, tooltrail.ErrCorrupt},
		{"trusted checkpoint by another key", honest, mustCheckpoint(t, otherKey), tooltrail.ErrInvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, cp, err := tt.server.c.VerifyCheckpoint(ctx, v, tt.trusted)
			if !errors.Is(err, tt.want) || got != nil {
				t.Errorf("VerifyCheckpoint = %q, %+v, %v; want nothing and %v", got, cp, err, tt.want)
			}
		})
	}
}

func mustCheckpoint(t *testing.T, s *signedLog) []byte {
	t.Helper()
	b, err := s.c.Checkpoint(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestVerifiedEntry(t *testing.T) {
	ctx := context.Background()
	s, v := newSignedLog(t, 1)
	s.add(t, "a", "b", "c")
	var trusted []byte
	for id := int64(1); id <= 3; id++ {
		p, err := s.c.VerifiedEntry(ctx, id, v, trusted)
		if err != nil || p.Entry.ID != id || p.Checkpoint.Size != 3 {
			t.Errorf("VerifiedEntry(%d) = %+v, %v", id, p, err)
		}
		trusted = p.Signed
	}
	// A fork of the log under the same key: its entries are in its own
	// signed tree, but not consistent with the trusted checkpoint.
	fork, _ := newSignedLog(t, 1)
	fork.add(t, "a", "x", "y", "z")
	if _, err := fork.c.VerifiedEntry(ctx, 2, v, trusted); !errors.Is(err, tooltrail.ErrCorrupt) {
		t.Errorf("VerifiedEntry on a fork = %v, want ErrCorrupt", err)
	}
	if _, err := s.log.Record(ctx, tooltrail.Call{ToolName: "d"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.c.VerifiedEntry(ctx, 4, v, nil); !errors.Is(err, tooltrail.ErrUnavailable) {
		t.Errorf("VerifiedEntry of an entry not yet signed = %v, want ErrUnavailable", err)
	}
	_, other := newSignedLog(t, 2)
	if _, err := s.c.VerifiedEntry(ctx, 1, other, nil); !errors.Is(err, tooltrail.ErrCorrupt) {
		t.Errorf("VerifiedEntry with another key = %v, want ErrCorrupt", err)
	}
}

// TestVerifiedEntryCatchesALyingServer puts a proxy in front of a real
// server that changes its answers, and checks the client notices each lie.
func TestVerifiedEntryCatchesALyingServer(t *testing.T) {
	ctx := context.Background()
	s, v := newSignedLog(t, 1)
	s.add(t, "a", "b", "c", "d", "e")
	tests := []struct {
		name string
		path string // the answer that is changed
		lie  func(body []byte) []byte
	}{
		{"a field changed, the leaf kept", "/v1/entries/2", func(b []byte) []byte {
			return bytes.Replace(b, []byte(`"tool_name":"b"`), []byte(`"tool_name":"x"`), 1)
		}},
		{"another entry served", "/v1/entries/2", func([]byte) []byte {
			return get(t, s.c.BaseURL+"/v1/entries/3")
		}},
		{"a proof hash changed", "/v1/entries/2/proof", func(b []byte) []byte {
			var p map[string]any
			if err := json.Unmarshal(b, &p); err != nil {
				t.Fatal(err)
			}
			p["proof"].([]any)[0] = base64.StdEncoding.EncodeToString(make([]byte, 32))
			out, _ := json.Marshal(p)
			return out
		}},
		{"another entry's proof", "/v1/entries/2/proof", func([]byte) []byte {
			return bytes.Replace(get(t, s.c.BaseURL+"/v1/entries/3/proof"), []byte(`"id":3,"leaf_index":2`), []byte(`"id":2,"leaf_index":1`), 1)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				resp, err := http.Get(s.c.BaseURL + r.URL.RequestURI())
				if err != nil {
					http.Error(w, err.Error(), http.StatusBadGateway)
					return
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				if r.URL.Path == tt.path {
					b = tt.lie(b)
				}
				w.Header().Set("Content-Type", resp.Header.Get("Content-Type"))
				w.WriteHeader(resp.StatusCode)
				w.Write(b)
			}))
			defer proxy.Close()
			if _, err := client.New(proxy.URL).VerifiedEntry(ctx, 2, v, nil); !errors.Is(err, tooltrail.ErrCorrupt) {
				t.Errorf("VerifiedEntry through the lying proxy = %v, want ErrCorrupt", err)
			}
		})
	}
	if _, err := s.c.VerifiedEntry(ctx, 2, v, nil); err != nil {
		t.Errorf("VerifiedEntry without the proxy: %v", err)
	}
}

func get(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
