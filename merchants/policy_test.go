package merchants_test

import (
	"context"
	"errors"
	"testing"

	"github.com/sapqr/sapqr/merchants"
	"github.com/sapqr/sapqr/merchants/gormstore"
	mt "github.com/sapqr/sapqr/merchants/merchantstest"
)

// The permissions in the order of the columns of the tables below.
var permissions = []merchants.Permission{
	merchants.PermRead,
	merchants.PermRegister,
	merchants.PermManageMarkets,
	merchants.PermDeactivateVendors,
	merchants.PermManageTargets,
	merchants.PermManageUsers,
	merchants.PermSeeAccountNumbers,
}

// TestAuthorize checks the answers worked out by hand from DESIGN.md
// "Contract details": member registers and edits vendors, stalls and bank
// accounts, prints signs and confirms payments in its communes; commune
// adds markets, deactivating vendors, targets and reports in its communes;
// province reads its province and sets targets, no vendor edits; admin may
// do everything. Full account numbers go to the roles that register
// accounts (member, commune, admin). Outside the scope a read is 404
// (ErrNotFound) and a write 403 (ErrForbidden).
//
// DESIGN.md "Who manages users" lets province officers manage the commune
// officers and members of their province, and commune officers the members
// of their communes: both hold manage users in their area; which user and
// which role they may grant is Service.manages' (people_test.go).
func TestAuthorize(t *testing.T) {
	var (
		ok        error // allowed
		notFound  = merchants.ErrNotFound
		forbidden = merchants.ErrForbidden
	)
	var (
		admin    = merchants.Actor{UserID: 1, Role: merchants.RoleAdmin}
		province = merchants.Actor{UserID: 2, Role: merchants.RoleProvince, ProvinceCode: "01"}
		commune  = merchants.Actor{UserID: 3, Role: merchants.RoleCommune, CommuneCodes: []string{"00004"}}
		member   = merchants.Actor{UserID: 4, Role: merchants.RoleMember, CommuneCodes: []string{"00004", "00008"}}
	)
	var (
		own           = merchants.Unit{ProvinceCode: "01", CommuneCode: "00004"}
		memberSecond  = merchants.Unit{ProvinceCode: "01", CommuneCode: "00008"}
		neighbour     = merchants.Unit{ProvinceCode: "01", CommuneCode: "00010"}
		wholeProvince = merchants.Unit{ProvinceCode: "01"}
		elsewhere     = merchants.Unit{ProvinceCode: "79", CommuneCode: "26734"}
	)
	// outside is the answer of every role outside its scope.
	outside := [7]error{notFound, forbidden, forbidden, forbidden, forbidden, forbidden, forbidden}
	tests := []struct {
		name  string
		actor merchants.Actor
		unit  merchants.Unit
		// want: read, register, manage markets, deactivate vendors,
		// manage targets, manage users, see account numbers.
		want [7]error
	}{
		{"admin/own commune", admin, own, [7]error{ok, ok, ok, ok, ok, ok, ok}},
		{"admin/whole province", admin, wholeProvince, [7]error{ok, ok, ok, ok, ok, ok, ok}},
		{"admin/other province", admin, elsewhere, [7]error{ok, ok, ok, ok, ok, ok, ok}},
		{"admin/no unit", admin, merchants.Unit{}, [7]error{ok, ok, ok, ok, ok, ok, ok}},

		{"province/a commune of its province", province, own, [7]error{ok, forbidden, forbidden, forbidden, ok, ok, forbidden}},
		{"province/another commune of its province", province, neighbour, [7]error{ok, forbidden, forbidden, forbidden, ok, ok, forbidden}},
		{"province/its whole province", province, wholeProvince, [7]error{ok, forbidden, forbidden, forbidden, ok, ok, forbidden}},
		{"province/other province", province, elsewhere, outside},
		{"province/no unit", province, merchants.Unit{}, outside},
		{"province without a province code", merchants.Actor{UserID: 5, Role: merchants.RoleProvince}, merchants.Unit{}, outside},

		{"commune/its commune", commune, own, [7]error{ok, ok, ok, ok, ok, ok, ok}},
		{"commune/another commune of its province", commune, neighbour, outside},
		{"commune/its whole province", commune, wholeProvince, outside},
		{"commune/other province", commune, elsewhere, outside},

		{"member/its first commune", member, own, [7]error{ok, ok, forbidden, forbidden, forbidden, forbidden, ok}},
		{"member/its second commune", member, memberSecond, [7]error{ok, ok, forbidden, forbidden, forbidden, forbidden, ok}},
		{"member/another commune of its province", member, neighbour, outside},
		{"member/its whole province", member, wholeProvince, outside},
		{"member/other province", member, elsewhere, outside},
	}
	for _, tt := range tests {
		for i, p := range permissions {
			t.Run(tt.name+"/"+p.String(), func(t *testing.T) {
				err, want := merchants.Authorize(tt.actor, p, tt.unit), tt.want[i]
				if want == nil && err != nil || want != nil && !errors.Is(err, want) {
					t.Errorf("Authorize(%s, %s, %+v) = %v, want %v", tt.actor.Role, p, tt.unit, err, want)
				}
			})
		}
	}
	t.Run("nobody", func(t *testing.T) {
		for _, p := range permissions {
			if err := merchants.Authorize(merchants.Actor{}, p, own); !errors.Is(err, merchants.ErrUnauthenticated) {
				t.Errorf("zero actor, %s: %v, want ErrUnauthenticated", p, err)
			}
		}
	})
}

