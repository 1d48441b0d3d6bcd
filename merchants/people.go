package merchants

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Who manages users (DESIGN.md "Who manages users"): an admin everyone; a
// province officer the commune officers and members whose communes all
// lie in its province; a commune officer the members whose communes are
// all its own. Nobody grants a role above their own or a scope outside
// their own: the user as it would be after a change must still be one the
// actor manages.

// activationTTL is how long an activation or password-reset link works.
const activationTTL = 7 * 24 * time.Hour

// Activation is a one-time link where a person sets their own password:
// its token (shown only now; only its hash is stored) and when it expires.
type Activation struct {
	Token     string
	ExpiresAt time.Time
}

// UserCreated is a new user and, when it was created without a password,
// the activation it sets one with.
type UserCreated struct {
	User       User
	Activation *Activation
}

// manages reports whether a may read and change u.
func (s *Service) manages(a Actor, u User) bool {
	switch a.Role {
	case RoleAdmin:
		return true
	case RoleProvince:
		if (u.Role != RoleCommune && u.Role != RoleMember) || len(u.CommuneCodes) == 0 || a.ProvinceCode == "" || s.units == nil {
			return false
		}
		for _, c := range u.CommuneCodes {
			if p, err := s.units.ProvinceOfCommune(c); err != nil || p != a.ProvinceCode {
				return false
			}
		}
		return true
	case RoleCommune:
		if u.Role != RoleMember || len(u.CommuneCodes) == 0 {
			return false
		}
		for _, c := range u.CommuneCodes {
			if !slices.Contains(a.CommuneCodes, c) {
				return false
			}
		}
		return true
	}
	return false
}

// mayGrant returns ErrForbidden, saying why, when u (a new user, or a
// user as a change would leave it) is beyond what a may grant.
func (s *Service) mayGrant(a Actor, u User) error {
	if s.manages(a, u) {
		return nil
	}
	switch a.Role {
	case RoleProvince:
		return fmt.Errorf("%w: a province officer grants only the commune or member role, in communes of province %s", ErrForbidden, a.ProvinceCode)
	case RoleCommune:
		return fmt.Errorf("%w: a commune officer grants only the member role, in its own communes", ErrForbidden)
	}
	return fmt.Errorf("%w: your role does not manage users", ErrForbidden)
}

