package redact_test

import (
	"strings"
	"testing"
)

// toolCall is a typical 1 KiB argument object of a tool call.
func toolCall(secrets bool) []byte {
	token, pw := `"repo:tooltrail/tooltrail is:open label:bug"`, `"main"`
	if secrets {
		token = `"Bearer ghp_16C7e42F292c6912E7710c838347Ae178B4a"`
		pw = `"hunter2-correct-horse"`
	}
	s := `{
  "tool": "github.search_issues",
  "query": ` + token + `,
  "branch": ` + pw + `,
  "options": {"max_results": 50, "sort": "updated", "order": "desc", "include_closed": false, "page": 2},
  "context": {
    "conversation_id": "550e8400-e29b-41d4-a716-446655440000",
    "model": "claude-sonnet-4", "max_tokens": 4096, "temperature": 0.2,
    "usage": {"input_tokens": 15230, "output_tokens": 870, "cache_read_input_tokens": 12000}
  },
  "files": ["cmd/tooltrail/main.go", "redact/redact.go", "internal/dict/dict.go", "docs/README.md"],
  "commit": "9fceb02d0ae598e95dc970b74767f19372d61af8",
  "message": "Summarize the open bugs about the verify command and the sqlite store, with links to each issue and the person assigned; skip the ones labelled wontfix. Keep it short: one line each.",
  "headers": {"Accept": "application/vnd.github+json", "User-Agent": "tooltrail-agent/1.0", "X-Request-Id": "7f3c9a1b-2d4e-4f60-8a71-0b2c3d4e5f60"},
  "url": "https://api.github.com/search/issues?q=repo%3Atooltrail%2Ftooltrail&per_page=50"
}`
	if secrets {
		s = strings.Replace(s, `"branch"`, `"password"`, 1)
	}
	return []byte(s)
}

func BenchmarkJSON(b *testing.B) {
	r := newDefault(b)
	for _, c := range []struct {
		name    string
		secrets bool
		want    int
	}{{"no_secret", false, 0}, {"two_secrets", true, 2}} {
		raw := toolCall(c.secrets)
		b.Run(c.name, func(b *testing.B) {
			if _, n, err := r.JSON(raw); err != nil || n != c.want {
				b.Fatalf("JSON = %d, %v; want %d", n, err, c.want)
			}
			b.SetBytes(int64(len(raw)))
			b.ReportAllocs()
			for b.Loop() {
				r.JSON(raw)
			}
		})
	}
}

func BenchmarkText(b *testing.B) {
	r := newDefault(b)
	text := strings.Repeat("Found 3 open issues about verify; see https://github.com/tooltrail/tooltrail/issues/12. ", 12)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		r.Text(text)
	}
}
