package tooltrail_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/sqlite"
)

// Embedding tooltrail in a Go program: an SQLite file, a Log on it, one
// record after the tool ran, and a query.
func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "tooltrail-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	store, err := sqlite.Open(ctx, sqlite.Config{Path: filepath.Join(dir, "audit.db")})
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	audit, err := tooltrail.New(ctx, store, tooltrail.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer audit.Close()

	// After the tool ran, before its result goes back to the model:
	receipt, err := audit.Record(ctx, tooltrail.Call{
		ToolName:      "read_file",
		Arguments:     map[string]any{"path": "notes.txt"},
		ResultSummary: "412 bytes",
		SessionID:     "session-1",
		UserID:        "alice",
	})
	if err != nil {
		log.Fatal(err) // nothing was recorded: do not hand the result back
	}
	fmt.Println("recorded entry", receipt.ID)

	page, err := audit.Query(ctx, tooltrail.Filter{ToolName: "READ", UserID: "alice"})
	if err != nil {
		log.Fatal(err)
	}
	for _, e := range page.Entries {
		fmt.Println(e.ID, e.ToolName, string(e.Arguments), e.ResultSummary)
	}
	// Output:
	// recorded entry 1
	// 1 read_file {"path":"notes.txt"} 412 bytes
}
