package redact

import (
	"encoding/base64"
	"strings"
	"unicode/utf8"
)

// Rules say what is a secret. The zero Rules (see [Off]) find nothing.
type Rules struct {
	// Keys are object key names whose values are secrets, whatever the
	// value: the whole value is replaced by one marker. A rule matches an
	// object key when the key, lower-cased and without '-', '_', '.' and
	// ' ', ends with the rule written the same way, either as it is or
	// once a run of trailing digits is taken off. So "token" catches
	// "GITHUB_TOKEN", "refreshToken" and "token2", but not "max_tokens",
	// "token_count" or "tokenizer". See the package documentation.
	Keys []string
	// Patterns are regular expressions that find secrets inside any string:
	// string values, object keys, and the text given to [Redactor.Text].
	// They are applied in order. Only the match is replaced, or only the
	// capture group named "secret" when the regexp has one.
	Patterns []Pattern
}

// Pattern is one regular expression rule.
type Pattern struct {
	// Name names the rule in markers and in the "disable" list of a rules
	// file: 1 to 64 characters of a-z, 0-9, '_' and '-', starting with a
	// letter or digit.
	Name string
	// Regexp is in the RE2 syntax of the regexp package, which matches in
	// time linear in the input. If it has capture groups named "secret",
	// the first of them that took part in a match is what is replaced;
	// otherwise the whole match is.
	Regexp string
}

// Off returns Rules that find nothing: a [Redactor] made with them returns
// every input unchanged. A rules file {"off": true} gives the same.
func Off() Rules { return Rules{} }

// DefaultRules returns the built-in rules, listed in the package
// documentation. Each call returns a new copy that the caller may change.
func DefaultRules() Rules {
	r := Rules{Keys: append([]string(nil), defaultKeys...)}
	for _, b := range builtins {
		r.Patterns = append(r.Patterns, Pattern{Name: b.name, Regexp: b.regexp})
	}
	return r
}

// defaultKeys are the built-in key rules. A rule that another one already
// catches as a suffix (client_secret, x-api-key, set-cookie) is not listed.
var defaultKeys = []string{
	"password",
	"passwd",
	"passphrase",
	"password_hash",
	"passwords",
	"secret",
	"secrets",
	"token",
	"api_key",
	"access_key",
	"secret_key",
	"private_key",
	"signing_key",
	"encryption_key",
	"authorization",
	"cookie",
	"cookies",
	"credential",
	"credentials",
	"pass",
	"pwd",
	"auth",
}

// builtin is a default pattern with what only the package knows about it:
// needles, of which every match contains at least one (compared after
// lowerFold) such that follow, if set, holds of what comes after it, to
// skip strings cheaply; and a check that a match is really a secret, for
// what RE2 cannot say.
type builtin struct {
	name    string
	regexp  string
	needles []string
	follow  func(low []byte, end int) bool
	valid   func(secret string) bool
}

// notAfterAlnum starts a token that may follow anything but a letter or a
// digit: RE2's \b would also refuse '_', as in "backup_ghp_...".
const notAfterAlnum = `(?:^|[^A-Za-z0-9])`

// secretNames are the words after which ':' or '=' and a value make an
// assignment, and which name an XML element holding a secret.
const secretNames = `(?:password|passwd|passphrase|secret|token|api[_.-]?key|access[_.-]?key|secret[_.-]?key|private[_.-]?key|credentials?)`

// shortSecretNames are the names that are secret only as a word of their
// own, so that "DB_PASS" and "pwd" count and "bypass" does not.
const shortSecretNames = `(?:pass|pwd)`

// secretNeedles are needles of secretNames and shortSecretNames, for a
// pattern without a follow check.
var secretNeedles = []string{"pass", "pwd", "secret", "token", "key", "credential"}

