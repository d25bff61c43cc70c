package redact_test

import (
	"strings"
	"testing"
)

// Key names that the default key rules catch, and the rule that does.
var secretKeys = []struct{ key, rule string }{
	{"password", "password"},
	{"passwd", "passwd"},
	{"passphrase", "passphrase"},
	{"secret", "secret"},
	{"token", "token"},
	{"api_key", "apikey"},
	{"apikey", "apikey"},
	{"apiKey", "apikey"},
	{"API.KEY", "apikey"},
	{"access_key", "accesskey"},
	{"authorization", "authorization"},
	{"Proxy-Authorization", "authorization"},
	{"cookie", "cookie"},
	{"set-cookie", "cookie"},
	{"Set-Cookie", "cookie"},
	{"cookies", "cookies"},
	{"private_key", "privatekey"},
	{"private-key", "privatekey"},
	{"client_secret", "secret"},
	{"credential", "credential"},
	{"credentials", "credentials"},
	{"x-api-key", "apikey"},
	{"X-API-KEY", "apikey"},
	{"GITHUB_TOKEN", "token"},
	{"aws_secret_access_key", "accesskey"},
	{"refreshToken", "token"},
	{"access_token", "token"},
	{"id_token", "token"},
	{"csrf-token", "token"},
	{"oauth2_token", "token"},
	{"db_password", "password"},
	{"DB_PASSWORD", "password"},
	{"Password", "password"},
	{"password2", "password"},
	{"password_1", "password"},
	{"newPassword", "password"},
	{"PasswordHash", "passwordhash"},
	{"password_hash", "passwordhash"},
	{"passwords", "passwords"},
	{"secrets", "secrets"},
	{"webhookSecret", "secret"},
	{"jwt_secret", "secret"},
	{"SECRET_KEY", "secretkey"},
	{"signingKey", "signingkey"},
	{"encryption_key", "encryptionkey"},
	{"user password", "password"},
	{"db_passwd", "passwd"},
	{"ssh_passphrase", "passphrase"},
	{"num_secrets", "secrets"}, // over-redaction, documented
	{"nextPageToken", "token"}, // over-redaction, documented
	{"openai_api_key", "apikey"},
	{"privateKey", "privatekey"},
	{"aws_credential", "credential"},
	{"google_credentials", "credentials"},
	{"pwd", "pwd"},
	{"MYSQL_PWD", "pwd"},
	{"pass", "pass"},
	{"db_pass", "pass"},
	{"auth", "auth"},
	{"registry_auth", "auth"},
	{"bypass", "pass"},            // over-redaction, documented
	{"oauth", "auth"},             // over-redaction, documented
	{"Contraseña_TOKEN", "token"}, // not ASCII: the slow path
	{"TOKEN\u212a", ""},           // Kelvin sign: "tokenk", caught by nothing
}

// Key names that no default key rule catches.
var innocentKeys = []string{
	"max_tokens", "token_count", "input_tokens", "output_tokens", "total_tokens",
	"tokens_used", "tokens", "maxTokens", "completion_tokens", "tokenizer",
	"token_type", "tokenType", "secret_name", "secretName", "password_policy",
	"passwordless", "cookie_policy", "key", "keys", "public_key", "primary_key",
	"sort_key", "api_key_id", "access_key_id", "author", "auth_method",
	"credential_id", "credentials_path", "monkey", "secretary", "hash", "id",
	"", "-", "2",
}

func TestKeyRules(t *testing.T) {
	r := newDefault(t)
	values := []struct{ json, secret string }{
		{`"hunter2"`, "hunter2"},
		{`12.50`, "12.50"},
		{`{"a": [1, true]}`, `{"a":[1,true]}`},
		{`[ "x" , null ]`, `["x",null]`},
		{`true`, "true"},
	}
	for _, tc := range secretKeys {
		if tc.rule == "" {
			continue
		}
		for _, key := range []string{tc.key, strings.ToUpper(tc.key), strings.ToLower(tc.key)} {
			for _, v := range values {
				marker := jsonString(wantMarker(testKey, "key:"+tc.rule, v.secret))
				k := jsonString(key)
				for _, c := range []struct{ in, want string }{
					{`{` + k + `: ` + v.json + `}`, `{` + k + `: ` + marker + `}`},
					{`[1, {"a": {"b": [{` + k + `:` + v.json + `}]}}]`, `[1, {"a": {"b": [{` + k + `:` + marker + `}]}}]`},
					{`{"x": 1.0, "args": {` + k + ` : ` + v.json + ` , "y": "z"}}`, `{"x": 1.0, "args": {` + k + ` : ` + marker + ` , "y": "z"}}`},
				} {
					got, n := mustJSON(t, r, c.in)
					if got != c.want || n != 1 {
						t.Errorf("JSON(%s)\n = %s, %d\nwant %s, 1", c.in, got, n, c.want)
					}
				}
			}
		}
	}
}

func TestKeyRulesInnocent(t *testing.T) {
	r := newDefault(t)
	keys := innocentKeys
	for _, tc := range secretKeys {
		if tc.rule == "" {
			keys = append(keys, tc.key)
		}
	}
	for _, key := range keys {
		for _, k := range []string{key, strings.ToUpper(key)} {
			in := `{"outer": [{` + jsonString(k) + `: 1024}, {` + jsonString(k) + `: "gpt-4o"}]}`
			if got, n := mustJSON(t, r, in); n != 0 {
				t.Errorf("JSON(%s) = %s, %d; want it unchanged", in, got, n)
			}
		}
	}
}

// A key rule leaves null, "" and markers alone: they hold no secret.
func TestKeyRuleEmptyValues(t *testing.T) {
	r := newDefault(t)
	marker := wantMarker(testKey, "key:password", "x")
	for _, in := range []string{
		`{"password": null}`,
		`{"password": ""}`,
		`{"password": "` + marker + `"}`,
		`{"password": "\u005bredacted:jwt:AAAAAAAAAAAAAAAA]"}`,
	} {
		if got, n := mustJSON(t, r, in); n != 0 {
			t.Errorf("JSON(%s) = %s, %d; want it unchanged", in, got, n)
		}
	}
}

// A key written with escapes is matched on its decoded name, and kept as written.
func TestKeyRuleEscapedKey(t *testing.T) {
	r := newDefault(t)
	in := `{"pass\u0077ord": "hunter2"}`
	want := `{"pass\u0077ord": "` + wantMarker(testKey, "key:password", "hunter2") + `"}`
	if got, _ := mustJSON(t, r, in); got != want {
		t.Errorf("JSON(%s) = %s, want %s", in, got, want)
	}
}

// The longest matching rule names the marker.
func TestKeyRuleLongest(t *testing.T) {
	r := newDefault(t)
	got, _ := mustJSON(t, r, `{"my_secret_key": 1}`)
	if want := `{"my_secret_key": "` + wantMarker(testKey, "key:secretkey", "1") + `"}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// TestFormFieldKeys checks the key shapes of form fields and quoted or
// header-like names.
func TestFormFieldKeys(t *testing.T) {
	r := newDefault(t)
	for _, key := range []string{"user[password]", "password[]", "auth:token", `"secret"`, "X-Api-Key", "@password"} {
		in := `{` + jsonString(key) + `:"s3cr3t-value-1"}`
		if got, n := mustJSON(t, r, in); n != 1 || strings.Contains(string(got), "s3cr3t") {
			t.Errorf("JSON(%s) = %s, %d; want the value redacted", in, got, n)
		}
	}
}
