// Package workload makes the calls a load generator records: shaped like
// an agent platform's, with 40 tools, 500 sessions, 50 users and arguments
// from 200 bytes to 8 KiB.
package workload

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/tooltrail/tooltrail"
)

// Tools, Sessions and Users are how many distinct values the calls use.
const (
	Tools    = 40
	Sessions = 500
	Users    = 50
)

// Generator makes calls. Its methods are safe for concurrent use when each
// goroutine has its own rand.Rand.
type Generator struct {
	words []string // what the arguments' text is made of
}

// New returns a Generator.
func New() *Generator {
	// Ordinary words, so that the arguments look like code or prose, not
	// like secrets to redact.
	return &Generator{words: strings.Fields("the quick brown fox jumps over lazy dog func return error value index " +
		"table query select from where order limit file line read write open close")}
}

// argSize draws the size of a call's arguments, in bytes: most calls are
// small, a few carry a page of text or code.
func argSize(rng *rand.Rand) int {
	switch r := rng.IntN(100); {
	case r < 40:
		return 200
	case r < 70:
		return 500
	case r < 85:
		return 1024
	case r < 95:
		return 2048
	default:
		return 8192
	}
}

// Call returns the n-th call of a run, drawn with rng.
func (g *Generator) Call(rng *rand.Rand, n int) tooltrail.Call {
	size := argSize(rng)
	return tooltrail.Call{
		ToolName: fmt.Sprintf("tool_%02d", rng.IntN(Tools)),
		Arguments: map[string]any{
			"path":    fmt.Sprintf("/srv/project-%d/src/file-%d.go", rng.IntN(100), n),
			"options": map[string]any{"recursive": rng.IntN(2) == 0, "depth": rng.IntN(10)},
			"content": g.filler(rng, size),
			"n":       n,
		},
		ResultSummary: fmt.Sprintf("ok: %d lines", rng.IntN(5000)),
		Confirmed:     rng.IntN(4) == 0,
		SessionID:     fmt.Sprintf("session-%03d", rng.IntN(Sessions)),
		TaskID:        fmt.Sprintf("task-%04d", rng.IntN(5000)),
		UserID:        fmt.Sprintf("user-%02d", rng.IntN(Users)),
	}
}

// filler returns about size bytes of words.
func (g *Generator) filler(rng *rand.Rand, size int) string {
	var b strings.Builder
	b.Grow(size + 16)
	for b.Len() < size {
		b.WriteString(g.words[rng.IntN(len(g.words))])
		b.WriteByte(' ')
	}
	return b.String()
}
