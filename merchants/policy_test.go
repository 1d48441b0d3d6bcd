package merchants_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/sapqr/sapqr/merchants"
)

// TestAuthorize walks every role × permission × unit and checks the
// answer against the table in DESIGN.md "Contract details".
func TestAuthorize(t *testing.T) {
	actors := map[merchants.Role]merchants.Actor{
		merchants.RoleAdmin:    {UserID: 1, Role: merchants.RoleAdmin},
		merchants.RoleProvince: {UserID: 2, Role: merchants.RoleProvince, ProvinceCode: "01"},
		merchants.RoleCommune:  {UserID: 3, Role: merchants.RoleCommune, CommuneCodes: []string{"00004"}},
		merchants.RoleMember:   {UserID: 4, Role: merchants.RoleMember, CommuneCodes: []string{"00004", "00008"}},
	}
	own := merchants.Unit{ProvinceCode: "01", CommuneCode: "00004"}
	sameProvince := merchants.Unit{ProvinceCode: "01", CommuneCode: "00010"}
	elsewhere := merchants.Unit{ProvinceCode: "79", CommuneCode: "26734"}
	// allowed lists, per role, the permissions it holds in its own unit.
	allowed := map[merchants.Role][]merchants.Permission{
		merchants.RoleAdmin: {merchants.PermRead, merchants.PermRegister, merchants.PermManageMarkets, merchants.PermDeactivateVendors,
			merchants.PermManageTargets, merchants.PermManageUsers, merchants.PermSeeAccountNumbers},
		merchants.RoleProvince: {merchants.PermRead, merchants.PermManageTargets},
		merchants.RoleCommune: {merchants.PermRead, merchants.PermRegister, merchants.PermManageMarkets, merchants.PermDeactivateVendors,
			merchants.PermManageTargets, merchants.PermSeeAccountNumbers},
		merchants.RoleMember: {merchants.PermRead, merchants.PermRegister, merchants.PermSeeAccountNumbers},
	}
	// sees says which units each role's scope covers.
	sees := map[merchants.Role]map[merchants.Unit]bool{
		merchants.RoleAdmin:    {own: true, sameProvince: true, elsewhere: true},
		merchants.RoleProvince: {own: true, sameProvince: true},
		merchants.RoleCommune:  {own: true},
		merchants.RoleMember:   {own: true},
	}
	for role, a := range actors {
		for p := merchants.PermRead; p <= merchants.PermSeeAccountNumbers; p++ {
			for _, u := range []merchants.Unit{own, sameProvince, elsewhere} {
				t.Run(fmt.Sprintf("%s/%s/%s", role, p, u), func(t *testing.T) {
					var want error
					holds := false
					for _, q := range allowed[role] {
						holds = holds || q == p
					}
					switch {
					case p == merchants.PermRead && !sees[role][u]:
						want = merchants.ErrNotFound
					case p != merchants.PermRead && (!holds || !sees[role][u]):
						want = merchants.ErrForbidden
					}
					err := merchants.Authorize(a, p, u)
					if !errors.Is(err, want) || (want == nil) != (err == nil) {
						t.Errorf("Authorize = %v, want %v", err, want)
					}
				})
			}
		}
	}
	t.Run("nobody", func(t *testing.T) {
		if err := merchants.Authorize(merchants.Actor{}, merchants.PermRead, own); !errors.Is(err, merchants.ErrUnauthenticated) {
			t.Errorf("zero actor: %v", err)
		}
	})
}
