package httpapi_test

import (
	"bytes"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the answer (run go test -update if the change is meant):\ngot:  %s\nwant: %s", path, got, want)
	}
}

// TestGolden pins the JSON of the API's answers for one recorded entry,
// under the test clock, byte for byte.
func TestGolden(t *testing.T) {
	e := newEnv(t)
	a := e.post(t, "/v1/entries", `{"tool_name":"web.fetch","arguments":{"url":"https://example.com/?q=a&b=<c>","n":1.50,"list":[true,null]},
		"result_summary":"200 OK: 1.2 kB","confirmed":true,"session_id":"sess-1","task_id":"task-1","user_id":"alice","call_id":"call-1"}`)
	if a.status != http.StatusCreated {
		t.Fatalf("record: status %d; body %s", a.status, a.body)
	}
	golden(t, "receipt.json", a.body)
	for _, tt := range []struct{ name, path string }{
		{"entry.json", "/v1/entries/1"},
		{"page.json", "/v1/entries"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := e.get(t, tt.path)
			if a.status != http.StatusOK {
				t.Fatalf("status %d; body %s", a.status, a.body)
			}
			golden(t, tt.name, a.body)
		})
	}
}