// checkUserScope checks role and scope together and returns the commune
// codes, normalised and without repeats.
func (s *Service) checkUserScope(p *problems, role Role, province string, communes []string) (string, []string) {
	var out []string
	switch role {
	case RoleAdmin:
		if province != "" || len(communes) > 0 {
			p.add("role", "an admin has no province or commune scope")
		}
	case RoleProvince:
		province = checkUnitCode(p, "province_code", province, true)
		if len(communes) > 0 {
			p.add("commune_codes", "a province officer is scoped by province_code only")
		}
	case RoleCommune, RoleMember:
		if province != "" {
			p.add("province_code", "a commune officer or member is scoped by commune_codes only")
		}
		if len(communes) == 0 {
			p.add("commune_codes", "at least one commune is required")
		}
		if len(communes) > 100 {
			p.add("commune_codes", "at most 100 communes")
			return "", nil
		}
		for i, c := range communes {
			field := fmt.Sprintf("commune_codes[%d]", i)
			c = checkUnitCode(p, field, c, true)
			if c != "" && s.units != nil {
				if _, err := s.units.ProvinceOfCommune(c); err != nil {
					p.add(field, fmt.Sprintf("%s is not a commune-level unit in force", c))
				}
			}
			if c != "" && !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
	default:
		p.add("role", "must be admin, province, commune or member")
	}
	return province, out
}

// CreateUser creates a user with a role, its scope and a password. It
// returns a *ValidationError for bad input (a password is required here;
// see AddUser), ErrForbidden for a role or scope beyond the actor's and a
// *ConflictError (RuleUsernameTaken) when the username is taken.
func (s *Service) CreateUser(ctx context.Context, a Actor, in CreateUserInput) (User, error) {
	if in.Password == "" {
		return User{}, &ValidationError{Fields: []FieldError{{Field: "password", Message: "is required"}}}
	}
	c, err := s.AddUser(ctx, a, in)
	return c.User, err
}

// AddUser creates a user. Without a password the user cannot log in until
// they set one through the returned Activation (valid 7 days). It returns
// what CreateUser returns.
func (s *Service) AddUser(ctx context.Context, a Actor, in CreateUserInput) (UserCreated, error) {
	if !a.Role.Valid() {
		return UserCreated{}, ErrUnauthenticated
	}
	if !a.Can(PermManageUsers) {
		return UserCreated{}, fmt.Errorf("%w: your role does not manage users", ErrForbidden)
	}
	var p problems
	u := User{
		Username:    checkUsername(&p, in.Username),
		DisplayName: checkText(&p, "display_name", in.DisplayName, false, 120),
		Role:        in.Role,
		Active:      true,
	}
	if strings.TrimSpace(in.Phone) != "" {
		u.Phone = checkPhone(&p, "phone", in.Phone)
	}
	u.ProvinceCode, u.CommuneCodes = s.checkUserScope(&p, in.Role, in.ProvinceCode, in.CommuneCodes)
	if in.Password != "" {
		checkNewPassword(&p, "password", in.Password, u.Username)
	}
	if err := p.err(); err != nil {
		return UserCreated{}, err
	}
	if err := s.mayGrant(a, u); err != nil {
		return UserCreated{}, err
	}
	hash := ""
	if in.Password != "" {
		var err error
		if hash, err = s.passwords.hash(ctx, in.Password); err != nil {
			return UserCreated{}, err
		}
	}
	u.CreatedAt = s.clock()
	var out UserCreated
	err := s.store.InTx(ctx, func(tx Tx) error {
		var err error
		if out, err = s.addUser(ctx, tx, a, u, hash); err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return UserCreated{}, fmt.Errorf("create user %s: %w", u.Username, err)
	}
	return out, nil
}

// addUser inserts u in tx with its audit entry and, without a password
// hash, an activation.
func (s *Service) addUser(ctx context.Context, tx Tx, a Actor, u User, hash string) (UserCreated, error) {
	u, err := tx.CreateUser(ctx, u, hash)
	if err != nil {
		if errors.Is(err, ErrConflict) {
			return UserCreated{}, conflict(RuleUsernameTaken, "the username %s is taken", u.Username)
		}
		return UserCreated{}, err
	}
	out := UserCreated{User: u}
	if hash == "" {
		act, err := s.issueActivation(ctx, tx, u.ID)
		if err != nil {
			return UserCreated{}, err
		}
		out.Activation = &act
	}
	return out, s.audit(ctx, tx, a, ActionCreate, "user", u.ID, 0, nil, toUserAudit(u))
}

func toUserAudit(u User) userAudit {
	return userAudit{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Role: u.Role,
		ProvinceCode: u.ProvinceCode, CommuneCodes: u.CommuneCodes, Active: u.Active, Phone: u.Phone}
}

// User returns a user: the caller themselves or a user they manage. It
// returns ErrNotFound otherwise.
func (s *Service) User(ctx context.Context, a Actor, id int64) (User, error) {
	if !a.Role.Valid() {
		return User{}, ErrUnauthenticated
	}
	u, err := s.store.User(ctx, id)
	if err != nil {
		return User{}, err
	}
	if a.UserID != id && !s.manages(a, u) {
		return User{}, fmt.Errorf("user %d: %w", id, ErrNotFound)
	}
	return u, nil
}

// UserFilter selects users in ListUsers; empty fields match everything.
type UserFilter struct {
	Role     Role
	Commune  string
	Province string
	Q        string // part of the username or display name, any case
	Active   *bool
	Limit    int
	Cursor   string
}

// UserPage is one page of users, by ascending ID.
type UserPage struct {
	Users      []User
	NextCursor string
}

// ListUsers returns the users the caller manages that match f. It returns
// a *ValidationError for a bad filter, cursor or limit.
func (s *Service) ListUsers(ctx context.Context, a Actor, f UserFilter) (UserPage, error) {
	if !a.Role.Valid() {
		return UserPage{}, ErrUnauthenticated
	}
	var p problems
	after := decodeCursor(&p, f.Cursor)
	limit := s.pageLimit(&p, f.Limit)
	if f.Role != "" && !f.Role.Valid() {
		p.add("role", "must be admin, province, commune or member")
	}
	q := UserQuery{Role: f.Role, Active: f.Active, Text: strings.ToLower(strings.TrimSpace(f.Q)), AfterID: after, Limit: limit + 1}
	if len(q.Text) > 64 {
		p.add("q", "at most 64 characters")
	}
	if f.Commune != "" {
		q.AnyCommunes = []string{checkUnitCode(&p, "commune", f.Commune, true)}
	}
	if err := p.err(); err != nil {
		return UserPage{}, err
	}
	if !s.narrowToArea(a, f.Province, &q) {
		return UserPage{Users: []User{}}, nil
	}
	users, err := s.store.ListUsers(ctx, q)
	if err != nil {
		return UserPage{}, fmt.Errorf("list users: %w", err)
	}
	page := UserPage{Users: []User{}}
	for i, u := range users {
		if i == limit {
			page.NextCursor = encodeCursor(users[i-1].ID)
			break
		}
		if s.manages(a, u) && (f.Province == "" || s.inProvince(u, f.Province)) {
			page.Users = append(page.Users, u)
		}
	}
	return page, nil
}

// narrowToArea limits q to the users a manages, roughly (ListUsers then
// checks each with manages); false when none can match.
func (s *Service) narrowToArea(a Actor, province string, q *UserQuery) bool {
	switch a.Role {
	case RoleAdmin:
		if province != "" && len(q.AnyCommunes) == 0 {
			q.AnyCommunes = s.communesOf(province)
			q.OrProvince = province
		}
		return true
	case RoleProvince:
		if province != "" && province != a.ProvinceCode {
			return false
		}
		if len(q.AnyCommunes) == 0 {
			q.AnyCommunes = s.communesOf(a.ProvinceCode)
		}
		return len(q.AnyCommunes) > 0
	case RoleCommune:
		if len(q.AnyCommunes) == 0 {
			q.AnyCommunes = a.CommuneCodes
		}
		return true
	}
	return false
}

// communeLister is what UnitResolver implementations such as *Units may
// also answer: the communes of a province.
type communeLister interface {
	Communes(provinceCode string) ([]Commune, error)
}

func (s *Service) communesOf(province string) []string {
	l, ok := s.units.(communeLister)
	if !ok {
		return nil
	}
	cs, err := l.Communes(province)
	if err != nil {
		return nil
	}
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Code
	}
	return out
}

// inProvince reports whether u's scope lies in province.
func (s *Service) inProvince(u User, province string) bool {
	if u.Role == RoleProvince {
		return u.ProvinceCode == province
	}
	for _, c := range u.CommuneCodes {
		if s.units != nil {
			if p, err := s.units.ProvinceOfCommune(c); err == nil && p == province {
				return true
			}
		}
	}
	return false
}

// UserByUsername returns a user by username, as User does: the caller or
// a user they manage, ErrNotFound otherwise.
func (s *Service) UserByUsername(ctx context.Context, a Actor, username string) (User, error) {
	cred, err := s.store.UserCredentials(ctx, strings.ToLower(strings.TrimSpace(username)))
	if err != nil {
		return User{}, err
	}
	return s.User(ctx, a, cred.User.ID)
}
