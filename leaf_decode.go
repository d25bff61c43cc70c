package tooltrail

import (
	"bytes"
	"strconv"
	"time"
)

// decodeLeafFast reads a leaf in the one layout EncodeLeaf writes, field
// by field, and reports whether it is exactly the canonical encoding of
// the entry it read. It is what DecodeLeaf tries first: every stored leaf
// is in that layout, and decoding it through encoding/json was most of the
// time of a page and of Verify. Anything else (a leaf that is damaged or
// not a leaf) is left to the full decoder, which says what is wrong.
func decodeLeafFast(b []byte) (Entry, bool) {
	p := canonParser{in: b, field: "leaf", maxDepth: maxLeafDepth}
	lit := func(s string) bool {
		if !bytes.HasPrefix(p.in[p.pos:], []byte(s)) {
			return false
		}
		p.pos += len(s)
		return true
	}
	str := func() (string, bool) {
		if p.pos >= len(p.in) || p.in[p.pos] != '"' {
			return "", false
		}
		s, err := p.string()
		return string(s), err == nil
	}
	optional := func() (string, bool) {
		if lit("null") {
			return "", true
		}
		return str()
	}
	integer := func() (int64, bool) {
		start := p.pos
		if p.pos < len(p.in) && p.in[p.pos] == '-' {
			p.pos++
		}
		for p.pos < len(p.in) && p.in[p.pos] >= '0' && p.in[p.pos] <= '9' {
			p.pos++
		}
		n, err := strconv.ParseInt(string(p.in[start:p.pos]), 10, 64)
		return n, err == nil
	}
	var (
		e       Entry
		ok      bool
		version int64
	)
	if !lit(`{"v":`) {
		return Entry{}, false
	}
	if version, ok = integer(); !ok || (version != LeafVersion && version != ImportedLeafVersion && version != SaltedLeafVersion) || !lit(`,"id":`) {
		return Entry{}, false
	}
	if e.ID, ok = integer(); !ok {
		return Entry{}, false
	}
	if version == SaltedLeafVersion {
		if !lit(`,"salt":`) {
			return Entry{}, false
		}
		s, ok := str()
		if !ok {
			return Entry{}, false
		}
		if e.Salt, ok = parseSalt(s); !ok {
			return Entry{}, false
		}
	}
	if !lit(`,"timestamp":`) {
		return Entry{}, false
	}
	ts, ok := str()
	if !ok {
		return Entry{}, false
	}
	var err error
	if e.Timestamp, err = time.Parse(TimeLayout, ts); err != nil || !lit(`,"tool_name":`) {
		return Entry{}, false
	}
	if e.ToolName, ok = str(); !ok || !lit(`,"arguments":`) {
		return Entry{}, false
	}
	if !lit("null") {
		start := p.pos
		canon, err := p.value(nil, 0)
		if err != nil || !bytes.Equal(canon, b[start:p.pos]) {
			return Entry{}, false
		}
		e.Arguments = b[start:p.pos:p.pos]
	}
	if !lit(`,"result_summary":`) {
		return Entry{}, false
	}
	if e.ResultSummary, ok = optional(); !ok || !lit(`,"confirmed":`) {
		return Entry{}, false
	}
	switch {
	case lit("true"):
		e.Confirmed = true
	case lit("false"):
	default:
		return Entry{}, false
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{{`,"session_id":`, &e.SessionID}, {`,"task_id":`, &e.TaskID}, {`,"user_id":`, &e.UserID}, {`,"call_id":`, &e.CallID}} {
		if !lit(f.name) {
			return Entry{}, false
		}
		if *f.dst, ok = optional(); !ok {
			return Entry{}, false
		}
	}
	if version == ImportedLeafVersion || (version == SaltedLeafVersion && bytes.HasPrefix(p.in[p.pos:], []byte(`,"imported":`))) {
		im := &Imported{}
		if !lit(`,"imported":{"source":`) {
			return Entry{}, false
		}
		if im.Source, ok = str(); !ok || !lit(`,"id":`) {
			return Entry{}, false
		}
		if im.ID, ok = integer(); !ok || !lit(`,"timestamp":`) {
			return Entry{}, false
		}
		if im.Timestamp, ok = str(); !ok || !lit("}") {
			return Entry{}, false
		}
		e.Imported = im
	}
	if !lit("}") || p.pos != len(b) || !bytes.Equal(EncodeLeaf(e), b) {
		return Entry{}, false
	}
	e.Leaf = b
	return e, true
}
