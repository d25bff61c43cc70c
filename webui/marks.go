package webui

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/tooltrail/tooltrail/redact"
)

// segment is a piece of text a page shows; Marker says it is a redaction
// marker, shown as such.
type segment struct {
	Text   string
	Marker bool
}

// markerStart starts every redaction marker.
const markerStart = "[redacted:"

// segments cuts s into plain text and the genuine redaction markers in
// it ("[redacted:rule:mac]" that the server's redactor wrote); a marker
// a caller typed stays plain text.
func segments(s string, r *redact.Redactor) []segment {
	var out []segment
	plain := 0
	for i := 0; i < len(s); {
		j := strings.Index(s[i:], markerStart)
		if j < 0 {
			break
		}
		j += i
		end := strings.IndexByte(s[j:], ']')
		if end < 0 {
			break
		}
		end += j + 1
		if !r.Genuine(s[j:end]) {
			i = j + 1
			continue
		}
		if j > plain {
			out = append(out, segment{Text: s[plain:j]})
		}
		out = append(out, segment{Text: s[j:end], Marker: true})
		plain, i = end, end
	}
	if plain < len(s) {
		out = append(out, segment{Text: s[plain:]})
	}
	return out
}

// indentJSON returns raw indented by two spaces, or raw as is when it is
// not JSON (it always is: the log keeps canonical JSON). JSON null for
// none.
func indentJSON(raw json.RawMessage) string {
	if len(raw) == 0 {
		return "null"
	}
	var b bytes.Buffer
	if err := json.Indent(&b, raw, "", "  "); err != nil {
		return string(raw)
	}
	return b.String()
}
