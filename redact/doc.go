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
// ("key:password", "key:apikey"). <mac> is the first 16 characters (96
// bits) of the unpadded base64url encoding of HMAC-SHA256, under the
// Redactor's key, of the secret's exact bytes: a string's decoded UTF-8
// bytes, or for another JSON value its compact JSON text (its text
// without whitespace outside strings). So "hunter2" gives the same <mac>
// as the value of {"password": "hunter2"} and in the text "password=hunter2",
// and another <mac> under another key. [IsMarker] tells a marker from
// other text. A JSON value replaced by a marker becomes a JSON string.
//
// # Key rules
//
// [Rules.Keys] name object keys whose values are secret. A rule matches a
// key when the key, lower-cased (per Unicode) and with '-', '_', '.' and
// ' ' removed, ends with the rule normalized the same way; either as it is
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
//
// Not caught by default, for instance: max_tokens, token_count, tokens,
// token_type, tokenizer, secret_name, password_policy, passwordless, key,
// keys, public_key, primary_key, api_key_id, access_key_id, credential_id.
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
// The default patterns, in the order they are applied:
//
//	name               finds                                          replaces
//	pem_private_key    -----BEGIN ... PRIVATE KEY----- to -----END      the whole block; to the end of
//	                   ... PRIVATE KEY----- (RSA, EC, OPENSSH,          the string if it has no END
//	                   ENCRYPTED, PGP ... KEY BLOCK), across lines      line
//	jwt                eyJ<8+>.<8+>.<0+> in base64url                   the token
//	github_token       ghp_, gho_, ghu_, ghs_, ghr_ and 36+ letters     the token
//	                   or digits; github_pat_ and 22+ more
//	slack_token        xoxa-, xoxb-, xoxp-, xoxr-, xoxs- and 10+ more,  the token
//	                   with a digit
//	stripe_key         sk_live_, rk_live_, sk_test_, rk_test_ + 10+     the key
//	anthropic_key      sk-ant- and 20+ more                             the key
//	openai_key         sk- and 20+ more (sk-proj-...), with a digit      the key
//	google_api_key     AIza and exactly 35 more                         the key
//	aws_access_key_id  AKIA or ASIA and 16 upper-case letters/digits    the key id
//	url_password       scheme://user:password@ (any scheme)             the password
//	bearer             "Bearer <token>" (any case), the token 8+        the token
//	                   characters with a digit or inner upper case
//	basic_auth         "Basic <base64>" (any case) that decodes to      the base64
//	                   printable "user:password"
//	cookie_header      "Cookie: ..." and "Set-Cookie: ..." (any case)   the rest of the line
//	assignment         password, passwd, passphrase, secret, token,     the value: up to the closing
//	                   api_key, access_key, secret_key, private_key,    quote if quoted, else up to
//	                   credential(s) (any case, any prefix, as in       a space, quote, ',', ';',
//	                   DB_PASSWORD), then ':' or '=' and a value:       '&', '<' or '>'
//	                   "password=x", "secret: x", "api_key": "x"
//
// They are written not to touch ordinary text: "the password policy
// says...", "max_tokens=1024", "token_count: 5", UUIDs, hex digests of 40
// or 64 characters, base64 of images and other data, and URLs without a
// password. The tests hold a list of such text. Some ordinary text is
// redacted all the same: "Password: must be 12 characters" hides "must",
// and "token: 5" hides "5".
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