// TestCan checks which permissions each role holds somewhere, whatever
// the unit, worked out by hand like TestAuthorize.
func TestCan(t *testing.T) {
	tests := []struct {
		role merchants.Role
		// want: read, register, manage markets, deactivate vendors,
		// manage targets, manage users, see account numbers.
		want [7]bool
	}{
		{merchants.RoleAdmin, [7]bool{true, true, true, true, true, true, true}},
		{merchants.RoleProvince, [7]bool{true, false, false, false, true, true, false}},
		{merchants.RoleCommune, [7]bool{true, true, true, true, true, true, true}},
		{merchants.RoleMember, [7]bool{true, true, false, false, false, false, true}},
		{"", [7]bool{}},
		{"owner", [7]bool{}},
	}
	for _, tt := range tests {
		a := merchants.Actor{UserID: 1, Role: tt.role}
		for i, p := range permissions {
			if got := a.Can(p); got != tt.want[i] {
				t.Errorf("role %q Can(%s) = %v, want %v", tt.role, p, got, tt.want[i])
			}
		}
	}
}

func TestScope(t *testing.T) {
	eachDB(t, func(t *testing.T, s *merchants.Service, st *gormstore.Store) {
		ctx := context.Background()
		mA := mt.Market(t, s, mt.CommuneA1, 5)
		mB := mt.Market(t, s, mt.CommuneB1, 5)
		vA := mt.Vendor(t, s, mA, "A-1", 1)
		vB := mt.Vendor(t, s, mB, "B-1", 2)
		memberA := mt.Member(mt.CommuneA1)
		tests := []struct {
			name string
			call func() error
			want error
		}{
			{"member reads own vendor", func() error { _, err := s.Vendor(ctx, memberA, vA.ID); return err }, nil},
			{"member reads other commune's vendor", func() error { _, err := s.Vendor(ctx, memberA, vB.ID); return err }, merchants.ErrNotFound},
			{"member reads other commune's market", func() error { _, err := s.Market(ctx, memberA, mB.ID); return err }, merchants.ErrNotFound},
			{"member lists other commune", func() error {
				_, err := s.ListVendors(ctx, memberA, merchants.VendorFilter{CommuneCode: mt.CommuneB1})
				return err
			}, merchants.ErrNotFound},
			{"member lists other commune's market", func() error {
				_, err := s.ListVendors(ctx, memberA, merchants.VendorFilter{MarketID: mB.ID})
				return err
			}, merchants.ErrNotFound},
			{"member registers in other commune", func() error { _, err := s.RegisterVendor(ctx, memberA, register(mB, "B-2", 3)); return err }, merchants.ErrForbidden},
			{"member edits other commune's vendor", func() error {
				_, err := s.ConfirmTransacting(ctx, memberA, vB.ID)
				return err
			}, merchants.ErrForbidden},
			{"member creates a market", func() error {
				_, err := s.CreateMarket(ctx, memberA, merchants.CreateMarketInput{Name: "Chợ", CommuneCode: mt.CommuneA1})
				return err
			}, merchants.ErrForbidden},
			{"officer creates a market in other commune", func() error {
				_, err := s.CreateMarket(ctx, mt.CommuneOfficer(mt.CommuneA1), merchants.CreateMarketInput{Name: "Chợ", CommuneCode: mt.CommuneB1})
				return err
			}, merchants.ErrForbidden},
			{"province reads in province", func() error { _, err := s.Vendor(ctx, mt.ProvinceOfficer(mt.ProvinceA), vA.ID); return err }, nil},
			{"province reads other province", func() error { _, err := s.Vendor(ctx, mt.ProvinceOfficer(mt.ProvinceA), vB.ID); return err }, merchants.ErrNotFound},
			{"province edits a vendor", func() error {
				_, err := s.ConfirmTransacting(ctx, mt.ProvinceOfficer(mt.ProvinceA), vA.ID)
				return err
			}, merchants.ErrForbidden},
			{"nobody", func() error { _, err := s.Vendor(ctx, merchants.Actor{}, vA.ID); return err }, merchants.ErrUnauthenticated},
			{"member creates a user", func() error {
				_, err := s.CreateUser(ctx, memberA, merchants.CreateUserInput{Username: "xyz", Password: "long enough pw", Role: merchants.RoleMember, CommuneCodes: []string{mt.CommuneA1}})
				return err
			}, merchants.ErrForbidden},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if err := tt.call(); !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
					t.Errorf("error %v, want %v", err, tt.want)
				}
			})
		}
		t.Run("lists keep to the scope", func(t *testing.T) {
			for _, a := range []merchants.Actor{memberA, mt.ProvinceOfficer(mt.ProvinceA)} {
				page, err := s.ListVendors(ctx, a, merchants.VendorFilter{})
				if err != nil || len(page.Vendors) != 1 || page.Vendors[0].ID != vA.ID {
					t.Errorf("%s lists %+v, %v", a.Role, page.Vendors, err)
				}
				mp, err := s.ListMarkets(ctx, a, merchants.MarketFilter{})
				if err != nil || len(mp.Markets) != 1 || mp.Markets[0].ID != mA.ID {
					t.Errorf("%s lists markets %+v, %v", a.Role, mp.Markets, err)
				}
			}
		})
	})
}
