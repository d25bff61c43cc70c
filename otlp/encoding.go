package otlp

import (
	"errors"
	"fmt"
	"mime"
	"strconv"
	"strings"

	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/tooltrail/tooltrail"
)

// Encoding is how an OTLP/HTTP body is encoded.
type Encoding int

// The encodings of OTLP/HTTP.
const (
	Protobuf Encoding = iota + 1 // application/x-protobuf
	JSON                         // application/json
)

// ErrUnsupportedMediaType means a request's Content-Type is not one of
// OTLP/HTTP (HTTP 415).
var ErrUnsupportedMediaType = errors.New("unsupported media type")

// ContentType returns the media type of e, which an answer to a request of
// e carries too.
func (e Encoding) ContentType() string {
	if e == JSON {
		return "application/json"
	}
	return "application/x-protobuf"
}

// ParseContentType returns the encoding of a Content-Type header. Errors:
// ErrUnsupportedMediaType for anything but application/x-protobuf (or
// application/protobuf) and application/json (charset UTF-8 if given).
func ParseContentType(ct string) (Encoding, error) {
	mt, params, err := mime.ParseMediaType(ct)
	if err == nil {
		switch mt {
		case "application/x-protobuf", "application/protobuf":
			return Protobuf, nil
		case "application/json":
			if cs, ok := params["charset"]; !ok || strings.EqualFold(cs, "utf-8") {
				return JSON, nil
			}
		}
	}
	return 0, fmt.Errorf("%w: Content-Type must be application/x-protobuf or application/json, got %q", ErrUnsupportedMediaType, ct)
}

// Decode reads an ExportTraceServiceRequest of encoding e. Errors: one
// wrapping tooltrail.ErrInvalidArgument for a body that is not one.
func Decode(e Encoding, body []byte) (ptrace.Traces, error) {
	req := ptraceotlp.NewExportRequest()
	var err error
	if e == JSON {
		err = req.UnmarshalJSON(body)
	} else {
		err = req.UnmarshalProto(body)
	}
	if err != nil {
		return ptrace.Traces{}, fmt.Errorf("%w: the body is not an OTLP ExportTraceServiceRequest in %s: %v", tooltrail.ErrInvalidArgument, e.ContentType(), err)
	}
	return req.Traces(), nil
}

// EncodeResponse returns the ExportTraceServiceResponse of a request of
// encoding e: a partial success with rejected and message when rejected is
// not 0, else an empty one. It does not fail.
func EncodeResponse(e Encoding, rejected int64, message string) []byte {
	if rejected == 0 && message == "" {
		// An empty message: exporters read no partial success in it.
		if e == JSON {
			return []byte("{}")
		}
		return []byte{}
	}
	resp := ptraceotlp.NewExportResponse()
	ps := resp.PartialSuccess()
	ps.SetRejectedSpans(rejected)
	// Messages quote span names, which need not be valid UTF-8; protobuf
	// strings must be.
	ps.SetErrorMessage(strings.ToValidUTF8(message, "\uFFFD"))
	if e == JSON {
		if b, err := resp.MarshalJSON(); err == nil {
			return b
		}
		return []byte(`{"partialSuccess":{"rejectedSpans":"` + strconv.FormatInt(rejected, 10) + `"}}`)
	}
	b, _ := resp.MarshalProto() // never fails
	return b
}

// gRPC status codes of the Status bodies of failed requests.
const (
	CodeInvalidArgument   = 3
	CodeResourceExhausted = 8
	CodeUnavailable       = 14
	CodeInternal          = 13
)

// EncodeStatus returns the google.rpc.Status body that OTLP/HTTP answers a
// failed request of encoding e with. It does not fail.
func EncodeStatus(e Encoding, code int32, message string) []byte {
	st := &spb.Status{Code: code, Message: strings.ToValidUTF8(message, "\uFFFD")}
	var b []byte
	var err error
	if e == JSON {
		b, err = protojson.Marshal(st)
	} else {
		b, err = proto.Marshal(st)
	}
	if err != nil { // a number and a valid UTF-8 string: not expected
		return nil
	}
	return b
}
