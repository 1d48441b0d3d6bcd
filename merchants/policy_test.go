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

func TestNormalizePhone(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"0912345678", "0912345678", true},
		{"+84912345678", "0912345678", true},
		{"84 912 345 678", "0912345678", true},
		{"+84 (91) 234-5678", "0912345678", true},
		{"0912.345.678", "0912345678", true},
		{"912345678", "0912345678", true},
		{"0362345678", "0362345678", true}, // Viettel 03x
		{"0701234567", "0701234567", true}, // MobiFone 070
		{"0521234567", "0521234567", true}, // Vietnamobile 052
		{"02438251234", "", false},         // Hà Nội landline
		{"0951234567", "", false},          // 095: no network
		{"0112345678", "", false},          // not a mobile prefix
		{"091234567", "", false},           // nine digits with 0
		{"09123456789", "", false},         // eleven digits
		{"+1 415 555 0100", "", false},     // not Vietnamese
		{"0912a45678", "", false},          // a letter
		{"", "", false},
		{"+", "", false},
		{"0９12345678", "", false}, // a full-width digit
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := merchants.NormalizePhone(tt.in)
			if got != tt.want || (err == nil) != tt.ok {
				t.Errorf("NormalizePhone(%q) = %q, %v; want %q, ok %v", tt.in, got, err, tt.want, tt.ok)
			}
		})
	}
}

// FuzzNormalizePhone checks that any input gives either an error or a
// ten-digit mobile number that normalises to itself.
func FuzzNormalizePhone(f *testing.F) {
	for _, s := range []string{"0912345678", "+84 912 345 678", "84-91-234-5678", "", "+", "((", "0９12345678", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := merchants.NormalizePhone(s)
		if err != nil {
			if n != "" || err.Error() == "" {
				t.Fatalf("NormalizePhone(%q) = %q, %v", s, n, err)
			}
			return
		}
		if len(n) != 10 || n[0] != '0' {
			t.Fatalf("NormalizePhone(%q) = %q", s, n)
		}
		if again, err := merchants.NormalizePhone(n); again != n || err != nil {
			t.Fatalf("NormalizePhone(%q) = %q, %v; not stable", n, again, err)
		}
	})
}

func TestFold(t *testing.T) {
	tests := map[string]string{
		"Nguyễn Thị Hà":           "nguyen thi ha",
		"Nguye\u0302\u0303n":      "nguyen",
		"  ĐẶNG   Văn  Đức ":      "dang van duc",
		"Phạm Đình Hải - Chợ 4.0": "pham dinh hai - cho 4.0",
	}
	for in, want := range tests {
		if got := merchants.Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}
