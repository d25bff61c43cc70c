package otlp_test

import (
	"errors"
	"testing"

	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/otlp"
)

func TestParseContentType(t *testing.T) {
	tests := []struct {
		ct   string
		want otlp.Encoding
	}{
		{"application/x-protobuf", otlp.Protobuf},
		{"application/protobuf", otlp.Protobuf},
		{"application/json", otlp.JSON},
		{"application/json; charset=utf-8", otlp.JSON},
		{"application/json; charset=latin1", 0},
		{"text/plain", 0},
		{"", 0},
	}
	for _, tt := range tests {
		got, err := otlp.ParseContentType(tt.ct)
		if tt.want == 0 {
			if !errors.Is(err, otlp.ErrUnsupportedMediaType) {
				t.Errorf("ParseContentType(%q) = %v, %v; want ErrUnsupportedMediaType", tt.ct, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseContentType(%q) = %v, %v; want %v", tt.ct, got, err, tt.want)
		}
	}
}

func TestDecode_errors(t *testing.T) {
	for name, tc := range map[string]struct {
		enc  otlp.Encoding
		body string
	}{
		"ErrGarbageProtobuf": {otlp.Protobuf, "\xff\xff\xff\xff"},
		"ErrGarbageJSON":     {otlp.JSON, "{not json"},
		"ErrJSONNotAnObject": {otlp.JSON, "[1,2]"},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := otlp.Decode(tc.enc, []byte(tc.body)); !errors.Is(err, tooltrail.ErrInvalidArgument) {
				t.Errorf("err = %v, want ErrInvalidArgument", err)
			}
		})
	}
}

// TestEncodeResponse checks that the answers decode as the OTLP messages
// they are, in both encodings.
func TestEncodeResponse(t *testing.T) {
	for _, enc := range []otlp.Encoding{otlp.Protobuf, otlp.JSON} {
		resp := ptraceotlp.NewExportResponse()
		b := otlp.EncodeResponse(enc, 2, "span x: gen_ai.tool.name: is required \xff")
		var err error
		if enc == otlp.JSON {
			err = resp.UnmarshalJSON(b)
		} else {
			err = resp.UnmarshalProto(b)
		}
		if err != nil {
			t.Fatalf("%v: %v", enc.ContentType(), err)
		}
		if ps := resp.PartialSuccess(); ps.RejectedSpans() != 2 || ps.ErrorMessage() != "span x: gen_ai.tool.name: is required \uFFFD" {
			t.Errorf("%v: partial success %d %q", enc.ContentType(), ps.RejectedSpans(), ps.ErrorMessage())
		}
		if b := otlp.EncodeResponse(enc, 0, ""); enc == otlp.Protobuf && len(b) != 0 || enc == otlp.JSON && string(b) != "{}" {
			t.Errorf("%v: full success is %q, want an empty response", enc.ContentType(), b)
		}

		var st spb.Status
		sb := otlp.EncodeStatus(enc, otlp.CodeUnavailable, "retry")
		if enc == otlp.JSON {
			err = protojson.Unmarshal(sb, &st)
		} else {
			err = proto.Unmarshal(sb, &st)
		}
		if err != nil || st.Code != otlp.CodeUnavailable || st.Message != "retry" {
			t.Errorf("%v: status %v %v", enc.ContentType(), &st, err)
		}
	}
}
