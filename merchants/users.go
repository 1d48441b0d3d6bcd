package merchants

import "time"

// Role is what a user may do; its scope (province or communes) says where.
type Role string

// Roles, from DESIGN.md "Contract details".
const (
	// RoleAdmin may do everything, users included, everywhere.
	RoleAdmin Role = "admin"
	// RoleProvince reads everything in its province, reports and targets;
	// it edits no vendors.
	RoleProvince Role = "province"
	// RoleCommune is a commune officer: everything a member does, plus
	// markets, deactivating vendors, targets and reports, in its communes.
	RoleCommune Role = "commune"
	// RoleMember is a community digital-tech team member: registers and
	// edits vendors, stalls and bank accounts, prints signs and confirms
	// first payments in its communes.
	RoleMember Role = "member"
)

// Valid reports whether r is one of the four roles.
func (r Role) Valid() bool {
	switch r {
	case RoleAdmin, RoleProvince, RoleCommune, RoleMember:
		return true
	}
	return false
}

// User is a person who logs in.
type User struct {
	ID          int64
	Username    string
	DisplayName string
	Role        Role
	// ProvinceCode is the scope of a province officer.
	ProvinceCode string
	// CommuneCodes is the scope of a commune officer or team member.
	CommuneCodes []string
	// Phone is a ten-digit mobile number, or "".
	Phone     string
	Active    bool
	CreatedAt time.Time
}

// Actor returns the identity the user acts with.
func (u User) Actor() Actor {
	return Actor{
		UserID:       u.ID,
		Username:     u.Username,
		Role:         u.Role,
		ProvinceCode: u.ProvinceCode,
		CommuneCodes: u.CommuneCodes,
	}
}

// Actor is who makes a call: an authenticated user's role and scope. The
// zero Actor is nobody and is refused with ErrUnauthenticated.
type Actor struct {
	UserID       int64
	Username     string
	Role         Role
	ProvinceCode string
	CommuneCodes []string
}

// Session is a login: the hash of its bearer token, never the token.
type Session struct {
	TokenHash []byte
	UserID    int64
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Credentials are what Login needs of a stored user.
type Credentials struct {
	User User
	// PasswordHash is an encoded password hash ("$argon2id$…").
	PasswordHash string
}

// LoginResult is a successful login: the bearer token (shown only now) and
// the user.
type LoginResult struct {
	Token     string
	ExpiresAt time.Time
	User      User
}

// UserToken is a one-time activation or password-reset link, stored by the
// hash of its token.
type UserToken struct {
	TokenHash []byte
	UserID    int64
	CreatedAt time.Time
	ExpiresAt time.Time
	// UsedAt is when it was used or replaced; nil while it works.
	UsedAt *time.Time
}
