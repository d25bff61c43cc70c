package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/tooltrail/tooltrail"
	"golang.org/x/mod/sumdb/note"
)

// Files of the data directory besides the SQLite store.
const (
	// keyFileName holds the log's signing key and its verifier key, one a
	// line, mode 0600. It never goes into the store: whoever can write the
	// store must not be able to sign.
	keyFileName = "log.key"
	// checkpointFileName holds the latest checkpoint this server signed.
	checkpointFileName = "checkpoint"
)

// defaultOrigin is the origin of a log whose key is made without --origin:
// as C2SP tlog-tiles recommends, the log's URL prefix without the scheme,
// as far as serve can know it from the address it listens on (addr) and
// whether it serves TLS. A loopback or wildcard host becomes the
// machine's name; the port is left out when it is the scheme's own, or 0.
func defaultOrigin(addr string, tls bool) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		host, port = addr, ""
	}
	if ip := net.ParseIP(host); host == "" || host == "localhost" || (ip != nil && (ip.IsLoopback() || ip.IsUnspecified())) {
		h, err := os.Hostname()
		if err != nil || h == "" || strings.ContainsAny(h, "+ \t\n/") {
			h = "localhost"
		}
		host = h
	}
	if port == "" || port == "0" || (tls && port == "443") || (!tls && port == "80") {
		if strings.Contains(host, ":") { // an IPv6 address, bracketed as in a URL
			return "[" + host + "]"
		}
		return host
	}
	return net.JoinHostPort(host, port)
}

// logKey is the log's key as note encodes it.
type logKey struct {
	signer, verifier string
	origin           string
}

// loadOrCreateKey reads the key in dir, or makes one for origin (default
// the given fallback) when there is none and says so with created. Errors: a
// key file others can read; a file that holds no key; an origin other
// than the key's (a log's origin never changes); I/O errors.
func loadOrCreateKey(dir, origin, fallback string) (k logKey, created bool, err error) {
	path := filepath.Join(dir, keyFileName)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if origin == "" {
			origin = fallback
		}
		k.signer, k.verifier, err = tooltrail.GenerateKey(origin)
		if err != nil {
			return k, false, usagef("--origin: %v", err)
		}
		k.origin = origin
		return k, true, writeKeyFile(path, k)
	}
	if err != nil {
		return k, false, fmt.Errorf("read key: %w", err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return k, false, fmt.Errorf("read key: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return k, false, fmt.Errorf("the key file %s can be read by others (mode %04o): make it 0600 (chmod 600)", path, fi.Mode().Perm())
	}
	if k, err = parseKeyFile(b); err != nil {
		return k, false, fmt.Errorf("%s: %w", path, err)
	}
	if origin != "" && origin != k.origin {
		return k, false, usagef("--origin %q differs from the origin %q of the key in %s: a log's origin never changes (move the key away only to start a new log)", origin, k.origin, path)
	}
	return k, false, nil
}

// parseKeyFile reads the two lines of a key file and checks that they are
// one key.
func parseKeyFile(b []byte) (logKey, error) {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 2 {
		return logKey{}, errors.New("not a tooltrail key file: want a signer key line and a verifier key line")
	}
	k := logKey{signer: strings.TrimSpace(lines[0]), verifier: strings.TrimSpace(lines[1])}
	s, err := note.NewSigner(k.signer)
	if err != nil {
		return logKey{}, fmt.Errorf("signer key: %w", err)
	}
	v, err := note.NewVerifier(k.verifier)
	if err != nil {
		return logKey{}, fmt.Errorf("verifier key: %w", err)
	}
	if s.Name() != v.Name() || s.KeyHash() != v.KeyHash() {
		return logKey{}, errors.New("the signer and verifier keys are not one key")
	}
	k.origin = s.Name()
	return k, nil
}

// writeKeyFile creates the key file with mode 0600; it never replaces one.
func writeKeyFile(path string, k logKey) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("create key: %w", err)
	}
	_, err = fmt.Fprintf(f, "%s\n%s\n", k.signer, k.verifier)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("create key: %w", err)
	}
	return nil
}

// readVerifierKey returns the verifier key of the key file in dir.
func readVerifierKey(dir string) (string, error) {
	path := filepath.Join(dir, keyFileName)
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read the log's key: %w (give --key, the verifier key serve printed)", err)
	}
	k, err := parseKeyFile(b)
	if err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return k.verifier, nil
}

// readCheckpointFile returns the signed checkpoint in the file at path,
// or nil when there is none.
func readCheckpointFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read checkpoint: %w", err)
	}
	return b, nil
}

// writeCheckpointFile replaces the file at path with a signed checkpoint,
// atomically: a reader sees the old one or the new one, never part of one.
func writeCheckpointFile(path string, signed []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write checkpoint: %w", err)
	}
	_, err = tmp.Write(signed)
	if err == nil {
		err = tmp.Chmod(0o644)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write checkpoint %s: %w", path, err)
	}
	return nil
}

// redactKeyFileName holds the key of the redaction markers' MACs, beside
// the signing key: 32 random bytes in hex, mode 0600. The servers of one
// log share it, so that equal secrets give equal markers on all of them.
const redactKeyFileName = "redact.key"

// loadOrCreateRedactKey reads the redaction key in dir, or makes one.
// Errors: a key file others can read, or that holds no key; I/O errors.
func loadOrCreateRedactKey(dir string) ([]byte, error) {
	path := filepath.Join(dir, redactKeyFileName)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		key := make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, fmt.Errorf("make the redaction key: %w", err)
		}
		if err := writeSecretFile(path, hex.EncodeToString(key)); err != nil {
			return nil, fmt.Errorf("write the redaction key: %w", err)
		}
		return key, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the redaction key: %w", err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("the redaction key %s can be read by others, or not at all: make it 0600 (chmod 600)", path)
	}
	key, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(key) < 16 {
		return nil, fmt.Errorf("%s does not hold a redaction key (hex, at least 16 bytes)", path)
	}
	return key, nil
}
