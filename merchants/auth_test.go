package merchants_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sapqr/sapqr/merchants"
	"github.com/sapqr/sapqr/merchants/gormstore"
	mt "github.com/sapqr/sapqr/merchants/merchantstest"
)

func TestUsersAndSessions(t *testing.T) {
	eachDB(t, func(t *testing.T, s *merchants.Service, st *gormstore.Store) {
		ctx := context.Background()
		u, err := s.CreateUser(ctx, mt.Admin(), merchants.CreateUserInput{Username: "Lan.Member", Password: "mật khẩu dài", DisplayName: "Lan",
			Role: merchants.RoleMember, CommuneCodes: []string{mt.CommuneA1, mt.CommuneA2, mt.CommuneA1}})
		if err != nil {
			t.Fatal(err)
		}
		if u.Username != "lan.member" || !cmp.Equal(u.CommuneCodes, []string{mt.CommuneA1, mt.CommuneA2}) {
			t.Errorf("user %+v", u)
		}
		_, err = s.CreateUser(ctx, mt.Admin(), merchants.CreateUserInput{Username: "lan.member", Password: "another long one", Role: merchants.RoleAdmin})
		if !errors.Is(err, merchants.ErrConflict) {
			t.Errorf("same username: %v", err)
		}
		_, err = s.CreateUser(ctx, mt.Admin(), merchants.CreateUserInput{Username: "x", Password: "short", Role: "boss", CommuneCodes: []string{"x"}})
		if diff := cmp.Diff([]string{"username", "role", "password"}, fields(t, err)); diff != "" {
			t.Error(diff)
		}
		_, err = s.CreateUser(ctx, mt.Admin(), merchants.CreateUserInput{Username: "prov", Password: "long enough pw", Role: merchants.RoleProvince})
		if diff := cmp.Diff([]string{"province_code"}, fields(t, err)); diff != "" {
			t.Error(diff)
		}

		for _, tt := range []struct{ name, user, pass string }{
			{"wrong password", "lan.member", "mật khẩu sai"},
			{"unknown user", "nobody", "mật khẩu dài"},
		} {
			if _, err := s.Login(ctx, tt.user, tt.pass); !errors.Is(err, merchants.ErrUnauthenticated) {
				t.Errorf("%s: %v", tt.name, err)
			}
		}
		res, err := s.Login(ctx, "LAN.MEMBER", "mật khẩu dài")
		if err != nil {
			t.Fatal(err)
		}
		actor, err := s.Authenticate(ctx, res.Token)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(u.Actor(), actor); diff != "" {
			t.Errorf("actor (-want +got):\n%s", diff)
		}
		if _, err := s.Authenticate(ctx, res.Token+"x"); !errors.Is(err, merchants.ErrUnauthenticated) {
			t.Errorf("altered token: %v", err)
		}
		if err := s.Logout(ctx, res.Token); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, res.Token); !errors.Is(err, merchants.ErrUnauthenticated) {
			t.Errorf("token after logout: %v", err)
		}
	})
}

func TestSessionExpiry(t *testing.T) {
	mt.OnEachDatabase(t, func(t *testing.T, db string) {
		t.Parallel()
		ctx := context.Background()
		now := time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC)
		cfg := mt.Config()
		cfg.Now = func() time.Time { return now }
		cfg.SessionTTL = time.Hour
		s := merchants.NewService(mt.NewStoreOn(t, db), cfg)
		if _, err := s.CreateUser(ctx, mt.Admin(), merchants.CreateUserInput{Username: "an.officer", Password: "mật khẩu dài", Role: merchants.RoleProvince, ProvinceCode: "01"}); err != nil {
			t.Fatal(err)
		}
		res, err := s.Login(ctx, "an.officer", "mật khẩu dài")
		if err != nil {
			t.Fatal(err)
		}
		if !res.ExpiresAt.Equal(now.Add(time.Hour)) {
			t.Errorf("expires at %v", res.ExpiresAt)
		}
		now = now.Add(59 * time.Minute)
		if a, err := s.Authenticate(ctx, res.Token); err != nil || a.ProvinceCode != "01" {
			t.Errorf("before expiry: %+v, %v", a, err)
		}
		now = now.Add(time.Minute)
		if _, err := s.Authenticate(ctx, res.Token); !errors.Is(err, merchants.ErrUnauthenticated) {
			t.Errorf("at expiry: %v", err)
		}
		if n, err := s.PurgeSessions(ctx); err != nil || n != 0 {
			t.Errorf("purge at the expiry instant: %d, %v; want nothing purged", n, err)
		}
		now = now.Add(time.Second)
		if n, err := s.PurgeSessions(ctx); err != nil || n != 1 {
			t.Errorf("purge after expiry: %d, %v; want 1", n, err)
		}
	})
}
