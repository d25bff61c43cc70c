package otlp_test

import (
	"os"
	"testing"

	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/tooltrail/tooltrail/otlp"
)

// FuzzDecode feeds arbitrary bodies to the decoder and the mapping in both
// encodings: neither may panic, every span is counted once, and a body
// that decodes maps the same after a round trip through protobuf.
func FuzzDecode(f *testing.F) {
	seed, err := os.ReadFile("testdata/agent-export.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed, true)
	td, err := otlp.Decode(otlp.JSON, seed)
	if err != nil {
		f.Fatal(err)
	}
	pb, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(pb, false)
	f.Add([]byte(`{"resourceSpans":[{"scopeSpans":[{"spans":[{"attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"execute_tool"}}]}]}]}]}`), true)
	f.Add([]byte{}, false)
	cfg := otlp.Config{TaskAttribute: "task", ConfirmedAttribute: "confirmed"}
	f.Fuzz(func(t *testing.T, body []byte, asJSON bool) {
		enc := otlp.Protobuf
		if asJSON {
			enc = otlp.JSON
		}
		td, err := otlp.Decode(enc, body)
		if err != nil {
			return
		}
		b := otlp.Map(td, cfg)
		if b.Received != td.SpanCount() || b.Ignored+len(b.Tools) != b.Received {
			t.Fatalf("received %d (of %d), ignored %d, tools %d", b.Received, td.SpanCount(), b.Ignored, len(b.Tools))
		}
		for _, s := range b.Tools {
			if s.Err == nil && (s.Call.ToolName == "" || s.Call.CallID == "") {
				t.Fatalf("a span without tool name or call id was accepted: %+v", s)
			}
		}
		again, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
		if err != nil {
			t.Fatal(err)
		}
		td2, err := otlp.Decode(otlp.Protobuf, again)
		if err != nil {
			t.Fatalf("a decoded request does not decode after a round trip: %v", err)
		}
		if b2 := otlp.Map(td2, cfg); b2.Received != b.Received || len(b2.Tools) != len(b.Tools) {
			t.Fatalf("round trip maps %d/%d spans, first %d/%d", b2.Received, len(b2.Tools), b.Received, len(b.Tools))
		}
	})
}
