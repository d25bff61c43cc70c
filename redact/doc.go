// Package redact replaces secrets in a tool call's arguments (any JSON
// value) and result summary (text) before the log makes its leaf, so that
// secrets never reach the disk, the log's output or its API.
//
// Each secret is replaced by a marker that carries a keyed MAC of it, so
// that equal secrets can be matched without being shown:
//
//	r, err := redact.New(key, redact.DefaultRules())
//	args, n, err := r.JSON(call.Arguments)
//	summary, m := r.Text(call.ResultSummary)
//
// A [Redactor] is safe for concurrent use. JSON returns its input itself
// when nothing is secret, and both JSON and Text are idempotent: what they
// return has nothing more to redact, since markers are not secrets.
//
// # Markers
//
// A secret becomes
//
//	[redacted:<rule>:<mac>]
//
// <rule> is the name of the pattern that found it ("jwt"), or "key:" and
// the key rule that matched its object key, normalized as below
// ("key:password", "key:apikey"). <mac> is 16 characters, the unpadded
// base64url encoding of 12 bytes: 6 bytes of HMAC-SHA256, under the
// Redactor's key, of the secret's exact bytes (a string's decoded UTF-8
// bytes, or for another JSON value its compact JSON text, its text
// without whitespace outside strings), the fingerprint; then 6 bytes of
// HMAC-SHA256 under the same key of a fixed label, the rule and the
// fingerprint, the seal. So "hunter2" gives the same <mac> as the value
// of {"password": "hunter2"} and in the text "password=hunter2", and
// another <mac> under another key. [IsMarker] tells a marker from
// other text; [Redactor.Genuine] tells a marker the Redactor wrote from
// one a caller typed, whose seal only the key could make.
// other text. A JSON value replaced by a marker becomes a JSON string.
//
// # Key rules
//
// [Rules.Keys] name object keys whose values are secret. A rule matches a
// key when the key, lower-cased (per Unicode) and without separators
// (hyphen, underscore, dot, space, brackets, colon, quotes, dollar and at
// sign, so that form fields such as "user[password]" count), ends with
// the rule normalized the same way; either as it is
// or after a run of trailing digits is cut off. So the rule "token" (or
// "TOKEN", or "to_ken") catches "token", "GITHUB_TOKEN", "refreshToken",
// "x-auth-token", "id_token" and "token2", but not "max_tokens",
// "input_tokens", "tokens_used", "token_count", "token_type" or
// "tokenizer": what comes after the rule's last letter decides. A rule is
// never matched as a prefix, which would catch "token_count",
// "secret_name" and "password_policy". When several rules match, the
// longest names the marker. The whole value of a matched key is replaced
// by one marker, whatever it is (string, number, boolean, object, array),
// except null, "" and a string that is already a marker, which hold no
// secret and stay.
//
// The default key rules, as written in [DefaultRules], and some keys they
// catch:
//
//	password        password, db_password, newPassword, PASSWORD2, user password
//	passwd          passwd, db_passwd
//	passphrase      passphrase, ssh_passphrase
//	password_hash   PasswordHash, password_hash
//	passwords       passwords
//	secret          secret, client_secret, webhookSecret, jwt_secret
//	secrets         secrets, num_secrets (sic)
//	token           token, GITHUB_TOKEN, refreshToken, access_token, csrf-token,
//	                nextPageToken (sic: pagination tokens are redacted too)
//	api_key         api_key, apikey, apiKey, x-api-key, X-API-KEY, openai_api_key
//	access_key      access_key, aws_secret_access_key
//	secret_key      secret_key, SECRET_KEY
//	private_key     private_key, privateKey, private-key
//	signing_key     signing_key, signingKey
//	encryption_key  encryption_key
//	authorization   authorization, Proxy-Authorization
//	cookie          cookie, set-cookie, Set-Cookie
//	cookies         cookies
//	credential      credential, aws_credential
//	credentials     credentials, google_credentials
//	pass            pass, db_pass, SMTP_PASS, bypass and compass (sic)
//	pwd             pwd, MYSQL_PWD, PWD (sic: a shell's working directory)
//	auth            auth, registry_auth (Docker's config.json), oauth (sic)
//
// Not caught by default, for instance: max_tokens, token_count, tokens,
// token_type, tokenizer, secret_name, password_policy, passwordless, key,
// keys, public_key, primary_key, api_key_id, access_key_id, credential_id,
// auth_type, passport.
// A rule may only have letters and digits besides the separators.
//
// # Patterns
//
// [Rules.Patterns] are RE2 regular expressions applied, in order, to every
// string: the JSON's string values not under a matched key, its object
// keys, and the text given to Text. A pattern replaces its whole match, or
// only its capture group named "secret" if it has one. Text already
// replaced by an earlier pattern is a marker, which no later pattern sees:
// each run of text between markers is matched as if it were a whole
// string. RE2 matches in time linear in the input.
//
// The default patterns, in the order they are applied, and what of a
// match each replaces. A token format (jwt to aws_access_key_id) is found
// after anything but a letter or a digit, so "backup_ghp_..." and
// "key=AKIA..." count and "xghp_..." does not:
//
//   - pem_private_key: a PEM private key, "-----BEGIN ... PRIVATE
//     KEY-----" (RSA, EC, OPENSSH, ENCRYPTED, none; or PGP ... KEY BLOCK)
//     across lines to its END line, or to the end of the string if it has
//     none (a truncated key). The whole block.
//   - jwt: a JSON Web Token, "eyJ" and 8 or more base64url characters, a
//     '.', 8 or more, a '.', and any number. The token.
//   - github_token: "ghp_", "gho_", "ghu_", "ghs_" or "ghr_" and 36 or more
//     letters and digits; "github_pat_" and 22 or more. The token.
//   - slack_token: "xoxa-", "xoxb-", "xoxp-", "xoxr-" or "xoxs-" and 10 or
//     more letters, digits and '-', with a digit. The token.
//   - stripe_key: "sk_live_", "rk_live_", "sk_test_" or "rk_test_" and 10
//     or more letters and digits. The key.
//   - anthropic_key: "sk-ant-" and 20 or more. The key.
//   - openai_key: "sk-" and 20 or more letters, digits, '-' and '_', with a
//     digit ("sk-proj-..."). The key.
//   - google_api_key: "AIza" and exactly 35 more. The key.
//   - aws_access_key_id: "AKIA" or "ASIA" and 16 upper-case letters and
//     digits. The key id.
//   - url_password: "scheme://user:password@", any scheme, the user
//     possibly empty. The password.
//   - bearer: "Bearer <token>", in any case, the token 8 or more
//     characters with a digit, or with an upper-case letter after its first
//     and a lower-case one (so "bearer instrument" stays). The token.
//   - basic_auth: "Basic <base64>", in any case, that decodes to printable
//     "user:password". The base64.
//   - authorization_header: "Authorization" or "Proxy-Authorization", in
//     any case, perhaps a closing quote, ':' or '=', then either a scheme
//     and credentials ("Digest abc", "Token abc", "AWS4-HMAC-SHA256 ...")
//     or credentials alone up to a quote, ',', ';', '<', '>' or the end of
//     the line ("authorization: abc123"). The credentials up to a blank;
//     a scheme left alone after an earlier pattern hid its credentials
//     stays.
//   - docker_auth: `"auth": "<base64>"`, as in Docker's config.json, that
//     decodes to printable "user:password". The base64.
//   - cookie_header: "Cookie:" or "Set-Cookie:", in any case. The rest of
//     the line.
//   - assignment: password, passwd, passphrase, secret, token, api_key,
//     access_key, secret_key, private_key, credential or credentials (in any
//     case, '_', '-' or '.' inside, after anything: "DB_PASSWORD"), or pass
//     or pwd after anything but a letter ("DB_PASS", "pwd", not "bypass"),
//     perhaps a closing quote, then ':' or '=' and a value: "password=x",
//     "secret: x", `"api_key": "x"`, `\"token\": \"x\"`. The value: up to
//     its closing quote if it is quoted, else up to a space, quote, '\',
//     ',', ';', '&', '<' or '>'.
//   - xml_element: an element whose name ends with one of the names of
//     assignment, a namespace prefix allowed, with text and no child:
//     "<password>x</password>", "<db:Pass>x</db:Pass>". The text.
//   - command_password: a password on a command line: "mysql -u root
//     -px" (-p, lower-case, glued to the password, after "mysql",
//     "mysqldump", "mariadb" and the like on the same line), "sshpass -p
//     x". The password, quoted or up to a blank, quote, ';', '|' or '&'.
//
// They are written not to touch ordinary text: "the password policy
// says...", "max_tokens=1024", "token_count: 5", UUIDs, hex digests of 40
// or 64 characters, base64 of images and other data, and URLs without a
// password. The tests hold a list of such text. Some ordinary text is
// redacted all the same: "Password: must be 12 characters" hides "must",
// "token: 5" hides "5", and "authorization: required" hides "required".
//
// # Rules files
//
// [LoadRules] reads a JSON file that changes the defaults:
//
//	{"disable_defaults": false, "disable": ["jwt", "key:cookie"], "keys": ["session_secret"],
//	 "patterns": [{"name": "internal", "regexp": "tt_[a-z0-9]{32}"}]}
//
// {"off": true} switches redaction off: LoadRules then returns [Off], the
// empty Rules, which New accepts.
//
// # Limits
//
// Secrets that no rule describes pass: a password under an innocent key
// ({"name": "Cookie", "value": "..."} pairs, as in HAR files, are not
// caught), a bare password in text, a Bearer token of fewer than 8
// characters. A string in which a pattern replaced something is written
// anew, with only '"', '\' and control characters escaped; other strings
// keep their escapes as written.
package redact
