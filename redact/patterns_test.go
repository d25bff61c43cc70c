package redact_test

import (
	"strings"
	"testing"

	"github.com/tooltrail/tooltrail/redact"
)

// Secrets each default pattern finds: text holds secret, and the pattern
// called name replaces it (and nothing else of text).
var patternCases = []struct{ name, text, secret string }{
	{"pem_private_key", "key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7bq\n4fQ==\n-----END RSA PRIVATE KEY-----\ndone",
		"-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7bq\n4fQ==\n-----END RSA PRIVATE KEY-----"},
	{"pem_private_key", "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----",
		"-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----"},
	{"pem_private_key", "-----BEGIN OPENSSH PRIVATE KEY-----\r\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU\r\n-----END OPENSSH PRIVATE KEY-----\r\n",
		"-----BEGIN OPENSSH PRIVATE KEY-----\r\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU\r\n-----END OPENSSH PRIVATE KEY-----"},
	{"pem_private_key", "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBF\n-----END PGP PRIVATE KEY BLOCK-----",
		"-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBF\n-----END PGP PRIVATE KEY BLOCK-----"},
	{"pem_private_key", `cat id: -----BEGIN EC PRIVATE KEY-----\nMHcCAQEEI... (truncated)`,
		`-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEI... (truncated)`},
	{"jwt", "id_token eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U ok",
		"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"},
	{"jwt", "Authorization: Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJhIn0.", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhIn0."},
	{"github_token", "export GH=ghp_16C7e42F292c6912E7710c838347Ae178B4a;", "ghp_16C7e42F292c6912E7710c838347Ae178B4a"},
	{"github_token", "gho_16C7e42F292c6912E7710c838347Ae178B4a", "gho_16C7e42F292c6912E7710c838347Ae178B4a"},
	{"github_token", "(ghu_16C7e42F292c6912E7710c838347Ae178B4a)", "ghu_16C7e42F292c6912E7710c838347Ae178B4a"},
	{"github_token", "ghs_16C7e42F292c6912E7710c838347Ae178B4a", "ghs_16C7e42F292c6912E7710c838347Ae178B4a"},
	{"github_token", "ghr_16C7e42F292c6912E7710c838347Ae178B4a", "ghr_16C7e42F292c6912E7710c838347Ae178B4a"},
	{"github_token", "git clone https://github_pat_11ABCDEFG0abcdefghijkl_mnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ012345678901@github.com/o/r",
		"github_pat_11ABCDEFG0abcdefghijkl_mnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ012345678901"},
	{"slack_token", "SLACK=xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx", "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"},
	{"slack_token", "xoxp-1111111111-2222222222-3333333333-abcdef", "xoxp-1111111111-2222222222-3333333333-abcdef"},
	{"stripe_key", "stripe.api_key = sk_live_4eC39HqLyjWDarjtT1zdp7dc", "sk_live_4eC39HqLyjWDarjtT1zdp7dc"},
	{"stripe_key", "rk_live_51H8aBcDeFgHiJkLmNoPqRsT", "rk_live_51H8aBcDeFgHiJkLmNoPqRsT"},
	{"stripe_key", "sk_test_4eC39HqLyjWDarjtT1zdp7dc", "sk_test_4eC39HqLyjWDarjtT1zdp7dc"},
	{"anthropic_key", "ANTHROPIC_API_KEY: sk-ant-api03-Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0Uv-_wxYZAA", "sk-ant-api03-Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0Uv-_wxYZAA"},
	{"openai_key", "key sk-proj-Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0Uv_wxyz", "sk-proj-Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0Uv_wxyz"},
	{"openai_key", "sk-Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0UvWxYz1234567890ab", "sk-Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0UvWxYz1234567890ab"},
	{"google_api_key", "maps?key=AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q&x=1", "AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q"},
	{"google_api_key", "AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q", "AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q"},
	{"aws_access_key_id", "aws_access_key_id=AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE"},
	{"aws_access_key_id", "id ASIAY34FZKBOKMUTVV7A.", "ASIAY34FZKBOKMUTVV7A"},
	{"url_password", "psql postgres://admin:s3cr3t@db.internal:5432/app", "s3cr3t"},
	{"url_password", "https://user:p%40ss:w0rd@example.com/x", "p%40ss:w0rd"},
	{"url_password", "redis://:hunter2@cache:6379", "hunter2"},
	{"url_password", "https://bob:pa@ss@example.com/", "pa@ss"},
	{"bearer", "curl -H 'Authorization: Bearer abc123def456ghi789' x", "abc123def456ghi789"},
	{"bearer", "authorization: bearer 7f3c9a1b2d4e", "7f3c9a1b2d4e"},
	{"bearer", "BEARER AbCdEfGhIjKlMnOp", "AbCdEfGhIjKlMnOp"},
	{"bearer", "Bearer ya29.a0AfH6SMBx-abc_def/ghi+jkl==", "ya29.a0AfH6SMBx-abc_def/ghi+jkl=="},
	{"basic_auth", "Authorization: Basic dXNlcjpodW50ZXIy", "dXNlcjpodW50ZXIy"},
	{"basic_auth", "basic YWRtaW46c2VjcmV0IQ==\n", "YWRtaW46c2VjcmV0IQ=="},
	{"cookie_header", "HTTP/1.1 200 OK\nSet-Cookie: session=abc123; Path=/; HttpOnly\nX: y", "session=abc123; Path=/; HttpOnly"},
	{"cookie_header", "> Cookie: sid=s%3Axyz; theme=dark  \n", "sid=s%3Axyz; theme=dark"},
	{"assignment", "login with password=hunter2 please", "hunter2"},
	{"assignment", "PASSWORD: Tr0ub4dor&3", "Tr0ub4dor"},
	{"assignment", "db_passwd = 'correct horse battery'", "correct horse battery"},
	{"assignment", "secret: s3cr3t-value", "s3cr3t-value"},
	{"assignment", `{"client_secret": "abc def"}`, "abc def"},
	{"assignment", `{\"token\": \"tok123\"}`, "tok123"},
	{"assignment", "https://api.example.com/v1?api_key=abcd1234&page=2", "abcd1234"},
	{"assignment", "Server=db;Database=app;Password=Pa55w0rd;", "Pa55w0rd"},
	{"assignment", "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"},
	{"assignment", "X-Api-Key: 0123abcd", "0123abcd"},
	{"assignment", "credentials=alice:wonderland", "alice:wonderland"},
	{"assignment", "passphrase:\tmy-pass", "my-pass"},
	{"assignment", "private_key=abc", "abc"},
	{"assignment", "DB_PASS=s3cr3t", "s3cr3t"},
	{"assignment", "export MYSQL_PWD=hunter2", "hunter2"},
	{"assignment", "pass: letmein", "letmein"},
	{"assignment", "rsync --pass=Xy7zz host:", "Xy7zz"},
	// Secrets glued to '_' or other word characters around them.
	{"jwt", "cache_eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
		"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"},
	{"github_token", "backup_ghp_16C7e42F292c6912E7710c838347Ae178B4a.txt", "ghp_16C7e42F292c6912E7710c838347Ae178B4a"},
	{"github_token", "ghp_16C7e42F292c6912E7710c838347Ae178B4a_old", "ghp_16C7e42F292c6912E7710c838347Ae178B4a"},
	{"slack_token", "tok_xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx", "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"},
	{"stripe_key", "key_sk_live_4eC39HqLyjWDarjtT1zdp7dc", "sk_live_4eC39HqLyjWDarjtT1zdp7dc"},
	{"anthropic_key", "ant_sk-ant-api03-Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0Uv-_wxYZAA", "sk-ant-api03-Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0Uv-_wxYZAA"},
	{"openai_key", "env_sk-proj-Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0Uv_wxyz", "sk-proj-Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0Uv_wxyz"},
	{"google_api_key", "maps_AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q", "AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q"},
	{"aws_access_key_id", "creds_AKIAIOSFODNN7EXAMPLE.csv", "AKIAIOSFODNN7EXAMPLE"},
	{"aws_access_key_id", "s3://b/AKIAIOSFODNN7EXAMPLE_2024.csv", "AKIAIOSFODNN7EXAMPLE"},
	{"authorization_header", "Authorization: Token 9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b", "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"},
	{"authorization_header", `{"authorization": "Token abc123def"}`, "abc123def"},
	{"authorization_header", `{\"Authorization\": \"Token abc123def\"}`, "abc123def"},
	{"authorization_header", "Authorization: Bearer abc", "abc"},
	{"authorization_header", "proxy-authorization: SSWS 00QCjAl4MlV-WPXM", "00QCjAl4MlV-WPXM"},
	{"authorization_header", "authorization=raw-key-1", "raw-key-1"},
	{"docker_auth", `{"auths": {"registry.example.com": {"auth": "dXNlcjpodW50ZXIy"}}}`, "dXNlcjpodW50ZXIy"},
	{"xml_element", "<password>hunter2</password>", "hunter2"},
	{"xml_element", `<db:Password type="text">s3 cr3t</db:Password>`, "s3 cr3t"},
	{"xml_element", "<ApiKey>abcd1234</ApiKey>", "abcd1234"},
	{"xml_element", "<config><DB_PASS>x1</DB_PASS></config>", "x1"},
	{"command_password", "mysql -u root -pS3cret app", "S3cret"},
	{"command_password", "mysqldump -h db -p'my pass' app > a.sql", "my pass"},
	{"command_password", "mariadb --user=x -pPw0rd", "Pw0rd"},
	{"command_password", "sshpass -p hunter2 ssh host", "hunter2"},
}

func TestPatterns(t *testing.T) {
	r := newDefault(t)
	for _, tc := range patternCases {
		marker := wantMarker(testKey, tc.name, tc.secret)
		want := strings.Replace(tc.text, tc.secret, marker, 1)
		if !strings.Contains(tc.text, tc.secret) {
			t.Fatalf("bad case: %q is not in %q", tc.secret, tc.text)
		}
		got, n := r.Text(tc.text)
		if got != want || n != 1 {
			t.Errorf("Text(%q)\n = %q, %d\nwant %q, 1", tc.text, got, n, want)
			continue
		}
		if again, n := r.Text(got); again != got || n != 0 {
			t.Errorf("Text(%q) = %q, %d; want it unchanged", got, again, n)
		}
		// The same in JSON, at any depth, in arrays, and as an object key.
		s, w := jsonString(tc.text), jsonString(want)
		for _, c := range []struct{ in, want string }{
			{s, w},
			{`[` + s + `]`, `[` + w + `]`},
			{`{"args": {"cmd": [1, {"note": ` + s + `}]}}`, `{"args": {"cmd": [1, {"note": ` + w + `}]}}`},
			{`{` + s + `: null}`, `{` + w + `: null}`},
		} {
			if got, n := mustJSON(t, r, c.in); got != c.want || n != 1 {
				t.Errorf("JSON(%s)\n = %s, %d\nwant %s, 1", c.in, got, n, c.want)
			}
		}
	}
}

// Every default pattern has a test case.
func TestPatternsCovered(t *testing.T) {
	tested := map[string]bool{}
	for _, tc := range patternCases {
		tested[tc.name] = true
	}
	for _, p := range redact.DefaultRules().Patterns {
		if !tested[p.Name] {
			t.Errorf("default pattern %s has no test case", p.Name)
		}
	}
}

// Several secrets in one text, each with its own marker.
func TestPatternsMany(t *testing.T) {
	r := newDefault(t)
	text := "a AKIAIOSFODNN7EXAMPLE b password=hunter2 c ghp_16C7e42F292c6912E7710c838347Ae178B4a d AKIAIOSFODNN7EXAMPLE"
	want := "a " + wantMarker(testKey, "aws_access_key_id", "AKIAIOSFODNN7EXAMPLE") +
		" b password=" + wantMarker(testKey, "assignment", "hunter2") +
		" c " + wantMarker(testKey, "github_token", "ghp_16C7e42F292c6912E7710c838347Ae178B4a") +
		" d " + wantMarker(testKey, "aws_access_key_id", "AKIAIOSFODNN7EXAMPLE")
	if got, n := r.Text(text); got != want || n != 4 {
		t.Errorf("Text = %q, %d\nwant %q, 4", got, n, want)
	}
}

// Innocent text: no default pattern touches it, in Text or in JSON.
var innocentTexts = []string{
	"",
	"the password policy says passwords must be at least 12 characters long",
	"Reset your password in the settings. The secret to good soup is salt.",
	"Enter password:",
	"password:\nnext line",
	"max_tokens=1024 token_count: 57 input_tokens=10 output_tokens = 20 tokens: 5",
	"tokenizer: cl100k_base, token_type=Bearer",
	"the bearer of bad news; bearer instrument; Bearer tokens are sent in a header",
	"basic usage: run it; Basic training; basic math",
	"550e8400-e29b-41d4-a716-446655440000",
	"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	"commit 9fceb02d0ae598e95dc970b74767f19372d61af8 (HEAD -> main)",
	"da39a3ee5e6b4b0d3255bfef95601890afd80709",
	"data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
	"/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAAMCAgMCAgMDAwMEAwMEBQgFBQQEBQoHBgYGBgoICQkJCQkKCw0MCgsNCwkKDBAMDQ4PDxAPDg4OEQ8PEBP",
	"R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7",
	"aGVsbG8gd29ybGQsIHRoaXMgaXMgb3JkaW5hcnkgZGF0YQ==",
	"https://example.com:8443/path/to/page?q=search+terms&page=2#section",
	"http://localhost:8080/api/v1/items?limit=10",
	"git@github.com:tooltrail/tooltrail.git",
	"ssh://git@github.com/org/repo.git",
	"mailto:someone@example.com; user@example.com:25",
	"task-management-for-everyone-here, desk-lamp, mask-wearing-is-recommended-here",
	"sk-learn is scikit-learn; risk_live_events",
	"the AKIA prefix; ASIA-PACIFIC-REGION-2024; Asia",
	"ghp_short and gh_pr_12",
	"xoxo-hugs-and-kisses-forever",
	"eyJ is how base64 JSON starts; eyJhbGciOiJIUzI1NiJ9 alone is a header",
	"private key files end in .pem; -----BEGIN PUBLIC KEY----- MFkw -----END PUBLIC KEY-----",
	"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
	"fortune cookie recipe, cookies: 3 cups",
	"secretary: Jane; keyboard: us; token-ring network; access_key_id: AKIA",
	"v1.2.3 2024-01-02T03:04:05Z 3.14159 -0 1e400",
	"Ünïcödé ſecret 𝕡𝕒𝕤𝕤𝕨𝕠𝕣𝕕 日本語のパスワード",
	"[redacted:jwt:AAAAAAAAAAAAAAAA] is a marker",
	"bypass=true compass: north passport: valid; pwdx=1",
	"mysql -h db -P3306 -u root -p app; mysql --port=3306; mysql -p",
	"the authorization header; Authorization: Bearer <token>",
	"<token_count>5</token_count> <tokens>5</tokens> <passport>yes</passport> <bypass>1</bypass>",
	`{"auth": "none"} {"auth": "dXNlcg=="}`,
}

func TestPatternsInnocent(t *testing.T) {
	r := newDefault(t)
	for _, s := range innocentTexts {
		if got, n := r.Text(s); got != s || n != 0 {
			t.Errorf("Text(%q) = %q, %d; want it unchanged", s, got, n)
		}
		in := `{"text": ` + jsonString(s) + `, "list": [` + jsonString(s) + `]}`
		if got, n := mustJSON(t, r, in); n != 0 {
			t.Errorf("JSON(%s) = %s, %d; want it unchanged", in, got, n)
		}
	}
}

// A typical LLM tool call: usage numbers and ordinary arguments stay.
func TestInnocentToolCall(t *testing.T) {
	r := newDefault(t)
	in := `{
  "model": "claude-sonnet-4",
  "max_tokens": 1024,
  "usage": {"input_tokens": 1520, "output_tokens": 87, "token_count": 1607, "cost": 0.0150},
  "messages": [{"role": "user", "content": "What does the password policy say?"}],
  "id": "550e8400-e29b-41d4-a716-446655440000",
  "sha": "9fceb02d0ae598e95dc970b74767f19372d61af8",
  "url": "https://example.com/docs?page=2",
  "n": [1.50, 1e400, -0, 0.1e-7, 123456789012345678901234567890]
}`
	out, n, err := r.JSON([]byte(in))
	if err != nil || n != 0 || string(out) != in {
		t.Errorf("JSON = %s, %d, %v; want it unchanged", out, n, err)
	}
}

// Over-redaction the package documentation admits to.
func TestPatternsDocumentedFalsePositives(t *testing.T) {
	r := newDefault(t)
	for _, c := range []struct{ in, secret string }{
		{"Password: must be 12 characters", "must"},
		{"token: 5", "5"},
	} {
		want := strings.Replace(c.in, c.secret, wantMarker(testKey, "assignment", c.secret), 1)
		if got, _ := r.Text(c.in); got != want {
			t.Errorf("Text(%q) = %q, want %q", c.in, got, want)
		}
	}
}
