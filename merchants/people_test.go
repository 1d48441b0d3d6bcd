package merchants_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sapqr/sapqr/merchants"
	"github.com/sapqr/sapqr/merchants/gormstore"
	mt "github.com/sapqr/sapqr/merchants/merchantstest"
)

// TestWhoManagesWhom: creating a user, for every role of the caller and
// every role and scope granted, worked out by hand from DESIGN.md "Who
// manages users": an admin anyone; a province officer (province A) commune
// officers and members of communes of A; a commune officer (commune A1)
// members of A1. Granting one's own role or above, or a scope outside
// one's own, is refused with ErrForbidden.
func TestWhoManagesWhom(t *testing.T) {
	var (
		ok        error
		forbidden = merchants.ErrForbidden
	)
	admin := mt.Admin()
	prov := mt.ProvinceOfficer(mt.ProvinceA)
	comm := mt.CommuneOfficer(mt.CommuneA1)
	mem := mt.Member(mt.CommuneA1)
	type grant struct {
		name     string
		role     merchants.Role
		province string
		communes []string
	}
	grants := []grant{
		{"admin", merchants.RoleAdmin, "", nil},
		{"province A", merchants.RoleProvince, mt.ProvinceA, nil},
		{"province B", merchants.RoleProvince, mt.ProvinceB, nil},
		{"commune officer A1", merchants.RoleCommune, "", []string{mt.CommuneA1}},
		{"commune officer A2", merchants.RoleCommune, "", []string{mt.CommuneA2}},
		{"commune officer B1", merchants.RoleCommune, "", []string{mt.CommuneB1}},
		{"member A1", merchants.RoleMember, "", []string{mt.CommuneA1}},
		{"member A1+A2", merchants.RoleMember, "", []string{mt.CommuneA1, mt.CommuneA2}},
		{"member A1+B1", merchants.RoleMember, "", []string{mt.CommuneA1, mt.CommuneB1}},
		{"member B1", merchants.RoleMember, "", []string{mt.CommuneB1}},
	}
	tests := []struct {
		actor merchants.Actor
		want  []error // one per grant, in order
	}{
		{admin, []error{ok, ok, ok, ok, ok, ok, ok, ok, ok, ok}},
		{prov, []error{forbidden, forbidden, forbidden, ok, ok, forbidden, ok, ok, forbidden, forbidden}},
		{comm, []error{forbidden, forbidden, forbidden, forbidden, forbidden, forbidden, ok, forbidden, forbidden, forbidden}},
		{mem, []error{forbidden, forbidden, forbidden, forbidden, forbidden, forbidden, forbidden, forbidden, forbidden, forbidden}},
	}
	eachDB(t, func(t *testing.T, s *merchants.Service, st *gormstore.Store) {
		ctx := context.Background()
		n := 0
		for _, tt := range tests {
			for i, g := range grants {
				n++
				name := string(tt.actor.Role) + " grants " + g.name
				in := merchants.CreateUserInput{Username: "user" + strconv.Itoa(n), Password: "mật khẩu dài đủ", Role: g.role,
					ProvinceCode: g.province, CommuneCodes: g.communes}
				_, err := s.CreateUser(ctx, tt.actor, in)
				if want := tt.want[i]; want == nil && err != nil || want != nil && !errors.Is(err, want) {
					t.Errorf("%s: %v, want %v", name, err, want)
				}
			}
		}
	})
}

