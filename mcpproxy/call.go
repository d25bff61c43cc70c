package mcpproxy

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
)

// maxCallID is the longest call_id the proxy makes: the log's default
// limit on ids.
const maxCallID = 256

// toolCall is what the proxy keeps of a tools/call request until its
// answer: what the entry will say.
type toolCall struct {
	name      string
	arguments json.RawMessage // nil when the request had none
	taskID    string
	confirmed bool
}

// callParams is the part of tools/call params the proxy reads; the SDK's
// CallToolParams would drop arguments that are not an object.
type callParams struct {
	Name      *string         `json:"name"`
	Arguments json.RawMessage `json:"arguments"`
	Meta      map[string]any  `json:"_meta"`
}

// unnamedTool is the tool_name of a tools/call whose params name no tool:
// the server will refuse it, and the log still shows that it was asked.
const unnamedTool = "(no tool name)"

// parseToolCall reads a tools/call request's params. Params it cannot read
// still give a call, under unnamedTool, so that every tools/call the agent
// sent is recorded.
func parseToolCall(params json.RawMessage) toolCall {
	var p callParams
	if err := json.Unmarshal(params, &p); err != nil || p.Name == nil || *p.Name == "" {
		return toolCall{name: unnamedTool, arguments: validJSON(params)}
	}
	tc := toolCall{name: *p.Name, arguments: validJSON(p.Arguments)}
	if string(tc.arguments) == "null" {
		tc.arguments = nil
	}
	if v, ok := p.Meta[MetaTaskID].(string); ok {
		tc.taskID = v
	} else if rt, ok := p.Meta[MetaRelatedTask].(map[string]any); ok {
		tc.taskID, _ = rt["taskId"].(string)
	}
	tc.confirmed, _ = p.Meta[MetaConfirmed].(bool)
	return tc
}

func validJSON(b json.RawMessage) json.RawMessage {
	if len(b) == 0 || !json.Valid(b) {
		return nil
	}
	return b
}

// callID derives the entry's call_id from the session and the request's
// JSON-RPC id, so that a record retried for the same answer is idempotent
// and two sessions never share one. attempt, from 1, tells apart requests
// that reuse an id within a session.
func callID(session string, id jsonrpc.ID, attempt int) string {
	var idText string
	switch v := id.Raw().(type) {
	case string:
		idText = strconv.Quote(v)
	case int64:
		idText = strconv.FormatInt(v, 10)
	default:
		idText = fmt.Sprint(v)
	}
	s := "mcp:" + session + ":" + idText
	if attempt > 1 {
		s += "#" + strconv.Itoa(attempt)
	}
	if len(s) > maxCallID {
		sum := sha256.Sum256([]byte(s))
		s = "mcp:sha256:" + hex.EncodeToString(sum[:])
	}
	return s
}
