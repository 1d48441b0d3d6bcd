package merchants_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/sapqr/sapqr/merchants"
	mt "github.com/sapqr/sapqr/merchants/merchantstest"
)

// TestAuthenticateReadDuringOutage: with the database gone, a token this
// replica checked lately still serves reads, for OutageGrace after it was
// last checked, and never changes; an unknown token and a logged-out one
// are refused.
func TestAuthenticateReadDuringOutage(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	cfg := mt.Config()
	cfg.Now = func() time.Time { return now }
	st := mt.NewStore(t)
	s := merchants.NewService(st, cfg)
	login := func(name string) string {
		t.Helper()
		if _, err := s.CreateUser(ctx, mt.Admin(), merchants.CreateUserInput{Username: name, Password: "quả chuối xanh 2026",
			DisplayName: name, Role: merchants.RoleMember, CommuneCodes: []string{mt.CommuneA1}}); err != nil {
			t.Fatal(err)
		}
		res, err := s.Login(ctx, name, "quả chuối xanh 2026")
		if err != nil {
			t.Fatal(err)
		}
		return res.Token
	}
	seen, unseen, out := login("lan"), login("minh"), login("hoa")
	for _, tok := range []string{seen, out} {
		if _, err := s.AuthenticateRead(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Logout(ctx, out); err != nil {
		t.Fatal(err)
	}

	st.Close() // every database call now fails as unavailable
	now = now.Add(merchants.OutageGrace - time.Second)
	if a, err := s.AuthenticateRead(ctx, seen); err != nil || a.Username != "lan" {
		t.Errorf("a read within the grace: %+v, %v; want lan", a, err)
	}
	if _, err := s.Authenticate(ctx, seen); !errors.Is(err, merchants.ErrUnavailable) {
		t.Errorf("a change's authentication during the outage: %v; want ErrUnavailable", err)
	}
	for name, tok := range map[string]string{"never checked here": unseen, "logged out": out} {
		if _, err := s.AuthenticateRead(ctx, tok); err == nil {
			t.Errorf("%s: a read during the outage was let in", name)
		}
	}
	now = now.Add(time.Second)
	if _, err := s.AuthenticateRead(ctx, seen); !errors.Is(err, merchants.ErrUnavailable) {
		t.Errorf("a read once the grace is over: %v; want ErrUnavailable", err)
	}
}