// TestManageUsers: reads, changes, resets and lists keep to the users one
// manages; outside them a read or change is 404; a change that would
// grant beyond one's own is 403; nobody changes their own role or state.
func TestManageUsers(t *testing.T) {
	eachDB(t, func(t *testing.T, s *merchants.Service, st *gormstore.Store) {
		ctx := context.Background()
		mk := func(name string, role merchants.Role, communes ...string) merchants.User {
			u, err := s.CreateUser(ctx, mt.Admin(), merchants.CreateUserInput{Username: name, Password: "mật khẩu dài đủ",
				Role: role, CommuneCodes: communes})
			if err != nil {
				t.Fatal(err)
			}
			return u
		}
		offA1 := mk("off.a1", merchants.RoleCommune, mt.CommuneA1)
		memA1 := mk("mem.a1", merchants.RoleMember, mt.CommuneA1)
		memA2 := mk("mem.a2", merchants.RoleMember, mt.CommuneA2)
		memB1 := mk("mem.b1", merchants.RoleMember, mt.CommuneB1)
		comm := offA1.Actor()
		prov := mt.ProvinceOfficer(mt.ProvinceA)
		prov.UserID = 1000 // no user of this test
		member := merchants.RoleMember
		commune := merchants.RoleCommune
		admin := merchants.RoleAdmin
		no := false
		tests := []struct {
			name string
			call func() error
			want error
		}{
			{"commune officer reads its member", func() error { _, err := s.User(ctx, comm, memA1.ID); return err }, nil},
			{"commune officer reads a member elsewhere", func() error { _, err := s.User(ctx, comm, memA2.ID); return err }, merchants.ErrNotFound},
			{"commune officer reads itself", func() error { _, err := s.User(ctx, comm, offA1.ID); return err }, nil},
			{"commune officer disables its member", func() error {
				_, err := s.UpdateUser(ctx, comm, memA1.ID, merchants.UpdateUserInput{Active: &no})
				return err
			}, nil},
			{"commune officer disables a member elsewhere", func() error {
				_, err := s.UpdateUser(ctx, comm, memA2.ID, merchants.UpdateUserInput{Active: &no})
				return err
			}, merchants.ErrNotFound},
			{"commune officer promotes its member to commune officer", func() error {
				_, err := s.UpdateUser(ctx, comm, memA1.ID, merchants.UpdateUserInput{Role: &commune})
				return err
			}, merchants.ErrForbidden},
			{"commune officer moves its member out of its communes", func() error {
				_, err := s.UpdateUser(ctx, comm, memA1.ID, merchants.UpdateUserInput{CommuneCodes: &[]string{mt.CommuneA2}})
				return err
			}, merchants.ErrForbidden},
			{"commune officer disables itself", func() error {
				_, err := s.UpdateUser(ctx, comm, offA1.ID, merchants.UpdateUserInput{Active: &no})
				return err
			}, merchants.ErrForbidden},
			{"province officer demotes a commune officer of its province", func() error {
				_, err := s.UpdateUser(ctx, prov, offA1.ID, merchants.UpdateUserInput{Role: &member})
				return err
			}, nil},
			{"province officer makes someone admin", func() error {
				_, err := s.UpdateUser(ctx, prov, memA2.ID, merchants.UpdateUserInput{Role: &admin, CommuneCodes: &[]string{}})
				return err
			}, merchants.ErrForbidden},
			{"province officer resets a member of another province", func() error { _, err := s.ResetPassword(ctx, prov, memB1.ID); return err }, merchants.ErrNotFound},
			{"member resets a member", func() error { _, err := s.ResetPassword(ctx, mt.Member(mt.CommuneA2), memA2.ID); return err }, merchants.ErrNotFound},
		}
		for _, tt := range tests {
			if err := tt.call(); tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
			}
		}
		for _, tt := range []struct {
			name  string
			actor merchants.Actor
			want  []string
		}{
			{"admin", mt.Admin(), []string{"mem.a1", "mem.a2", "mem.b1", "off.a1"}},
			{"province A", prov, []string{"mem.a1", "mem.a2", "off.a1"}},
			{"commune officer A1 (now a member)", mt.CommuneOfficer(mt.CommuneA1), []string{"mem.a1", "off.a1"}},
			{"member", mt.Member(mt.CommuneA1), nil},
		} {
			page, err := s.ListUsers(ctx, tt.actor, merchants.UserFilter{Q: ""})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, u := range page.Users {
				got = append(got, u.Username)
			}
			slices.Sort(got)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%s lists (-want +got):\n%s", tt.name, diff)
			}
		}
	})
}