// builtins are the default patterns, in the order they are applied: the
// specific token formats first, then the generic ones, so that "Bearer
// eyJ..." is marked as a JWT.
var builtins = []builtin{
	{
		name:    "pem_private_key",
		regexp:  `-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----(?:[\s\S]*?-----END[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|[\s\S]*)`,
		needles: []string{"private key"},
	},
	{
		name:    "jwt",
		regexp:  notAfterAlnum + `(?P<secret>eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*)`,
		needles: []string{"eyj"},
	},
	{
		name:    "github_token",
		regexp:  notAfterAlnum + `(?P<secret>gh[pousr]_[A-Za-z0-9]{36}[A-Za-z0-9]*|github_pat_[A-Za-z0-9_]{22}[A-Za-z0-9_]*)`,
		needles: []string{"ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"},
	},
	{
		name:    "slack_token",
		regexp:  notAfterAlnum + `(?P<secret>xox[abprs]-[A-Za-z0-9-]{10}[A-Za-z0-9-]*)`,
		needles: []string{"xox"},
		valid:   hasDigit,
	},
	{
		name:    "stripe_key",
		regexp:  notAfterAlnum + `(?P<secret>[rs]k_(?:live|test)_[A-Za-z0-9]{10}[A-Za-z0-9]*)`,
		needles: []string{"k_live_", "k_test_"},
	},
	{
		name:    "anthropic_key",
		regexp:  notAfterAlnum + `(?P<secret>sk-ant-[A-Za-z0-9_-]{20}[A-Za-z0-9_-]*)`,
		needles: []string{"sk-ant-"},
	},
	{
		name:    "openai_key",
		regexp:  notAfterAlnum + `(?P<secret>sk-[A-Za-z0-9_-]{20}[A-Za-z0-9_-]*)`,
		needles: []string{"sk-"},
		valid:   hasDigit,
	},
	{
		name:    "google_api_key",
		regexp:  notAfterAlnum + `(?P<secret>AIza[0-9A-Za-z_-]{35})(?:[^0-9A-Za-z_-]|$)`,
		needles: []string{"aiza"},
	},
	{
		name:    "aws_access_key_id",
		regexp:  notAfterAlnum + `(?P<secret>(?:AKIA|ASIA)[A-Z0-9]{16})(?:[^A-Za-z0-9]|$)`,
		needles: []string{"akia", "asia"},
	},
	{
		name:    "url_password",
		regexp:  `[A-Za-z][A-Za-z0-9+.-]*://[^\s:/?#\[\]@"'<>` + "`" + `]*:(?P<secret>[^\s/?#\[\]"'<>` + "`" + `]+)@`,
		needles: []string{"://"},
		follow:  userinfoFollows,
	},
	{
		name:    "bearer",
		regexp:  `(?i)\bbearer[ \t]+(?P<secret>[A-Za-z0-9._~+/-]{8}[A-Za-z0-9._~+/-]*=*)`,
		needles: []string{"bearer"},
		follow:  blankFollows,
		valid:   looksRandom,
	},
	{
		name:    "basic_auth",
		regexp:  `(?i)\bbasic[ \t]+(?P<secret>[A-Za-z0-9+/]{4}[A-Za-z0-9+/]*={0,2})`,
		needles: []string{"basic"},
		follow:  blankFollows,
		valid:   isBasicCredentials,
	},
	{
		name: "authorization_header",
		regexp: `(?i)\b(?:proxy-)?authorization(?:\\?["'])?[ \t]*[:=][ \t]*(?:\\?["'])?` +
			`(?:[A-Za-z][A-Za-z0-9_-]*[ \t]+(?P<secret>[^\s"'\\,;<>]+)|(?P<secret>[^\s"'\\,;<>]+)(?:["'\\,;<>\r\n\f\v]|$))`,
		needles: []string{"authorization"},
		follow:  assignmentFollows,
		valid:   notAuthScheme,
	},
	{
		name:    "docker_auth",
		regexp:  `(?i)\\?"auth\\?"[ \t]*:[ \t]*\\?"(?P<secret>[A-Za-z0-9+/]{4}[A-Za-z0-9+/]*={0,2})\\?"`,
		needles: []string{"auth"},
		follow:  assignmentFollows,
		valid:   isBasicCredentials,
	},
	{
		name:    "cookie_header",
		regexp:  `(?i)\bcookie["']?[ \t]*:[ \t]*(?P<secret>[^\r\n]*[^\s])`,
		needles: []string{"cookie"},
		follow:  colonFollows,
	},
	{
		name: "assignment",
		regexp: `(?i)(?:` + secretNames + `|(?:^|[^A-Za-z])` + shortSecretNames + `)` +
			`(?:\\?["'])?[ \t]*[:=][ \t]*` +
			`(?:\\?"(?P<secret>[^"\\\r\n]+)|'(?P<secret>[^'\r\n]+)|(?P<secret>[^\s"'\\` + "`" + `,;&<>]+))`,
		needles: []string{"password", "passwd", "passphrase", "pass", "pwd", "secret", "token", "key", "credential", "credentials"},
		follow:  assignmentFollows,
	},
	{
		name: "xml_element",
		regexp: `(?i)<(?:[a-z0-9_.:-]*` + secretNames + `|(?:[a-z0-9_.:-]*[_.:-])?` + shortSecretNames + `)` +
			`(?:[ \t][^<>]*)?>(?P<secret>[^<]+)</`,
		needles: secretNeedles,
	},
	{
		// mysql and mariadb take a password glued to -p; sshpass after -p.
		name: "command_password",
		regexp: `(?i)\b(?:(?:mysql|mariadb)[a-z_-]*(?:[ \t][^\r\n|;&]*?)?[ \t](?-i:-p)|sshpass(?:[ \t][^\r\n|;&]*?)?[ \t](?-i:-p)[ \t]*)` +
			`(?:'(?P<secret>[^'\r\n]+)'|"(?P<secret>[^"\r\n]+)"|(?P<secret>[^\s"'\\;|&]+))`,
		needles: []string{"mysql", "mariadb", "sshpass"},
	},
}

