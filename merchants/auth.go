package merchants

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// CreateUser creates a user with a role and its scope. Only an admin may;
// others get ErrForbidden. It returns a *ValidationError for bad input
// and ErrConflict when the username is taken.
func (s *Service) CreateUser(ctx context.Context, a Actor, in CreateUserInput) (User, error) {
	if !a.Role.Valid() {
		return User{}, ErrUnauthenticated
	}
	if !a.Can(PermManageUsers) {
		return User{}, fmt.Errorf("%w: only an admin manages users", ErrForbidden)
	}
	var p problems
	u := User{
		Username:    checkUsername(&p, in.Username),
		DisplayName: checkText(&p, "display_name", in.DisplayName, false, 120),
		Role:        in.Role,
		Active:      true,
	}
	if n := utf8.RuneCountInString(in.Password); n < 10 || n > 256 {
		p.add("password", "must be 10 to 256 characters")
	}
	switch in.Role {
	case RoleAdmin:
		if in.ProvinceCode != "" || len(in.CommuneCodes) > 0 {
			p.add("role", "an admin has no province or commune scope")
		}
	case RoleProvince:
		u.ProvinceCode = checkUnitCode(&p, "province_code", in.ProvinceCode, true)
		if len(in.CommuneCodes) > 0 {
			p.add("commune_codes", "a province officer is scoped by province_code only")
		}
	case RoleCommune, RoleMember:
		if in.ProvinceCode != "" {
			p.add("province_code", "a commune officer or member is scoped by commune_codes only")
		}
		if len(in.CommuneCodes) == 0 {
			p.add("commune_codes", "at least one commune is required")
		}
		for i, c := range in.CommuneCodes {
			field := fmt.Sprintf("commune_codes[%d]", i)
			c = checkUnitCode(&p, field, c, true)
			if c != "" && s.units != nil {
				if _, err := s.units.ProvinceOfCommune(c); err != nil {
					p.add(field, fmt.Sprintf("%s is not a commune-level unit in force", c))
				}
			}
			if c != "" && !slices.Contains(u.CommuneCodes, c) {
				u.CommuneCodes = append(u.CommuneCodes, c)
			}
		}
	default:
		p.add("role", "must be admin, province, commune or member")
	}
	if err := p.err(); err != nil {
		return User{}, err
	}
	hash, err := s.passwords.hash(ctx, in.Password)
	if err != nil {
		return User{}, err
	}
	u.CreatedAt = s.clock()
	err = s.store.InTx(ctx, func(tx Tx) error {
		var err error
		if u, err = tx.CreateUser(ctx, u, hash); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, ActionCreate, "user", u.ID, 0, nil, userAudit{ID: u.ID, Username: u.Username,
			DisplayName: u.DisplayName, Role: u.Role, ProvinceCode: u.ProvinceCode, CommuneCodes: u.CommuneCodes, Active: u.Active})
	})
	if err != nil {
		return User{}, fmt.Errorf("create user %s: %w", u.Username, err)
	}
	return u, nil
}

func checkUsername(p *problems, s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if len(s) < 3 || len(s) > 64 || strings.Trim(s, "abcdefghijklmnopqrstuvwxyz0123456789._-") != "" {
		p.add("username", "must be 3 to 64 of a-z, 0-9, '.', '_' and '-'")
	}
	return s
}

// Login checks a username and password and opens a session. It returns
// ErrUnauthenticated for an unknown user, a wrong password or a disabled
// user, without saying which.
func (s *Service) Login(ctx context.Context, username, password string) (LoginResult, error) {
	cred, err := s.store.UserCredentials(ctx, strings.ToLower(strings.TrimSpace(username)))
	if errors.Is(err, ErrNotFound) {
		// Hash anyway, so the answer takes as long as for a known user.
		_, _ = s.passwords.hash(ctx, password)
		return LoginResult{}, ErrUnauthenticated
	}
	if err != nil {
		return LoginResult{}, fmt.Errorf("login: %w", err)
	}
	ok, err := s.passwords.check(ctx, cred.PasswordHash, password)
	if err != nil {
		return LoginResult{}, fmt.Errorf("login %s: %w", cred.User.Username, err)
	}
	if !ok || !cred.User.Active {
		return LoginResult{}, ErrUnauthenticated
	}
	token, hash, err := newToken(s.random)
	if err != nil {
		return LoginResult{}, err
	}
	now := s.clock()
	sess := Session{TokenHash: hash, UserID: cred.User.ID, CreatedAt: now, ExpiresAt: now.Add(s.sessionTTL)}
	if err := s.store.InTx(ctx, func(tx Tx) error { return tx.CreateSession(ctx, sess) }); err != nil {
		return LoginResult{}, fmt.Errorf("login: %w", err)
	}
	return LoginResult{Token: token, ExpiresAt: sess.ExpiresAt, User: cred.User}, nil
}

