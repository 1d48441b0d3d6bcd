package merchants

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

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
	if cred.PasswordHash == "" {
		// No password yet (never activated, or reset): nothing matches.
		_, _ = s.passwords.hash(ctx, password)
		return LoginResult{}, ErrUnauthenticated
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
	s.outage.remember(token, u.Actor(), s.now())
	return u.Actor(), nil
}

// Logout ends the session of a token; an unknown token is not an error.
func (s *Service) Logout(ctx context.Context, token string) error {
	s.outage.forget(token)
	return s.store.InTx(ctx, func(tx Tx) error { return tx.DeleteSession(ctx, tokenHash(token)) })
}

// PurgeSessions deletes expired sessions, and lapsed failed-login counts,
// and returns how many sessions; serve
// calls it now and then so the table does not grow without bound.
func (s *Service) PurgeSessions(ctx context.Context) (int64, error) {
	var n int64
	err := s.store.InTx(ctx, func(tx Tx) error {
		var err error
		if n, err = tx.DeleteExpiredSessions(ctx, s.clock()); err != nil {
			return err
		}
		// Failed-login counts of the database throttle lapse after
		// throttleKeep; drop the rows too (Redis keys expire on their own).
		return tx.DeleteLoginFailures(ctx, s.clock().Add(-throttleKeep))
	})
	if err != nil {
		return 0, fmt.Errorf("purge sessions: %w", err)
	}
	return n, nil
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
	} else if a.Role != RoleAdmin {
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
