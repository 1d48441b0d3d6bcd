package merchants

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// UpdateUser changes a user the caller manages. The user as changed must
// still be one the caller manages (nobody grants above their own role or
// outside their area), and nobody changes their own role, scope or active
// state. "active": false ends every session of the user in the same
// transaction, so no replica accepts its token once this returns. It
// returns ErrNotFound for a user the caller does not manage, ErrForbidden
// and a *ValidationError.
func (s *Service) UpdateUser(ctx context.Context, a Actor, id int64, in UpdateUserInput) (User, error) {
	old, err := s.User(ctx, a, id)
	if err != nil {
		return User{}, err
	}
	if !s.manages(a, old) {
		return User{}, fmt.Errorf("%w: change your own display name or phone only; someone who manages you changes the rest", ErrForbidden)
	}
	u, err := s.changedUser(a, old, in)
	if err != nil {
		return User{}, err
	}
	err = s.store.InTx(ctx, func(tx Tx) error {
		if err := tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		if !u.Active {
			if _, err := tx.DeleteUserSessions(ctx, u.ID, nil); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, a, ActionUpdate, "user", u.ID, 0, toUserAudit(old), toUserAudit(u))
	})
	if err != nil {
		return User{}, fmt.Errorf("update user %d: %w", id, err)
	}
	return u, nil
}

// changedUser applies in to old and checks the result.
func (s *Service) changedUser(a Actor, old User, in UpdateUserInput) (User, error) {
	u := old
	var p problems
	if in.DisplayName != nil {
		u.DisplayName = checkText(&p, "display_name", *in.DisplayName, false, 120)
	}
	if in.Phone != nil {
		u.Phone = ""
		if strings.TrimSpace(*in.Phone) != "" {
			u.Phone = checkPhone(&p, "phone", *in.Phone)
		}
	}
	if in.Role != nil {
		u.Role = *in.Role
	}
	if in.ProvinceCode != nil {
		u.ProvinceCode = *in.ProvinceCode
	}
	if in.CommuneCodes != nil {
		u.CommuneCodes = *in.CommuneCodes
	}
	if in.Role != nil || in.ProvinceCode != nil || in.CommuneCodes != nil {
		// A role change drops the scope of the other kind.
		if in.Role != nil && in.ProvinceCode == nil && u.Role != RoleProvince {
			u.ProvinceCode = ""
		}
		if in.Role != nil && in.CommuneCodes == nil && (u.Role == RoleProvince || u.Role == RoleAdmin) {
			u.CommuneCodes = nil
		}
		u.ProvinceCode, u.CommuneCodes = s.checkUserScope(&p, u.Role, u.ProvinceCode, u.CommuneCodes)
	}
	if in.Active != nil {
		u.Active = *in.Active
	}
	if err := p.err(); err != nil {
		return User{}, err
	}
	if a.UserID == old.ID && (u.Role != old.Role || u.ProvinceCode != old.ProvinceCode ||
		!slices.Equal(u.CommuneCodes, old.CommuneCodes) || u.Active != old.Active) {
		return User{}, fmt.Errorf("%w: nobody changes their own role, scope or active state", ErrForbidden)
	}
	if err := s.mayGrant(a, u); err != nil {
		return User{}, err
	}
	return u, nil
}

// issueActivation ends the user's earlier links and stores a new one.
func (s *Service) issueActivation(ctx context.Context, tx Tx, userID int64) (Activation, error) {
	token, hash, err := newToken(s.random)
	if err != nil {
		return Activation{}, err
	}
	now := s.clock()
	if err := tx.UseUserTokens(ctx, userID, now); err != nil {
		return Activation{}, err
	}
	t := UserToken{TokenHash: hash, UserID: userID, CreatedAt: now, ExpiresAt: now.Add(activationTTL)}
	if err := tx.CreateUserToken(ctx, t); err != nil {
		return Activation{}, err
	}
	return Activation{Token: token, ExpiresAt: t.ExpiresAt}, nil
}

