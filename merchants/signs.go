package merchants

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"slices"
	"time"
)

// RecordSignPrint records that the current sign of an active vendor was
// printed for the stalls with stallIDs it holds (its main stall when none
// are named), by whom and why (for an empty reason, the one the stalls
// give: see Vendor.SignReason): one printed sign record per stall, and
// those stalls' signs are then up to date. It returns ErrNotFound,
// ErrForbidden, a *ValidationError for an unknown reason, a stall the
// vendor does not hold or an inactive vendor, and a *ConflictError with
// RuleNoQR for a vendor without an active bank account, RuleUnverifiedAccount
// for one whose account's payee was never checked.
func (s *Service) RecordSignPrint(ctx context.Context, a Actor, vendorID int64, reason SignReason, stallIDs ...int64) ([]SignRecord, error) {
	var p problems
	switch reason {
	case "", SignNew, SignReprint, SignBankChanged:
	default:
		p.add("reason", "must be new, reprint or bank_changed")
	}
	var recs []SignRecord
	_, err := s.changeVendor(ctx, a, vendorID, PermRegister, func(tx Tx, m Market, v *Vendor) (bool, error) {
		if err := p.err(); err != nil {
			return false, err
		}
		if v.Status != VendorActive {
			return false, errInactive(vendorID)
		}
		ids := stallIDs
		if len(ids) == 0 {
			ids = []int64{v.StallID}
		}
		var bad problems
		held := make([]int, 0, len(ids))
		for _, id := range ids {
			i := slices.IndexFunc(v.Stalls, func(h VendorStall) bool { return h.StallID == id })
			switch {
			case i < 0:
				bad.add("stall_id", fmt.Sprintf("the vendor does not hold stall %d", id))
			case !slices.Contains(held, i):
				held = append(held, i)
			}
		}
		if err := bad.err(); err != nil {
			return false, err
		}
		if reason == "" {
			reason = v.SignReason(ids...)
		}
		nv, err := withPayload(*v)
		if err != nil {
			return false, err
		}
		acc, ok := nv.PrimaryAccount()
		if !ok {
			return false, errNoQR(vendorID)
		}
		if !acc.Verified() {
			return false, errUnverified(vendorID)
		}
		before := auditVendor(*v)
		now := s.clock()
		for _, i := range held {
			h := &v.Stalls[i]
			rec, err := tx.CreateSignRecord(ctx, SignRecord{VendorID: v.ID, MarketID: m.ID, StallID: h.StallID, Version: v.SignVersion,
				BankAccountID: acc.ID, Payload: nv.Payload, Reason: reason, Printed: true, By: a.UserID, At: now})
			if err != nil {
				return false, err
			}
			recs = append(recs, rec)
			if h.SignPrintedVersion != v.SignVersion {
				h.SignPrintedVersion = v.SignVersion
				if err := tx.UpdateVendorStall(ctx, *h); err != nil {
					return false, err
				}
			}
		}
		moved := v.SignPrintedVersion != v.SignVersion
		v.SignPrintedVersion, v.UpdatedAt = v.SignVersion, now
		if err := tx.UpdateVendor(ctx, *v); err != nil {
			return false, err
		}
		return moved, s.audit(ctx, tx, a, ActionPrintSign, "vendor", v.ID, m.ID, before, auditVendor(*v))
	})
	if err != nil {
		return nil, fmt.Errorf("record sign print for vendor %d: %w", vendorID, err)
	}
	return recs, nil
}

// SignRecords returns a vendor's issued payloads and printed signs, oldest
// first. It returns ErrNotFound when the vendor does not exist or is
// outside the actor's scope.
func (s *Service) SignRecords(ctx context.Context, a Actor, vendorID int64) ([]SignRecord, error) {
	if _, err := s.Vendor(ctx, a, vendorID); err != nil {
		return nil, err
	}
	return s.store.SignRecords(ctx, vendorID)
}

// newToken returns a random bearer token (256 bits, base64url) and the
// hash under which it is stored.
func newToken(random io.Reader) (string, []byte, error) {
	b := make([]byte, 32)
	if _, err := io.ReadFull(random, b); err != nil {
		return "", nil, fmt.Errorf("token: %w", err)
	}
	t := base64.RawURLEncoding.EncodeToString(b)
	return t, tokenHash(t), nil
}

