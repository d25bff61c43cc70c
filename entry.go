package tooltrail

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// TimeLayout is how tooltrail writes timestamps: RFC 3339 in UTC with
// microseconds.
const TimeLayout = "2006-01-02T15:04:05.000000Z"

// Call is what a caller records: one tool call. Empty strings mean absent.
type Call struct {
	ToolName      string // required, at most Limits.ToolName bytes
	Arguments     any    // any value; values JSON cannot encode become strings
	ResultSummary string
	Confirmed     bool
	SessionID     string
	TaskID        string
	UserID        string // when empty, the user of the context (WithUser)
	CallID        string // optional key that makes retries idempotent
}

// Entry is one recorded tool call as the log keeps it.
type Entry struct {
	ID            int64
	Timestamp     time.Time // UTC, microseconds, never before the previous entry's
	SessionID     string
	ToolName      string
	Arguments     json.RawMessage // canonical JSON; nil when the call had none
	ResultSummary string
	Confirmed     bool
	TaskID        string
	UserID        string
	CallID        string
	// Imported is set on an entry copied from another audit log by
	// [Log.Import]; nil otherwise.
	Imported *Imported
	// Salt is the entry's random salt (SaltSize bytes), which its leaf
	// holds so that the leaf hash reveals nothing to whoever lacks the
	// leaf; nil for an entry of an unsalted leaf version.
	Salt []byte
	// Leaf is the entry's canonical leaf bytes. Only [Log.Entry] fills it.
	Leaf []byte
}

// Imported says where an imported entry came from. Its leaf keeps it, so
// the original id and time stay provable.
type Imported struct {
	Source    string `json:"source"`    // the log it came from, e.g. "oai-web"
	ID        int64  `json:"id"`        // its id there
	Timestamp string `json:"timestamp"` // its timestamp there, exactly as that log wrote it
}

// Receipt is what Record returns once the entry is durable.
type Receipt struct {
	ID        int64
	Timestamp time.Time
	LeafHash  tlog.Hash
	// Replayed is true when the call repeated an earlier call_id with the
	// same content, and the receipt is the first call's.
	Replayed bool
}

type entryJSON struct {
	ID            int64           `json:"id"`
	Timestamp     string          `json:"timestamp"`
	SessionID     *string         `json:"session_id"`
	ToolName      string          `json:"tool_name"`
	Arguments     json.RawMessage `json:"arguments"`
	ResultSummary *string         `json:"result_summary"`
	Confirmed     bool            `json:"confirmed"`
	TaskID        *string         `json:"task_id"`
	UserID        *string         `json:"user_id"`
	CallID        *string         `json:"call_id"`
	Imported      *Imported       `json:"imported,omitempty"`
	Salt          string          `json:"salt,omitempty"`
	Leaf          []byte          `json:"leaf,omitempty"`
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// MarshalJSON writes the entry in the shape of HTTP API v1; absent strings
// are null and the leaf, when present, is base64. It does not escape HTML
// characters, so that the arguments keep their canonical bytes; an encoder
// that writes it should not either (json.Encoder.SetEscapeHTML(false)).
func (e Entry) MarshalJSON() ([]byte, error) {
	args := e.Arguments
	if len(args) == 0 {
		args = json.RawMessage("null")
	}
	return marshalNoEscape(entryJSON{
		ID:            e.ID,
		Timestamp:     e.Timestamp.UTC().Format(TimeLayout),
		SessionID:     optional(e.SessionID),
		ToolName:      e.ToolName,
		Arguments:     args,
		ResultSummary: optional(e.ResultSummary),
		Confirmed:     e.Confirmed,
		TaskID:        optional(e.TaskID),
		UserID:        optional(e.UserID),
		CallID:        optional(e.CallID),
		Imported:      e.Imported,
		Salt:          hex.EncodeToString(e.Salt),
		Leaf:          e.Leaf,
	})
}

// marshalNoEscape is json.Marshal without the escaping of <, > and &, which
// would change the bytes of canonical JSON held in a json.RawMessage.
func marshalNoEscape(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// UnmarshalJSON reads the shape MarshalJSON writes. It returns an error
// wrapping ErrInvalidArgument for a malformed timestamp or salt.
func (e *Entry) UnmarshalJSON(b []byte) error {
	var w entryJSON
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	ts, err := time.Parse(time.RFC3339Nano, w.Timestamp)
	if err != nil {
		return fmt.Errorf("%w: entry timestamp %q: %v", ErrInvalidArgument, w.Timestamp, err)
	}
	args := w.Arguments
	if string(args) == "null" {
		args = nil
	}
	var salt []byte
	if w.Salt != "" {
		var ok bool
		if salt, ok = parseSalt(w.Salt); !ok {
			return fmt.Errorf("%w: entry salt %q is not %d bytes of lower-case hex", ErrInvalidArgument, w.Salt, SaltSize)
		}
	}
	*e = Entry{
		ID: w.ID, Timestamp: ts.UTC(), SessionID: deref(w.SessionID), ToolName: w.ToolName,
		Arguments: args, ResultSummary: deref(w.ResultSummary), Confirmed: w.Confirmed,
		TaskID: deref(w.TaskID), UserID: deref(w.UserID), CallID: deref(w.CallID), Imported: w.Imported, Leaf: w.Leaf,
		Salt: salt,
	}
	return nil
}

type receiptJSON struct {
	ID        int64  `json:"id"`
	Timestamp string `json:"timestamp"`
	LeafHash  []byte `json:"leaf_hash"`
}

// MarshalJSON writes {"id", "timestamp", "leaf_hash"} with the hash in base64.
func (r Receipt) MarshalJSON() ([]byte, error) {
	return json.Marshal(receiptJSON{ID: r.ID, Timestamp: r.Timestamp.UTC().Format(TimeLayout), LeafHash: r.LeafHash[:]})
}

// UnmarshalJSON reads what MarshalJSON writes. It returns an error wrapping
// ErrInvalidArgument when the timestamp or the hash is malformed.
func (r *Receipt) UnmarshalJSON(b []byte) error {
	var w receiptJSON
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	ts, err := time.Parse(time.RFC3339Nano, w.Timestamp)
	if err != nil {
		return fmt.Errorf("%w: receipt timestamp %q: %v", ErrInvalidArgument, w.Timestamp, err)
	}
	if len(w.LeafHash) != tlog.HashSize {
		return fmt.Errorf("%w: receipt leaf_hash has %d bytes, want %d", ErrInvalidArgument, len(w.LeafHash), tlog.HashSize)
	}
	*r = Receipt{ID: w.ID, Timestamp: ts.UTC()}
	copy(r.LeafHash[:], w.LeafHash)
	return nil
}
