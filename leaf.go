package tooltrail

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// LeafVersion is the version of the unsalted leaf format that EncodeLeaf
// writes for a recorded entry without a salt: what the log wrote before
// SaltedLeafVersion, still read and verified. Any change to the leaf bytes
// needs a new version.
const LeafVersion = 1

// ImportedLeafVersion is the version of the unsalted leaves of imported
// entries: version 1 with an "imported" object at the end.
const ImportedLeafVersion = 2

// SaltedLeafVersion is the version of the leaves the log writes: version 1
// with a "salt" after the id, and the "imported" object at the end for an
// imported entry. The salt makes a leaf hash reveal nothing about the
// entry to whoever lacks the leaf bytes, who could otherwise confirm a
// guessed entry by hashing it.
const SaltedLeafVersion = 3

// SaltSize is the length of a leaf's salt in bytes: 128 random bits.
const SaltSize = 16

// maxLeafDepth bounds the nesting DecodeLeaf accepts: more than any Limits
// allow, so that a leaf written under one limit still reads under another.
const maxLeafDepth = 10000

// EncodeLeaf returns the canonical leaf bytes of an entry: a JSON object
// with the fields in a fixed order, absent strings as null, the salt as
// lower-case hex, the timestamp as TimeLayout and the arguments as
// canonical JSON. An entry with a Salt gets a leaf of SaltedLeafVersion,
// one without the unsalted LeafVersion or ImportedLeafVersion. e.Arguments
// must already be canonical (as the Log makes it); e.Leaf is ignored.
func EncodeLeaf(e Entry) []byte {
	var b bytes.Buffer
	b.Grow(200 + len(e.Arguments) + len(e.ResultSummary))
	b.WriteString(`{"v":`)
	switch {
	case e.Salt != nil:
		b.WriteString(strconv.Itoa(SaltedLeafVersion))
	case e.Imported != nil:
		b.WriteString(strconv.Itoa(ImportedLeafVersion))
	default:
		b.WriteString(strconv.Itoa(LeafVersion))
	}
	b.WriteString(`,"id":`)
	b.WriteString(strconv.FormatInt(e.ID, 10))
	if e.Salt != nil {
		b.WriteString(`,"salt":"`)
		b.Write(hex.AppendEncode(b.AvailableBuffer(), e.Salt))
		b.WriteByte('"')
	}
	b.WriteString(`,"timestamp":"`)
	b.WriteString(e.Timestamp.UTC().Format(TimeLayout))
	b.WriteString(`","tool_name":`)
	writeJSONString(&b, e.ToolName)
	b.WriteString(`,"arguments":`)
	if len(e.Arguments) == 0 {
		b.WriteString("null")
	} else {
		b.Write(e.Arguments)
	}
	b.WriteString(`,"result_summary":`)
	writeOptional(&b, e.ResultSummary)
	b.WriteString(`,"confirmed":`)
	b.WriteString(strconv.FormatBool(e.Confirmed))
	for _, f := range []struct{ name, v string }{
		{"session_id", e.SessionID}, {"task_id", e.TaskID}, {"user_id", e.UserID}, {"call_id", e.CallID},
	} {
		b.WriteString(`,"` + f.name + `":`)
		writeOptional(&b, f.v)
	}
	if im := e.Imported; im != nil {
		b.WriteString(`,"imported":{"source":`)
		writeJSONString(&b, im.Source)
		b.WriteString(`,"id":`)
		b.WriteString(strconv.FormatInt(im.ID, 10))
		b.WriteString(`,"timestamp":`)
		writeJSONString(&b, im.Timestamp)
		b.WriteByte('}')
	}
	b.WriteByte('}')
	return b.Bytes()
}

func writeOptional(b *bytes.Buffer, s string) {
	if s == "" {
		b.WriteString("null")
		return
	}
	writeJSONString(b, s)
}

