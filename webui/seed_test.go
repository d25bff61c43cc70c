package webui_test

import (
	"testing"
	"time"

	"github.com/tooltrail/tooltrail"
)

// seedCalls are the entries of seed, an hour apart from t0: ids 1 to 6.
var seedCalls = []tooltrail.Call{
	{ToolName: "read_file", UserID: "alice", SessionID: "s1", TaskID: "t1", Confirmed: true, Arguments: map[string]any{"path": "/etc/hosts"}, ResultSummary: "12 lines"},
	{ToolName: "shell", UserID: "bob", SessionID: "s2", TaskID: "t1", Arguments: map[string]any{"cmd": "ls -la"}, ResultSummary: "ok"},
	{ToolName: "read_file", UserID: "bob", SessionID: "s2", TaskID: "t2", Confirmed: true, Arguments: map[string]any{"path": "/tmp/x"}},
	{ToolName: "http_get", UserID: "alice", SessionID: "s1", TaskID: "t2", Arguments: map[string]any{"url": "https://example.com", "api_key": "hunter2hunter2"}, ResultSummary: "200 OK"},
	{ToolName: "write_file", UserID: "carol", SessionID: "s3", Arguments: map[string]any{"path": "/tmp/y", "body": "hi"}},
	{ToolName: "shell", UserID: "alice", SessionID: "s3", TaskID: "t3", Confirmed: true, Arguments: []any{"echo", "hello"}, ResultSummary: "hello"},
}

// seed records seedCalls an hour apart, signs the tree, and leaves the
// clock an hour after the last: entry i is (7-i) hours old.
func seed(t testing.TB, e *env) {
	t.Helper()
	for _, c := range seedCalls {
		e.record(t, c, time.Hour)
	}
	e.sign(t)
}
