package auth_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/auth"
	"github.com/tooltrail/tooltrail/sqlite"
)

func TestParseRole(t *testing.T) {
	tests := []struct {
		in       string
		want     auth.Role
		bindable bool
		wantErr  bool
	}{
		{"writer", auth.Writer, true, false},
		{"reader", auth.Reader, true, false},
		{"auditor", auth.Auditor, false, false},
		{"admin", auth.Admin, false, false},
		{"Admin", "", false, true}, // roles are exact
		{"root", "", false, true},
		{"", "", false, true},
	}
	for _, tt := range tests {
		got, err := auth.ParseRole(tt.in)
		var fe *tooltrail.FieldError
		if tt.wantErr {
			if !errors.As(err, &fe) || fe.Field != "role" || !errors.Is(err, tooltrail.ErrInvalidArgument) {
				t.Errorf("ParseRole(%q) error = %v, want a FieldError on role", tt.in, err)
			}
			continue
		}
		if err != nil || got != tt.want || got.Bindable() != tt.bindable {
			t.Errorf("ParseRole(%q) = %q (bindable %t), %v; want %q (bindable %t)", tt.in, got, got.Bindable(), err, tt.want, tt.bindable)
		}
	}
}

func TestNewSecret(t *testing.T) {
	s1, h1, err := auth.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	s2, _, err := auth.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	// tt_ and 256 bits in unpadded base64url: 43 characters.
	if !strings.HasPrefix(s1, "tt_") || len(s1) != 3+43 || strings.ContainsAny(s1, "+/=") || s1 == s2 {
		t.Errorf("secrets %q, %q: want distinct tt_ + 43 base64url characters", s1, s2)
	}
	tok := auth.Token{Hash: h1}
	if h1 != auth.HashSecret(s1) || !tok.Matches(s1) || tok.Matches(s2) || tok.Matches("") {
		t.Error("a secret does not match its own hash alone")
	}
}

func TestCheckName(t *testing.T) {
	tests := []struct {
		in       string
		optional bool
		wantErr  string
	}{
		{"agent-alice", false, ""},
		{"", true, ""},
		{"", false, "is required"},
		{strings.Repeat("n", 128), false, ""},
		{strings.Repeat("n", 129), false, "at most 128"},
		{" alice", false, "spaces at its ends"},
		{"alice\n", false, "spaces at its ends"},
		{"al\x00ice", false, "control character"},
		{"al\xffice", false, "invalid UTF-8"},
		{"ålice-ü", false, ""},
	}
	for _, tt := range tests {
		err := auth.CheckName("name", tt.in, tt.optional)
		if tt.wantErr == "" {
			if err != nil {
				t.Errorf("CheckName(%q) = %v, want nil", tt.in, err)
			}
			continue
		}
		var fe *tooltrail.FieldError
		if !errors.As(err, &fe) || fe.Field != "name" || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("CheckName(%q) = %v, want a FieldError on name saying %q", tt.in, err, tt.wantErr)
		}
	}
}

