// Package mcpproxy records the tool calls that cross a Model Context
// Protocol connection. A Proxy sits between an agent's MCP client and an MCP
// server, passes every message through unchanged, and for every tools/call
// records one entry after the server answered and before the answer is
// passed to the agent. If the entry cannot be made durable, the agent gets a
// JSON-RPC error for that call instead of the result (fail closed), unless
// the proxy is told to fail open.
//
// The proxy speaks through the transport layer of the official MCP Go SDK
// (mcp.Connection and jsonrpc.Message): a transparent pass-through needs the
// raw messages, which the SDK's Client and Server do not expose. On stdio it
// uses a newline-delimited connection of its own, LineConn, because the
// SDK's stops at the first line that is not JSON, where a proxy must answer
// it and carry on.
package mcpproxy
