package mcpproxy

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
)

// toolResult is the part of a CallToolResult a summary reads; its own
// type, so that content of a type the SDK does not know is still summed
// up.
type toolResult struct {
	Content []struct {
		Type     string `json:"type"`
		Text     string `json:"text"`
		Data     string `json:"data"`
		MimeType string `json:"mimeType"`
		URI      string `json:"uri"`
		Name     string `json:"name"`
		Resource *struct {
			URI      string `json:"uri"`
			MimeType string `json:"mimeType"`
			Text     string `json:"text"`
			Blob     string `json:"blob"`
		} `json:"resource"`
	} `json:"content"`
	StructuredContent json.RawMessage `json:"structuredContent"`
	IsError           bool            `json:"isError"`
}

// summarize returns the result_summary of a tools/call answer: the text of
// its content, what and how large its images, audio and resources are,
// "error: " first when the tool failed; or the JSON-RPC error. It is cut
// to max bytes.
func summarize(resp *jsonrpc.Response, max int) string {
	if resp.Error != nil {
		return cut(errorSummary(resp.Error), max)
	}
	var r toolResult
	if err := json.Unmarshal(resp.Result, &r); err != nil {
		return cut(fmt.Sprintf("the server's result is not a CallToolResult (%v): %s", err, resp.Result), max)
	}
	var parts []string
	for _, c := range r.Content {
		switch c.Type {
		case "text":
			parts = append(parts, c.Text)
		case "image", "audio":
			parts = append(parts, fmt.Sprintf("[%s %s, %s]", c.Type, orUnknown(c.MimeType), size(decodedLen(c.Data))))
		case "resource_link":
			parts = append(parts, fmt.Sprintf("[resource link %s]", c.URI))
		case "resource":
			if c.Resource == nil {
				parts = append(parts, "[resource]")
				break
			}
			n := len(c.Resource.Text)
			if c.Resource.Blob != "" {
				n = decodedLen(c.Resource.Blob)
			}
			parts = append(parts, fmt.Sprintf("[resource %s %s, %s]", c.Resource.URI, orUnknown(c.Resource.MimeType), size(n)))
		default:
			parts = append(parts, fmt.Sprintf("[%s content]", c.Type))
		}
	}
	if len(parts) == 0 && len(r.StructuredContent) > 0 {
		parts = append(parts, string(r.StructuredContent))
	}
	s := strings.Join(parts, "\n")
	if r.IsError {
		s = "error: " + s
	}
	return cut(s, max)
}

// errorSummary says what a JSON-RPC error answer said.
func errorSummary(err error) string {
	var we *jsonrpc.Error
	if errors.As(err, &we) {
		return fmt.Sprintf("JSON-RPC error %d: %s", we.Code, we.Message)
	}
	return "JSON-RPC error: " + err.Error()
}

func orUnknown(mime string) string {
	if mime == "" {
		return "of unknown type"
	}
	return mime
}

// decodedLen is the length of what base64 text decodes to, without
// decoding it.
func decodedLen(b64 string) int {
	return len(strings.TrimRight(b64, "=")) * 3 / 4
}

func size(n int) string {
	if n == 1 {
		return "1 byte"
	}
	return fmt.Sprintf("%d bytes", n)
}

// cut shortens s to at most limit bytes, on a rune boundary, saying how much
// was left out; it also replaces what is not UTF-8 or is NUL, which the
// log refuses.
func cut(s string, limit int) string {
	s = strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", "\uFFFD"), "\uFFFD")
	if len(s) <= limit {
		return s
	}
	keep := limit - len(fmt.Sprintf("… (%d bytes more)", len(s)))
	if keep < 0 {
		keep = 0
	}
	for keep > 0 && !utf8.RuneStart(s[keep]) {
		keep--
	}
	return s[:keep] + fmt.Sprintf("… (%d bytes more)", len(s)-keep)
}