// TestAuthenticate checks secrets against a real store: a valid secret
// finds its token; an unknown one, a revoked one and a guess of another's
// hash prefix are all the same ErrUnauthenticated.
func TestAuthenticate(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, sqlite.Config{Path: filepath.Join(t.TempDir(), "log.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	secret, hash, err := auth.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.CreateToken(ctx, auth.Token{Name: "agent", Role: auth.Writer, User: "alice", Hash: hash, Created: time.Now().UTC()}); err != nil {
		t.Fatal(err)
	}
	tok, err := auth.Authenticate(ctx, store, secret)
	if err != nil || tok.Name != "agent" || tok.Role != auth.Writer || tok.User != "alice" {
		t.Fatalf("Authenticate(valid) = %+v, %v", tok, err)
	}
	other, _, _ := auth.NewSecret()
	for name, s := range map[string]string{"unknown": other, "empty": "", "prefix": secret[:20]} {
		if _, err := auth.Authenticate(ctx, store, s); !errors.Is(err, tooltrail.ErrUnauthenticated) {
			t.Errorf("Authenticate(%s) = %v, want ErrUnauthenticated", name, err)
		}
	}
	if _, err := store.RevokeToken(ctx, "agent", time.Now().UTC()); err != nil {
		t.Fatal(err)
	}
	if _, err := auth.Authenticate(ctx, store, secret); !errors.Is(err, tooltrail.ErrUnauthenticated) {
		t.Errorf("Authenticate(revoked) = %v, want ErrUnauthenticated", err)
	}
}

func TestLimiter(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	l := auth.NewLimiter(10, 3, clock) // 10 a second, 3 at once
	for i := range 3 {
		if ok, _ := l.Allow(1); !ok {
			t.Fatalf("request %d of a burst of 3 refused", i+1)
		}
	}
	ok, wait := l.Allow(1)
	if ok || wait <= 0 || wait > 100*time.Millisecond {
		t.Errorf("fourth request at once = %t, wait %v; want refused, wait up to 100 ms", ok, wait)
	}
	if ok, _ := l.Allow(2); !ok {
		t.Error("another token was limited by the first's requests")
	}
	now = now.Add(100 * time.Millisecond)
	if ok, _ := l.Allow(1); !ok {
		t.Error("refused after the wait it was told")
	}
	now = now.Add(time.Hour)
	for i := range 3 {
		if ok, _ := l.Allow(1); !ok {
			t.Fatalf("after an hour, request %d refused: the bucket holds more than its burst or refills too little", i+1)
		}
	}
	if ok, _ := l.Allow(1); ok {
		t.Error("an idle hour let more than the burst through")
	}
	var unlimited *auth.Limiter
	if ok, _ := unlimited.Allow(1); !ok {
		t.Error("a nil limiter limited")
	}
	if ok, _ := auth.NewLimiter(0, 1, clock).Allow(1); !ok {
		t.Error("rate 0 limited")
	}
}

func TestFailureLimiter(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	l := auth.NewFailureLimiter(1, 3, clock) // one failure a second, 3 at once
	const attacker = "203.0.113.9:40001"
	for i := range 3 {
		if ok, _ := l.Allow(attacker); !ok {
			t.Fatalf("try %d refused before the burst of failures was spent", i+1)
		}
		l.Failed(attacker)
	}
	tests := []struct {
		name   string
		remote string
		want   bool
	}{
		{"the same address", attacker, false},
		{"the same address, another port", "203.0.113.9:1", false},
		{"the same address without a port", "203.0.113.9", false},
		{"the same address mapped into IPv6", "[::ffff:203.0.113.9]:80", false},
		{"another IPv4 address", "203.0.113.10:40001", true},
	}
	for _, tt := range tests {
		if ok, wait := l.Allow(tt.remote); ok != tt.want || (!ok && (wait <= 0 || wait > time.Second)) {
			t.Errorf("%s: Allow(%q) = %t, wait %v; want %t (wait up to 1 s when refused)", tt.name, tt.remote, ok, wait, tt.want)
		}
	}

	v6 := auth.NewFailureLimiter(1, 1, clock)
	v6.Failed("[2001:db8:1:2::1]:443")
	if ok, _ := v6.Allow("[2001:db8:1:2:ffff::7]:443"); ok {
		t.Error("another address of the same IPv6 /64 was not limited")
	}
	if ok, _ := v6.Allow("[2001:db8:1:3::1]:443"); !ok {
		t.Error("an address of another IPv6 /64 was limited")
	}

	now = now.Add(time.Second)
	if ok, _ := l.Allow(attacker); !ok {
		t.Error("refused after a second refilled one failure")
	}
	l.Failed(attacker)
	if ok, _ := l.Allow(attacker); ok {
		t.Error("a refilled failure could be spent twice")
	}

	var off *auth.FailureLimiter
	off.Failed(attacker)
	if ok, _ := off.Allow(attacker); !ok {
		t.Error("a nil failure limiter limited")
	}
	zero := auth.NewFailureLimiter(0, 1, clock)
	for range 5 {
		zero.Failed(attacker)
	}
	if ok, _ := zero.Allow(attacker); !ok {
		t.Error("rate 0 limited")
	}
}