// ResetPassword removes the password of a user the caller manages, ends
// every session of theirs and returns a new one-time link (valid 7 days)
// where they set another; earlier links stop working. It returns
// ErrNotFound for a user the caller does not manage.
func (s *Service) ResetPassword(ctx context.Context, a Actor, id int64) (Activation, error) {
	u, err := s.User(ctx, a, id)
	if err != nil {
		return Activation{}, err
	}
	if !s.manages(a, u) {
		return Activation{}, fmt.Errorf("%w: change your own password with your current one", ErrForbidden)
	}
	var act Activation
	err = s.store.InTx(ctx, func(tx Tx) error {
		if err := tx.SetUserPassword(ctx, id, ""); err != nil {
			return err
		}
		if _, err := tx.DeleteUserSessions(ctx, id, nil); err != nil {
			return err
		}
		if act, err = s.issueActivation(ctx, tx, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, ActionResetPassword, "user", id, 0, nil, nil)
	})
	if err != nil {
		return Activation{}, fmt.Errorf("reset password of user %d: %w", id, err)
	}
	return act, nil
}

// ActivationUser returns the user an unused, unexpired activation token
// belongs to, for the page that asks for the new password. It returns
// ErrNotFound otherwise, whatever the reason.
func (s *Service) ActivationUser(ctx context.Context, token string) (User, error) {
	t, err := s.store.UserToken(ctx, tokenHash(token))
	if err != nil || t.UsedAt != nil || !s.now().Before(t.ExpiresAt) {
		return User{}, fmt.Errorf("activation link: %w", ErrNotFound)
	}
	u, err := s.store.User(ctx, t.UserID)
	if err != nil || !u.Active {
		return User{}, fmt.Errorf("activation link: %w", ErrNotFound)
	}
	return u, nil
}

// Activate sets a password through a one-time link and uses the link up.
// It returns ErrNotFound for an unknown, used or expired link (or a
// disabled user) and a *ValidationError for a password the policy refuses.
func (s *Service) Activate(ctx context.Context, token, password string) (User, error) {
	u, err := s.ActivationUser(ctx, token)
	if err != nil {
		return User{}, err
	}
	var p problems
	checkNewPassword(&p, "password", password, u.Username)
	if err := p.err(); err != nil {
		return User{}, err
	}
	hash, err := s.passwords.hash(ctx, password)
	if err != nil {
		return User{}, err
	}
	err = s.store.InTx(ctx, func(tx Tx) error {
		t, err := tx.UserToken(ctx, tokenHash(token))
		if err != nil || t.UsedAt != nil {
			return fmt.Errorf("activation link: %w", ErrNotFound)
		}
		if err := tx.UseUserTokens(ctx, u.ID, s.clock()); err != nil {
			return err
		}
		if err := tx.SetUserPassword(ctx, u.ID, hash); err != nil {
			return err
		}
		return s.audit(ctx, tx, u.Actor(), ActionSetPassword, "user", u.ID, 0, nil, nil)
	})
	if err != nil {
		return User{}, fmt.Errorf("activate user %d: %w", u.ID, err)
	}
	return u, nil
}

// ChangePassword changes the caller's own password, given the current
// one, and ends their other sessions (the one of token stays). It returns
// a *ValidationError for a wrong current password or a new one the policy
// refuses.
func (s *Service) ChangePassword(ctx context.Context, a Actor, token, current, next string) error {
	if !a.Role.Valid() {
		return ErrUnauthenticated
	}
	cred, err := s.store.UserCredentials(ctx, a.Username)
	if err != nil {
		return fmt.Errorf("change password: %w", err)
	}
	var p problems
	if current == "" {
		p.add("current_password", "is required")
	} else if ok, err := s.passwords.check(ctx, cred.PasswordHash, current); err != nil && !errors.Is(err, errBadHash) {
		return err
	} else if !ok {
		p.add("current_password", "is not your current password")
	}
	checkNewPassword(&p, "new_password", next, a.Username)
	if err := p.err(); err != nil {
		return err
	}
	hash, err := s.passwords.hash(ctx, next)
	if err != nil {
		return err
	}
	return s.store.InTx(ctx, func(tx Tx) error {
		if err := tx.SetUserPassword(ctx, a.UserID, hash); err != nil {
			return err
		}
		if _, err := tx.DeleteUserSessions(ctx, a.UserID, tokenHash(token)); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, ActionSetPassword, "user", a.UserID, 0, nil, nil)
	})
}
