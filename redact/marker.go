package redact

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"strings"
	"sync"
	"unicode/utf8"
)

// A marker is "[redacted:<rule>:<mac>]". <rule> is the name of the pattern
// that found the secret, or "key:" and the normalized key rule (such as
// "key:password" or "key:apikey"). <mac> is the unpadded base64url of 12
// bytes, 16 characters: the first 6 bytes of HMAC-SHA256 under the
// Redactor's key of the secret's exact bytes (a string's decoded UTF-8
// bytes, or the compact JSON text of another JSON value), its fingerprint;
// then the first 6 bytes of HMAC-SHA256 under the same key of sealLabel,
// the rule, a NUL and the fingerprint, its seal, which only a holder of
// the key can make, so that a marker a caller wrote itself is told from
// one the Redactor wrote (Genuine).
const (
	markerPrefix = "[redacted:"
	macLength    = 16
	macBytes     = macLength * 6 / 8 // 12 bytes give exactly 16 base64 characters
	keyPrefix    = "key:"
	halfBytes    = macBytes / 2
	sealLabel    = "tooltrail redaction marker\x00"
)

// IsMarker tells whether s is exactly one marker, as the package writes in
// place of a secret, so that a UI can show it as such. It returns no error.
func IsMarker(s string) bool { return markerEnd(s, 0) == len(s) }

// markerEnd returns the end of the marker at s[i:], or -1 if there is none.
func markerEnd(s string, i int) int {
	if !strings.HasPrefix(s[i:], markerPrefix) {
		return -1
	}
	j := i + len(markerPrefix)
	if strings.HasPrefix(s[j:], keyPrefix) {
		if k := keyNameEnd(s, j+len(keyPrefix)); k > j+len(keyPrefix) {
			if e := macEnd(s, k); e > 0 {
				return e
			}
		}
	}
	if k := patternNameEnd(s, j); k > j {
		return macEnd(s, k)
	}
	return -1
}

// macEnd returns the end of ":<mac>]" at s[i:], or -1.
func macEnd(s string, i int) int {
	if i+1+macLength+1 > len(s) || s[i] != ':' || s[i+1+macLength] != ']' {
		return -1
	}
	for _, c := range []byte(s[i+1 : i+1+macLength]) {
		if !isBase64URL(c) {
			return -1
		}
	}
	return i + 1 + macLength + 1
}

func isBase64URL(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_'
}

func isNameByte(c byte) bool {
	return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_'
}

// patternNameEnd returns the end of the pattern name at s[i:] (i if none).
func patternNameEnd(s string, i int) int {
	j := i
	for j < len(s) && j-i < maxNameLength && isNameByte(s[j]) {
		j++
	}
	if j > i && (s[i] == '-' || s[i] == '_') {
		return i
	}
	return j
}

// keyNameEnd returns the end of the normalized key rule at s[i:].
func keyNameEnd(s string, i int) int {
	j := i
	for j < len(s) {
		r, n := utf8.DecodeRuneInString(s[j:])
		if r == utf8.RuneError && n <= 1 || !keyNameRune(r) {
			break
		}
		j += n
	}
	return j
}

// macs hands out HMAC-SHA256 states keyed with one key.
type macs struct {
	pool sync.Pool
}

func newMACs(key []byte) *macs {
	m := &macs{}
	m.pool.New = func() any { return hmac.New(sha256.New, key) }
	return m
}

// appendMarker appends the marker of secret found by rule to dst.
func (m *macs) appendMarker(dst []byte, rule string, secret []byte) []byte {
	var mac [macBytes]byte
	m.sum(mac[:halfBytes], secret)
	m.seal(mac[halfBytes:], rule, mac[:halfBytes])
	dst = append(dst, markerPrefix...)
	dst = append(dst, rule...)
	dst = append(dst, ':')
	dst = base64.RawURLEncoding.AppendEncode(dst, mac[:])
	return append(dst, ']')
}

// sum writes the first len(dst) bytes of the HMAC of parts to dst.
func (m *macs) sum(dst []byte, parts ...[]byte) {
	h := m.pool.Get().(hash.Hash)
	h.Reset()
	for _, p := range parts {
		h.Write(p)
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	m.pool.Put(h)
	copy(dst, sum[:])
}

// seal writes the seal of a marker of rule with fingerprint to dst.
func (m *macs) seal(dst []byte, rule string, fingerprint []byte) {
	m.sum(dst, []byte(sealLabel), []byte(rule), []byte{0}, fingerprint)
}

// Genuine tells whether s is exactly one marker that a Redactor with r's
// key wrote: its seal matches its rule and fingerprint. A marker a caller
// typed, or one of another key, is not genuine. A nil Redactor finds none.
// It returns no error.
func (r *Redactor) Genuine(s string) bool {
	if r == nil || !IsMarker(s) {
		return false
	}
	rule := s[len(markerPrefix) : len(s)-macLength-2]
	var mac [macBytes]byte
	if n, err := base64.RawURLEncoding.Decode(mac[:], []byte(s[len(s)-macLength-1:len(s)-1])); err != nil || n != macBytes {
		return false
	}
	var want [halfBytes]byte
	r.macs.seal(want[:], rule, mac[:halfBytes])
	return hmac.Equal(want[:], mac[halfBytes:])
}
