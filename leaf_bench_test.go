package tooltrail_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/sqlite"
)

// leafVersions are the two leaf formats the benchmarks compare: the
// unsalted version 1 and the salted version 3 the log writes.
var leafVersions = []struct {
	name string
	cfg  tooltrail.Config
}{{"v1", tooltrail.Unsalted(tooltrail.Config{})}, {"v3", tooltrail.Config{}}}

// BenchmarkRecordLeafVersion measures the write path, durable records
// from 16 callers into SQLite, with unsalted and salted leaves.
func BenchmarkRecordLeafVersion(b *testing.B) {
	for _, v := range leafVersions {
		b.Run(v.name, func(b *testing.B) {
			ctx := context.Background()
			store, err := sqlite.Open(ctx, sqlite.Config{Path: filepath.Join(b.TempDir(), "log.db")})
			if err != nil {
				b.Fatal(err)
			}
			defer store.Close()
			log, err := tooltrail.New(ctx, store, v.cfg)
			if err != nil {
				b.Fatal(err)
			}
			defer log.Close()
			call := tooltrail.Call{ToolName: "read_file", Arguments: map[string]any{"path": "/srv/notes.txt", "lines": 40},
				ResultSummary: "412 bytes", SessionID: "session-1", UserID: "alice"}
			b.SetParallelism(16)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := log.Record(ctx, call); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkLeafVersion measures what the sequencer does per entry besides
// the store: the salt (read for a batch of 1,000 at once, as the
// sequencer does), the leaf bytes and their hash.
func BenchmarkLeafVersion(b *testing.B) {
	e := tooltrail.Entry{ID: 1234567, Timestamp: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), ToolName: "read_file",
		Arguments: json.RawMessage(`{"lines":40,"path":"/srv/notes.txt"}`), ResultSummary: "412 bytes", SessionID: "session-1", UserID: "alice"}
	for _, v := range []string{"v1", "v3"} {
		b.Run(v, func(b *testing.B) {
			salts := make([]byte, tooltrail.SaltSize*1000)
			for i := 0; b.Loop(); i++ {
				if v == "v3" {
					if i%1000 == 0 {
						if _, err := rand.Read(salts); err != nil {
							b.Fatal(err)
						}
					}
					e.Salt = salts[tooltrail.SaltSize*(i%1000) : tooltrail.SaltSize*(i%1000+1)]
				}
				_ = tooltrail.LeafHash(tooltrail.EncodeLeaf(e))
			}
		})
	}
}
