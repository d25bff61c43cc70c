package httpapi

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/tooltrail/tooltrail/internal/workload"
)

// BenchmarkDecodeRecord measures decoding the body of a record request
// shaped like the bench workload's (arguments of 200 bytes to 8 KiB).
func BenchmarkDecodeRecord(b *testing.B) {
	gen := workload.New()
	rng := rand.New(rand.NewPCG(1, 2))
	bodies := make([][]byte, 64)
	for i := range bodies {
		c := gen.Call(rng, i)
		body, err := json.Marshal(map[string]any{"tool_name": c.ToolName, "arguments": c.Arguments,
			"result_summary": c.ResultSummary, "confirmed": c.Confirmed, "session_id": c.SessionID,
			"task_id": c.TaskID, "user_id": c.UserID})
		if err != nil {
			b.Fatal(err)
		}
		bodies[i] = body
	}
	s := &Server{maxBody: 8 << 20}
	w := httptest.NewRecorder()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		r, _ := http.NewRequest(http.MethodPost, "/v1/entries", bytes.NewReader(bodies[i%len(bodies)]))
		var req recordRequest
		if _, err := s.decodeBody(w, r, &req); err != nil {
			b.Fatal(err)
		}
	}
}
