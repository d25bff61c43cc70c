package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/client"
)

// TestServe_makesTheFirstAdminToken starts serve on a new data directory:
// it writes an admin token to admin.token (0600), says so, records the
// creation, and makes no other on the next start.
func TestServe_makesTheFirstAdminToken(t *testing.T) {
	dir := t.TempDir()
	srv := startServerUnseeded(t, dir)
	path := filepath.Join(dir, adminTokenFileName)
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("admin.token: %v, mode %v; want 0600", err, fi.Mode())
	}
	if !strings.Contains(srv.stdout.String(), "written to "+path) {
		t.Errorf("serve did not say where the admin token is:\n%s", srv.stdout)
	}
	if n := srv.mustRun(t, "count").stdout; n != "1\n" {
		t.Errorf("count after the first start = %q, want 1 (the token's creation)", n)
	}
	e := decodeEntries(t, srv.mustRun(t, "query", "--json").stdout)
	if len(e) != 1 || e[0].ToolName != "tooltrail.token.create" || e[0].UserID != "serve" {
		t.Errorf("entries after the first start: %+v", e)
	}
	srv.stop(t)
	before, _ := os.ReadFile(path)
	srv = startServerUnseeded(t, dir)
	if after, _ := os.ReadFile(path); string(after) != string(before) || strings.Contains(srv.stdout.String(), "admin.token") {
		t.Error("the second start made another admin token")
	}
}

// startServerUnseeded is startServer on a data directory left as it is.
func startServerUnseeded(t *testing.T, dir string) *testServer {
	t.Helper()
	return startServer(t, dir, "--store", "sqlite:"+filepath.Join(dir, "tooltrail.db"))
}

