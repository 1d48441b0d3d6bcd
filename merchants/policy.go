package merchants

import (
	"fmt"
	"slices"
)

// Unit is an administrative unit: a province, or a commune in a province.
// A unit with only ProvinceCode is the whole province.
type Unit struct {
	ProvinceCode string
	CommuneCode  string
}

// Permission is a kind of action the policy decides on.
type Permission int

// Permissions. Reads need PermRead; every other permission is a write.
const (
	// PermRead reads markets, stalls, vendors, signs and adoption.
	PermRead Permission = iota
	// PermRegister registers and edits vendors, stalls and bank accounts,
	// prints signs and confirms first payments.
	PermRegister
	// PermManageMarkets creates and edits markets.
	PermManageMarkets
	// PermDeactivateVendors removes vendors (soft delete).
	PermDeactivateVendors
	// PermManageTargets sets adoption targets and thresholds.
	PermManageTargets
	// PermManageUsers creates and changes users, within the limits of
	// "Who manages users" in DESIGN.md.
	PermManageUsers
	// PermSeeAccountNumbers sees full account numbers; others see them masked.
	PermSeeAccountNumbers
	// PermOverrideVerification lets an account's signs print without the
	// bank app name check, with a reason (commune officers and admins).
	PermOverrideVerification
)

func (p Permission) String() string {
	switch p {
	case PermRead:
		return "read"
	case PermRegister:
		return "register"
	case PermManageMarkets:
		return "manage markets"
	case PermDeactivateVendors:
		return "deactivate vendors"
	case PermManageTargets:
		return "manage targets"
	case PermManageUsers:
		return "manage users"
	case PermSeeAccountNumbers:
		return "see account numbers"
	case PermOverrideVerification:
		return "override account verification"
	}
	return fmt.Sprintf("Permission(%d)", int(p))
}

// roleAllows says which role holds which permission, from DESIGN.md.
func roleAllows(r Role, p Permission) bool {
	switch r {
	case RoleAdmin:
		return true
	case RoleProvince:
		// Users: the commune officers and members of its province only
		// (Service.manages decides which).
		return p == PermRead || p == PermManageTargets || p == PermManageUsers
	case RoleCommune:
		// Users: the members of its communes only (Service.manages).
		return true
	case RoleMember:
		return p == PermRead || p == PermRegister || p == PermSeeAccountNumbers
	}
	return false
}

// Sees reports whether u is inside a's scope. An admin sees every unit; a
// province officer every unit of its province; a commune officer or member
// its communes only (not the province as a whole).
func (a Actor) Sees(u Unit) bool {
	switch a.Role {
	case RoleAdmin:
		return true
	case RoleProvince:
		return a.ProvinceCode != "" && u.ProvinceCode == a.ProvinceCode
	case RoleCommune, RoleMember:
		return u.CommuneCode != "" && slices.Contains(a.CommuneCodes, u.CommuneCode)
	}
	return false
}

// Authorize is the one place that decides whether a may do p in unit u.
// It returns nil when allowed; ErrUnauthenticated for the zero Actor; for
// PermRead outside the scope ErrNotFound (so a read does not reveal what
// exists elsewhere); for any other permission ErrForbidden, whether the
// role lacks it or the unit is outside the scope.
func Authorize(a Actor, p Permission, u Unit) error {
	if !a.Role.Valid() {
		return ErrUnauthenticated
	}
	if p == PermRead {
		if !a.Sees(u) {
			return ErrNotFound
		}
		return nil
	}
	if !roleAllows(a.Role, p) {
		return fmt.Errorf("%w: role %s may not %s", ErrForbidden, a.Role, p)
	}
	if !a.Sees(u) {
		return fmt.Errorf("%w: %s is outside your scope", ErrForbidden, u)
	}
	return nil
}

// Can reports whether a's role holds p somewhere, whatever the unit: for
// actions such as user management that belong to no unit.
func (a Actor) Can(p Permission) bool { return a.Role.Valid() && roleAllows(a.Role, p) }

func (u Unit) String() string {
	if u.CommuneCode != "" {
		return "commune " + u.CommuneCode
	}
	return "province " + u.ProvinceCode
}