// TestActivationAndReset: a user created without a password logs in only
// after setting one through the link, which works once; a reset ends the
// sessions and the old password; changing one's own password needs the
// current one.
func TestActivationAndReset(t *testing.T) {
	eachDB(t, func(t *testing.T, s *merchants.Service, st *gormstore.Store) {
		ctx := context.Background()
		c, err := s.AddUser(ctx, mt.CommuneOfficer(mt.CommuneA1), merchants.CreateUserInput{Username: "hoa", DisplayName: "Hoa",
			Role: merchants.RoleMember, CommuneCodes: []string{mt.CommuneA1}, Phone: "0912 345 678"})
		if err != nil {
			t.Fatal(err)
		}
		if c.Activation == nil || c.User.Phone != "0912345678" {
			t.Fatalf("created %+v", c)
		}
		if d := c.Activation.ExpiresAt.Sub(c.User.CreatedAt); d.Round(time.Minute) != 7*24*time.Hour {
			t.Errorf("activation valid %v, want 7 days", d)
		}
		if _, err := s.Login(ctx, "hoa", ""); !errors.Is(err, merchants.ErrUnauthenticated) {
			t.Errorf("login before activation: %v", err)
		}
		if _, err := s.Activate(ctx, c.Activation.Token, "hoa"); fieldsOf(err) != "password" {
			t.Errorf("activate with a short password: %v", err)
		}
		if _, err := s.Activate(ctx, c.Activation.Token, "rau muống xào tỏi"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Activate(ctx, c.Activation.Token, "rau muống xào tỏi 2"); !errors.Is(err, merchants.ErrNotFound) {
			t.Errorf("second use of the link: %v", err)
		}
		login, err := s.Login(ctx, "hoa", "rau muống xào tỏi")
		if err != nil {
			t.Fatal(err)
		}
		act, err := s.ResetPassword(ctx, mt.CommuneOfficer(mt.CommuneA1), c.User.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, login.Token); !errors.Is(err, merchants.ErrUnauthenticated) {
			t.Errorf("session after reset: %v", err)
		}
		if _, err := s.Login(ctx, "hoa", "rau muống xào tỏi"); !errors.Is(err, merchants.ErrUnauthenticated) {
			t.Errorf("old password after reset: %v", err)
		}
		if _, err := s.Activate(ctx, act.Token, "canh chua cá lóc"); err != nil {
			t.Fatal(err)
		}
		login, err = s.Login(ctx, "hoa", "canh chua cá lóc")
		if err != nil {
			t.Fatal(err)
		}
		other, _ := s.Login(ctx, "hoa", "canh chua cá lóc")
		a := login.User.Actor()
		if err := s.ChangePassword(ctx, a, login.Token, "wrong one!!", "bánh mì thịt nướng"); fieldsOf(err) != "current_password" {
			t.Errorf("wrong current password: %v", err)
		}
		if err := s.ChangePassword(ctx, a, login.Token, "canh chua cá lóc", "1234567890"); fieldsOf(err) != "new_password" {
			t.Errorf("common new password: %v", err)
		}
		if err := s.ChangePassword(ctx, a, login.Token, "canh chua cá lóc", "bánh mì thịt nướng"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, login.Token); err != nil {
			t.Errorf("own session after a change: %v", err)
		}
		if _, err := s.Authenticate(ctx, other.Token); !errors.Is(err, merchants.ErrUnauthenticated) {
			t.Errorf("other session after a change: %v", err)
		}
	})
}

// fieldsOf returns the fields of a *ValidationError, joined by commas.
func fieldsOf(err error) string {
	var ve *merchants.ValidationError
	if !errors.As(err, &ve) {
		return ""
	}
	out := ""
	for i, f := range ve.Fields {
		if i > 0 {
			out += ","
		}
		out += f.Field
	}
	return out
}