// authSchemes are the HTTP authentication schemes, which an
// Authorization header names before its credentials.
var authSchemes = []string{"basic", "bearer", "digest", "negotiate", "ntlm", "token", "hoba", "mutual", "aws4-hmac-sha256", "dpop", "gnap", "scram-sha-1", "scram-sha-256", "vapid"}

// notAuthScheme tells whether s is not just the name of a scheme, which
// is what is left when an earlier pattern hid the credentials after it.
func notAuthScheme(s string) bool {
	for _, name := range authSchemes {
		if strings.EqualFold(s, name) {
			return false
		}
	}
	return true
}

// builtinFor returns the built-in pattern p is, if it is one unchanged.
func builtinFor(p Pattern) *builtin {
	for i := range builtins {
		if builtins[i].name == p.Name && builtins[i].regexp == p.Regexp {
			return &builtins[i]
		}
	}
	return nil
}

// blankFollows tells whether a space or tab is at low[i].
func blankFollows(low []byte, i int) bool {
	return i < len(low) && (low[i] == ' ' || low[i] == '\t')
}

// colonFollows tells whether `["']?[ \t]*:` is at low[i:].
func colonFollows(low []byte, i int) bool {
	if i < len(low) && (low[i] == '"' || low[i] == '\'') {
		i++
	}
	return separatorFollows(low, i, ":")
}

// assignmentFollows tells whether `(?:\\?["'])?[ \t]*[:=]` is at low[i:].
func assignmentFollows(low []byte, i int) bool {
	if i+1 < len(low) && low[i] == '\\' && (low[i+1] == '"' || low[i+1] == '\'') {
		i += 2
	} else if i < len(low) && (low[i] == '"' || low[i] == '\'') {
		i++
	}
	return separatorFollows(low, i, ":=")
}

func separatorFollows(low []byte, i int, seps string) bool {
	for i < len(low) && (low[i] == ' ' || low[i] == '\t') {
		i++
	}
	return i < len(low) && strings.IndexByte(seps, low[i]) >= 0
}

// userinfoFollows tells whether, after "://" ends at low[i], the URL's
// authority has an '@'.
func userinfoFollows(low []byte, i int) bool {
	for ; i < len(low); i++ {
		switch low[i] {
		case '@':
			return true
		case ' ', '\t', '\n', '\r', '\f', '/', '?', '#', '[', ']', '"', '\'', '<', '>', '`':
			return false
		}
	}
	return false
}

func hasDigit(s string) bool {
	for i := 0; i < len(s); i++ {
		if '0' <= s[i] && s[i] <= '9' {
			return true
		}
	}
	return false
}

// looksRandom tells a token from a word: it has a digit, or an upper-case
// letter after its first character as well as a lower-case one.
func looksRandom(s string) bool {
	upper, lower := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case '0' <= c && c <= '9':
			return true
		case 'A' <= c && c <= 'Z' && i > 0:
			upper = true
		case 'a' <= c && c <= 'z':
			lower = true
		}
	}
	return upper && lower
}

// isBasicCredentials tells whether s is the standard base64 of printable
// "user:password", as in an HTTP Basic Authorization header.
func isBasicCredentials(s string) bool {
	if len(s)%4 != 0 {
		return false
	}
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil || !utf8.Valid(b) {
		return false
	}
	colon := false
	for _, c := range b {
		if c < 0x20 || c == 0x7f {
			return false
		}
		if c == ':' {
			colon = true
		}
	}
	return colon
}