// tokenHash is how tokens are stored: a database leak does not give them
// away. A plain SHA-256 suffices because tokens are 256 random bits.
func tokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// CreateVendorLink creates a private link for a vendor, open until
// expiresAt (nil: until revoked), and returns it with its token, which is
// shown only now. It returns ErrNotFound, ErrForbidden and a
// *ValidationError for an inactive vendor or an expiry not in the future.
func (s *Service) CreateVendorLink(ctx context.Context, a Actor, vendorID int64, expiresAt *time.Time) (VendorLink, string, error) {
	if expiresAt != nil && !expiresAt.After(s.clock()) {
		return VendorLink{}, "", &ValidationError{Fields: []FieldError{{Field: "expires_at", Message: "must be in the future (RFC 3339, e.g. 2027-06-30T23:59:59+07:00), or absent for a link that lasts until revoked"}}}
	}
	token, hash, err := newToken(s.random)
	if err != nil {
		return VendorLink{}, "", err
	}
	var link VendorLink
	_, err = s.changeVendor(ctx, a, vendorID, PermRegister, func(tx Tx, m Market, v *Vendor) (bool, error) {
		if v.Status != VendorActive {
			return false, errInactive(vendorID)
		}
		var err error
		l := VendorLink{VendorID: v.ID, CreatedBy: a.UserID, CreatedAt: s.clock()}
		if expiresAt != nil {
			at := expiresAt.UTC().Truncate(time.Microsecond)
			l.ExpiresAt = &at
		}
		link, err = tx.CreateVendorLink(ctx, l, hash)
		if err != nil {
			return false, err
		}
		return false, s.audit(ctx, tx, a, ActionLink, "vendor_link", link.ID, m.ID, nil, map[string]int64{"vendor_id": v.ID})
	})
	if err != nil {
		return VendorLink{}, "", fmt.Errorf("create link for vendor %d: %w", vendorID, err)
	}
	return link, token, nil
}

// VendorLinks returns a vendor's private links, revoked ones too, oldest
// first: metadata only, since tokens are never stored. It is authorised
// like reading the vendor, so it returns ErrNotFound for a vendor outside
// the actor's scope.
func (s *Service) VendorLinks(ctx context.Context, a Actor, vendorID int64) ([]VendorLink, error) {
	if _, err := s.Vendor(ctx, a, vendorID); err != nil {
		return nil, err
	}
	links, err := s.store.VendorLinks(ctx, vendorID)
	if err != nil {
		return nil, fmt.Errorf("links of vendor %d: %w", vendorID, err)
	}
	return links, nil
}

// RevokeVendorLink revokes a vendor's private link; revoking it again
// changes nothing. It returns ErrNotFound and ErrForbidden.
func (s *Service) RevokeVendorLink(ctx context.Context, a Actor, linkID int64) error {
	link, err := s.store.VendorLink(ctx, linkID)
	if err != nil {
		return err
	}
	_, err = s.changeVendor(ctx, a, link.VendorID, PermRegister, func(tx Tx, m Market, v *Vendor) (bool, error) {
		l, err := tx.VendorLink(ctx, linkID)
		if err != nil || l.RevokedAt != nil {
			return false, err
		}
		if err := tx.RevokeVendorLink(ctx, linkID, s.clock()); err != nil {
			return false, err
		}
		return false, s.audit(ctx, tx, a, ActionRevokeLink, "vendor_link", linkID, m.ID, nil, map[string]int64{"vendor_id": v.ID})
	})
	if err != nil {
		return fmt.Errorf("revoke link %d: %w", linkID, err)
	}
	return nil
}

// VendorByLink returns the active vendor a private link token opens, with
// account numbers masked: the link's holder needs the sign, not the
// account. It returns ErrNotFound for an unknown or revoked token or an
// inactive vendor.
func (s *Service) VendorByLink(ctx context.Context, token string) (Vendor, error) {
	v, err := s.linkVendor(ctx, token)
	if err != nil {
		return Vendor{}, err
	}
	return MaskAccounts(v), nil
}

// linkVendor is the active vendor a private link token opens, with its
// payload and full account numbers; VendorByLink's errors.
func (s *Service) linkVendor(ctx context.Context, token string) (Vendor, error) {
	link, err := s.store.VendorLinkByToken(ctx, tokenHash(token))
	if err != nil {
		return Vendor{}, err
	}
	if !link.Open(s.clock()) {
		return Vendor{}, fmt.Errorf("link revoked or expired: %w", ErrNotFound)
	}
	v, err := s.store.Vendor(ctx, link.VendorID)
	if err != nil {
		return Vendor{}, err
	}
	if v.Status != VendorActive {
		return Vendor{}, fmt.Errorf("vendor inactive: %w", ErrNotFound)
	}
	return withPayload(v)
}

// VendorFor returns v as actor a may see it: whole for roles that need
// account numbers (PermSeeAccountNumbers); for the others every account
// number masked and no payload, which carries the number in full.
func VendorFor(a Actor, v Vendor) Vendor {
	if a.Can(PermSeeAccountNumbers) {
		return v
	}
	v = MaskAccounts(v)
	v.Payload = ""
	return v
}

// AccountFor returns an account number as actor a may see it: whole for
// roles that need it (PermSeeAccountNumbers), masked for the others.
func AccountFor(a Actor, n string) string {
	if a.Can(PermSeeAccountNumbers) {
		return n
	}
	return maskAccount(n)
}

// MaskAccounts returns v with every account number masked, for views of
// roles without PermSeeAccountNumbers. The payload keeps the full number:
// it is what the public sign shows.
func MaskAccounts(v Vendor) Vendor {
	accs := make([]BankAccount, len(v.Accounts))
	for i, a := range v.Accounts {
		a.AccountNumber = maskAccount(a.AccountNumber)
		accs[i] = a
	}
	v.Accounts = accs
	return v
}
