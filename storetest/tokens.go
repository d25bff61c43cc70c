package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tooltrail/tooltrail"
	"github.com/tooltrail/tooltrail/auth"
)

// testTokens checks the token table: tokens come back as kept, by hash
// and in a list, names are never reused, and revocation sticks.
func testTokens(t *testing.T, open OpenFunc) {
	ctx := context.Background()
	s, ok := open(t).(auth.Store)
	if !ok {
		t.Fatal("the store does not keep tokens (auth.Store)")
	}
	created := start.Truncate(time.Microsecond)
	var made []auth.Token
	for _, tc := range []struct {
		name string
		role auth.Role
		user string
	}{{"ops", auth.Admin, ""}, {"agent-1", auth.Writer, "alice"}, {"auditor", auth.Auditor, ""}, {"dashboard", auth.Reader, ""}} {
		_, h, err := auth.NewSecret()
		if err != nil {
			t.Fatal(err)
		}
		tok, err := s.CreateToken(ctx, auth.Token{Name: tc.name, Role: tc.role, User: tc.user, Hash: h, Created: created})
		if err != nil {
			t.Fatalf("CreateToken(%s): %v", tc.name, err)
		}
		if tok.ID == 0 {
			t.Errorf("CreateToken(%s) gave no id", tc.name)
		}
		made = append(made, tok)
	}
	_, h, _ := auth.NewSecret()
	if _, err := s.CreateToken(ctx, auth.Token{Name: "ops", Role: auth.Reader, Hash: h, Created: created}); !errors.Is(err, tooltrail.ErrConflict) {
		t.Errorf("CreateToken of a name in use = %v, want ErrConflict", err)
	}
	for _, want := range made {
		got, err := s.TokenByHash(ctx, want.Hash)
		if err != nil || got != want {
			t.Errorf("TokenByHash(%s) = %+v, %v; want %+v", want.Name, got, err, want)
		}
	}
	if _, err := s.TokenByHash(ctx, auth.HashSecret("tt_nothing")); !errors.Is(err, tooltrail.ErrNotFound) {
		t.Errorf("TokenByHash of an unknown secret = %v, want ErrNotFound", err)
	}
	at := created.Add(time.Hour)
	rev, err := s.RevokeToken(ctx, "agent-1", at)
	if err != nil || !rev.Revoked.Equal(at) || rev.Active() {
		t.Fatalf("RevokeToken = %+v, %v", rev, err)
	}
	if got, err := s.TokenByHash(ctx, made[1].Hash); err != nil || got.Active() {
		t.Errorf("after revocation TokenByHash = %+v, %v; want it revoked", got, err)
	}
	if _, err := s.RevokeToken(ctx, "agent-1", at); !errors.Is(err, tooltrail.ErrConflict) {
		t.Errorf("RevokeToken twice = %v, want ErrConflict", err)
	}
	if _, err := s.RevokeToken(ctx, "nobody", at); !errors.Is(err, tooltrail.ErrNotFound) {
		t.Errorf("RevokeToken of no token = %v, want ErrNotFound", err)
	}
	if _, err := s.CreateToken(ctx, auth.Token{Name: "agent-1", Role: auth.Writer, Hash: h, Created: created}); !errors.Is(err, tooltrail.ErrConflict) {
		t.Errorf("CreateToken of a revoked token's name = %v, want ErrConflict", err)
	}
	list, err := s.Tokens(ctx)
	if err != nil || len(list) != 4 || list[0].Name != "ops" || list[1].Active() || !list[2].Active() {
		t.Errorf("Tokens = %+v, %v", list, err)
	}
}