// TestToken_lifecycle makes tokens on the store while a server runs, uses
// them, revokes one and sees it refused at the next request.
func TestToken_lifecycle(t *testing.T) {
	dir := t.TempDir()
	srv := startServer(t, dir)
	mk := func(args ...string) string {
		r := run(t, noEnv, "", append([]string{"token", "create", "--data", dir}, args...)...)
		if r.code != 0 {
			t.Fatalf("token create %v: exit %d %s", args, r.code, r.stderr)
		}
		secret := strings.TrimSpace(r.stdout)
		if !strings.HasPrefix(secret, "tt_") || len(secret) < 40 || !strings.Contains(r.stderr, "shown only now") {
			t.Fatalf("token create printed %q / %q", r.stdout, r.stderr)
		}
		return secret
	}
	writer := mk("--role", "writer", "--user", "alice", "--name", "agent-alice")
	reader := mk("--role", "reader", "--name", "auditor")
	as := func(secret string) *client.Client {
		c := client.New(srv.url)
		c.Token = secret
		return c
	}
	rc, err := as(writer).Record(t.Context(), tooltrail.Call{ToolName: "read_file"})
	if err != nil {
		t.Fatal(err)
	}
	e, err := as(reader).Entry(t.Context(), rc.ID)
	if err != nil || e.UserID != "alice" {
		t.Fatalf("the reader reads %+v, %v; want the entry recorded as alice", e, err)
	}
	if _, err := as(writer).Query(t.Context(), tooltrail.Filter{}); !errors.Is(err, tooltrail.ErrPermissionDenied) {
		t.Errorf("a writer's query = %v, want ErrPermissionDenied", err)
	}
	list := run(t, noEnv, "", "token", "list", "--data", dir)
	for _, want := range []string{"agent-alice  writer  alice", "auditor      reader  -"} {
		if !strings.Contains(list.stdout, want) {
			t.Errorf("token list lacks %q:\n%s", want, list.stdout)
		}
	}
	if strings.Contains(list.stdout, "tt_") {
		t.Error("token list shows a secret")
	}
	if r := run(t, noEnv, "", "token", "revoke", "--data", dir, "--name", "auditor"); r.code != 0 {
		t.Fatalf("revoke: %d %s", r.code, r.stderr)
	}
	if _, err := as(reader).Entry(t.Context(), rc.ID); !errors.Is(err, tooltrail.ErrUnauthenticated) {
		t.Errorf("a revoked token's request = %v, want ErrUnauthenticated", err)
	}
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"token", "create", "--data", dir, "--role", "root"}, exitUsage, "--role"},
		{[]string{"token", "create", "--data", dir, "--role", "admin", "--user", "bob"}, exitUsage, "--user binds"},
		{[]string{"token", "create", "--data", dir, "--role", "reader", "--name", "auditor"}, exitFailure, "never reused"},
		{[]string{"token", "create", "--data", dir, "--role", "reader", "--name", " spaced "}, exitFailure, "name"},
		{[]string{"token", "revoke", "--data", dir, "--name", "nobody"}, exitFailure, "no token named"},
		{[]string{"token", "revoke", "--data", dir}, exitUsage, "--name is required"},
		{[]string{"token", "rotate"}, exitUsage, "token create, token list or token revoke"},
		{[]string{"token", "create", "--data", filepath.Join(dir, "typo"), "--role", "writer"}, exitFailure, "give --new"},
	} {
		if r := run(t, noEnv, "", tt.args...); r.code != tt.code || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("%v = exit %d %q; want %d saying %q", tt.args, r.code, r.stderr, tt.code, tt.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "typo")); !os.IsNotExist(err) {
		t.Errorf("token create without --new made a data directory: %v", err)
	}
	fresh := filepath.Join(t.TempDir(), "new")
	if r := run(t, noEnv, "", "token", "create", "--data", fresh, "--new", "--role", "writer"); r.code != 0 || !strings.HasPrefix(r.stdout, "tt_") {
		t.Errorf("token create --new = exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	// Each change of tokens is an entry of the log, under the account that
	// made it.
	var tools []string
	for _, e := range decodeEntries(t, srv.mustRun(t, "query", "--json", "--all").stdout) {
		if strings.HasPrefix(e.ToolName, "tooltrail.token.") {
			tools = append(tools, e.ToolName)
			if !strings.HasPrefix(e.UserID, "cli") {
				t.Errorf("entry %d of a token change is of user %q, want cli:<account>", e.ID, e.UserID)
			}
		}
	}
	if strings.Join(tools, ",") != "tooltrail.token.revoke,tooltrail.token.create,tooltrail.token.create" {
		t.Errorf("token entries %v", tools)
	}
}

// TestServe_TLS serves HTTPS beyond loopback and checks that plain HTTP
// there gets a warning.
func TestServe_TLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, pool := selfSigned(t, dir)
	srv := startServer(t, dir, "--tls-cert", certFile, "--tls-key", keyFile)
	if !strings.HasPrefix(srv.url, "https://") {
		t.Fatalf("serve with TLS says %s", srv.url)
	}
	c := srv.client(t)
	c.HTTPClient = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	if _, err := c.Record(t.Context(), tooltrail.Call{ToolName: "over_tls"}); err != nil {
		t.Fatalf("record over TLS: %v", err)
	}
	// Every answer over TLS, of the API and of the UI, pins the browser to it.
	for _, path := range []string{"/healthz", "/v1/entries", "/signin"} {
		resp, err := c.HTTPClient.Get(srv.url + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Strict-Transport-Security"); got != "max-age=31536000" {
			t.Errorf("GET %s over TLS: Strict-Transport-Security %q, want max-age=31536000", path, got)
		}
	}
	srv.stop(t)

	plain := startServer(t, t.TempDir(), "--addr", "0.0.0.0:0")
	if !strings.Contains(plain.stderr.String(), "warning: serving plain HTTP") {
		t.Errorf("no warning for plain HTTP beyond loopback:\n%s", plain.stderr)
	}
	loop := startServer(t, t.TempDir())
	if strings.Contains(loop.stderr.String(), "warning") {
		t.Errorf("a warning on loopback:\n%s", loop.stderr)
	}
}

// selfSigned writes a certificate for 127.0.0.1 and its key to dir.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "tooltrail test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// TestExport_command exports through a real server, to stdout and a file.
func TestExport_command(t *testing.T) {
	srv := startServer(t, t.TempDir())
	for _, tool := range []string{"a", "b", "a"} {
		srv.mustRun(t, "record", "--tool", tool)
	}
	out := srv.mustRun(t, "export", "--tool", "a").stdout
	if strings.Count(out, "\n") != 2 || !strings.Contains(out, `"tool_name":"a"`) {
		t.Errorf("export --tool a: %q", out)
	}
	file := filepath.Join(t.TempDir(), "all.csv")
	srv.mustRun(t, "export", "--format", "csv", "--output", file)
	b, err := os.ReadFile(file)
	if err != nil || strings.Count(string(b), "\n") != 4 || !strings.HasPrefix(string(b), "id,timestamp,tool_name") {
		t.Errorf("export --format csv: %q, %v", b, err)
	}
	if r := srv.run(t, "export", "--format", "xml"); r.code != exitUsage {
		t.Errorf("export --format xml: exit %d", r.code)
	}
}