type leafJSON struct {
	V             int             `json:"v"`
	ID            int64           `json:"id"`
	Salt          *string         `json:"salt"`
	Timestamp     string          `json:"timestamp"`
	ToolName      string          `json:"tool_name"`
	Arguments     json.RawMessage `json:"arguments"`
	ResultSummary *string         `json:"result_summary"`
	Confirmed     bool            `json:"confirmed"`
	SessionID     *string         `json:"session_id"`
	TaskID        *string         `json:"task_id"`
	UserID        *string         `json:"user_id"`
	CallID        *string         `json:"call_id"`
	Imported      *Imported       `json:"imported"`
}

// DecodeLeaf parses canonical leaf bytes back into the entry they describe,
// with Leaf set to b. It returns an error wrapping ErrInvalidArgument when b
// is not JSON of the leaf's shape, has an unknown version, or is not exactly
// the canonical encoding of what it says (so two different byte strings
// never describe the same entry).
func DecodeLeaf(b []byte) (Entry, error) {
	if e, ok := decodeLeafFast(b); ok {
		return e, nil
	}
	return decodeLeafJSON(b)
}

// decodeLeafJSON is DecodeLeaf through encoding/json, for leaves that are
// not in EncodeLeaf's layout: it names what is wrong with them.
func decodeLeafJSON(b []byte) (Entry, error) {
	var w leafJSON
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		return Entry{}, fmt.Errorf("%w: leaf: %v", ErrInvalidArgument, err)
	}
	var salt []byte
	if w.V == SaltedLeafVersion {
		if w.Salt == nil {
			return Entry{}, fmt.Errorf("%w: leaf: version %d without a salt", ErrInvalidArgument, w.V)
		}
		var ok bool
		if salt, ok = parseSalt(*w.Salt); !ok {
			return Entry{}, fmt.Errorf("%w: leaf: salt %q is not %d bytes of lower-case hex", ErrInvalidArgument, *w.Salt, SaltSize)
		}
	} else if want := map[bool]int{false: LeafVersion, true: ImportedLeafVersion}[w.Imported != nil]; w.V != want || w.Salt != nil {
		return Entry{}, fmt.Errorf("%w: leaf: version %d, want %d (or %d, salted)", ErrInvalidArgument, w.V, want, SaltedLeafVersion)
	}
	ts, err := time.Parse(TimeLayout, w.Timestamp)
	if err != nil {
		return Entry{}, fmt.Errorf("%w: leaf: timestamp %q: %v", ErrInvalidArgument, w.Timestamp, err)
	}
	args := w.Arguments
	if string(args) == "null" {
		args = nil
	}
	e := Entry{
		ID: w.ID, Timestamp: ts, ToolName: w.ToolName, Arguments: args,
		ResultSummary: deref(w.ResultSummary), Confirmed: w.Confirmed, SessionID: deref(w.SessionID),
		TaskID: deref(w.TaskID), UserID: deref(w.UserID), CallID: deref(w.CallID), Imported: w.Imported,
		Salt: salt,
	}
	if args != nil {
		canon, err := canonicalJSON("arguments", args, maxLeafDepth)
		if err != nil || !bytes.Equal(canon, args) {
			return Entry{}, fmt.Errorf("%w: leaf of entry %d: arguments are not canonical JSON", ErrInvalidArgument, e.ID)
		}
	}
	if !bytes.Equal(EncodeLeaf(e), b) {
		return Entry{}, fmt.Errorf("%w: leaf of entry %d is not in canonical form", ErrInvalidArgument, e.ID)
	}
	e.Leaf = b
	return e, nil
}

// parseSalt returns the salt that s writes as EncodeLeaf does: SaltSize
// bytes in lower-case hex, and whether s is that.
func parseSalt(s string) ([]byte, bool) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != SaltSize || hex.EncodeToString(b) != s {
		return nil, false
	}
	return b, true
}

// LeafHash returns the RFC 6962 leaf hash of leaf bytes: SHA-256 of a zero
// byte followed by the bytes.
func LeafHash(leaf []byte) tlog.Hash { return tlog.RecordHash(leaf) }