// Authenticate returns the Actor of a session token. It returns
// ErrUnauthenticated for an unknown, expired or logged-out token and for a
// disabled user.
func (s *Service) Authenticate(ctx context.Context, token string) (Actor, error) {
	if token == "" {
		return Actor{}, ErrUnauthenticated
	}
	sess, u, err := s.store.SessionUser(ctx, tokenHash(token))
	if errors.Is(err, ErrNotFound) {
		return Actor{}, ErrUnauthenticated
	}
	if err != nil {
		return Actor{}, fmt.Errorf("authenticate: %w", err)
	}
	if !s.now().Before(sess.ExpiresAt) {
		return Actor{}, fmt.Errorf("session expired: %w", ErrUnauthenticated)
	}
	if !u.Active {
		return Actor{}, fmt.Errorf("user disabled: %w", ErrUnauthenticated)
	}
	return u.Actor(), nil
}

// Logout ends the session of a token; an unknown token is not an error.
func (s *Service) Logout(ctx context.Context, token string) error {
	return s.store.InTx(ctx, func(tx Tx) error { return tx.DeleteSession(ctx, tokenHash(token)) })
}

// PurgeSessions deletes expired sessions and returns how many; serve
// calls it now and then so the table does not grow without bound.
func (s *Service) PurgeSessions(ctx context.Context) (int64, error) {
	var n int64
	err := s.store.InTx(ctx, func(tx Tx) error {
		var err error
		n, err = tx.DeleteExpiredSessions(ctx, s.clock())
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("purge sessions: %w", err)
	}
	return n, nil
}

// User returns a user: an admin may read anyone, others only themselves.
// It returns ErrNotFound otherwise.
func (s *Service) User(ctx context.Context, a Actor, id int64) (User, error) {
	if !a.Role.Valid() {
		return User{}, ErrUnauthenticated
	}
	if a.UserID != id && !a.Can(PermManageUsers) {
		return User{}, fmt.Errorf("user %d: %w", id, ErrNotFound)
	}
	return s.store.User(ctx, id)
}

// AuditLog returns audit entries, newest first: of one market for those
// who may read it, of everything for an admin. It returns ErrNotFound for
// a market outside the actor's scope, ErrForbidden for a non-admin asking
// without a market, and a *ValidationError for a bad cursor or limit.
func (s *Service) AuditLog(ctx context.Context, a Actor, f AuditFilter) (AuditPage, error) {
	if f.MarketID != 0 {
		if _, err := s.Market(ctx, a, f.MarketID); err != nil {
			return AuditPage{}, err
		}
	} else if !a.Can(PermManageUsers) {
		if !a.Role.Valid() {
			return AuditPage{}, ErrUnauthenticated
		}
		return AuditPage{}, fmt.Errorf("%w: the whole audit log is for admins; ask for one market's", ErrForbidden)
	}
	var p problems
	before := decodeCursor(&p, f.Cursor)
	limit := s.pageLimit(&p, f.Limit)
	if err := p.err(); err != nil {
		return AuditPage{}, err
	}
	es, err := s.store.AuditLog(ctx, AuditQuery{Entity: f.Entity, EntityID: f.EntityID, MarketID: f.MarketID, BeforeID: before, Limit: limit + 1})
	if err != nil {
		return AuditPage{}, fmt.Errorf("audit log: %w", err)
	}
	page := AuditPage{Entries: es}
	if len(es) > limit {
		page.Entries = es[:limit]
		page.NextCursor = encodeCursor(es[limit-1].ID)
	}
	return page, nil
}
