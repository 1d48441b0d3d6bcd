package merchants

import (
	"context"
	"fmt"
	"slices"
)

// changeVendor loads a vendor for a change by a, checks p, locks its
// market and runs fn on the vendor as the transaction sees it; fn returns
// whether the market's counts moved.
func (s *Service) changeVendor(ctx context.Context, a Actor, id int64, perm Permission, fn func(tx Tx, m Market, v *Vendor) (bool, error)) (Vendor, error) {
	cur, err := s.store.Vendor(ctx, id)
	if err != nil {
		return Vendor{}, err
	}
	if err := Authorize(a, perm, cur.Unit()); err != nil {
		return Vendor{}, fmt.Errorf("vendor %d: %w", id, err)
	}
	var v Vendor
	err = s.store.InTx(ctx, func(tx Tx) error {
		m, err := tx.LockMarket(ctx, cur.MarketID)
		if err != nil {
			return err
		}
		if v, err = tx.Vendor(ctx, id); err != nil {
			return err
		}
		moved, err := fn(tx, m, &v)
		if err != nil || !moved {
			return err
		}
		_, err = tx.EmitMarketCounts(ctx, m.ID)
		return err
	})
	if err != nil {
		return Vendor{}, err
	}
	return withPayload(v)
}

// errInactive is the answer to a change of a removed vendor.
func errInactive(id int64) error {
	return &ValidationError{Fields: []FieldError{{Field: "id", Message: fmt.Sprintf("vendor %d is inactive", id)}}}
}

// UpdateVendor changes a vendor's name, phone or main stall. A main stall
// the vendor already holds just becomes its main one; any other stall is a
// move: the vendor gets the new stall (created or reopened as at
// registration) and releases its old main one, keeping its other stalls.
// It returns the vendor and a duplicate_phone Warning like RegisterVendor;
// ErrNotFound for an unknown vendor, ErrForbidden outside the actor's scope
// or role, a *ValidationError for bad input or an inactive vendor, and
// ErrConflict when the new stall has an active vendor.
func (s *Service) UpdateVendor(ctx context.Context, a Actor, id int64, in UpdateVendorInput) (VendorResult, error) {
	var p problems
	var name, phone, stallCode string
	if in.FullName != nil {
		name = checkVendorName(&p, "full_name", *in.FullName)
	}
	if in.Phone != nil {
		phone = checkPhone(&p, "phone", *in.Phone)
	}
	if in.StallCode != nil {
		stallCode = checkStallCode(&p, "stall_code", *in.StallCode)
	}
	var warnings []Warning
	v, err := s.changeVendor(ctx, a, id, PermRegister, func(tx Tx, m Market, v *Vendor) (bool, error) {
		if err := p.err(); err != nil {
			return false, err
		}
		if v.Status != VendorActive {
			return false, errInactive(id)
		}
		before := auditVendor(*v)
		moved := false
		if in.FullName != nil {
			v.FullName = name
		}
		if in.Phone != nil && phone != v.Phone {
			v.Phone = phone
			var err error
			if warnings, err = phoneWarnings(ctx, tx, m.ID, phone, v.ID); err != nil {
				return false, err
			}
		}
		var audits []AuditEntry
		if in.StallCode != nil && stallCode != v.StallCode {
			if i := slices.IndexFunc(v.Stalls, func(h VendorStall) bool { return h.StallCode == stallCode }); i >= 0 {
				v.setMainStall(i)
			} else {
				old := v.StallCode
				var err error
				if audits, err = s.assignStall(ctx, tx, a, m, v, stallCode); err != nil {
					return false, err
				}
				v.setMainStall(len(v.Stalls) - 1)
				if err := s.releaseStall(ctx, tx, a, v, old); err != nil {
					return false, err
				}
				moved = true
			}
		}
		v.UpdatedAt = s.clock()
		if err := tx.UpdateVendor(ctx, *v); err != nil {
			return false, err
		}
		e, err := s.auditEntry(a, ActionUpdate, "vendor", v.ID, m.ID, before, auditVendor(*v))
		if err != nil {
			return false, err
		}
		return moved, tx.AppendAudit(ctx, append(audits, e)...)
	})
	if err != nil {
		return VendorResult{}, fmt.Errorf("update vendor %d: %w", id, err)
	}
	return VendorResult{Vendor: v, Payload: v.Payload, Warnings: warnings}, nil
}

// DeactivateVendor removes a vendor (soft delete): its status becomes
// inactive, its history is kept, and its stalls and bank accounts are free
// for another vendor (StallID keeps the main stall it last held).
// Deactivating an inactive vendor changes nothing. It returns ErrNotFound
// for an unknown vendor and ErrForbidden outside the actor's scope or
// unless its role may remove vendors.
func (s *Service) DeactivateVendor(ctx context.Context, a Actor, id int64) (Vendor, error) {
	v, err := s.changeVendor(ctx, a, id, PermDeactivateVendors, func(tx Tx, m Market, v *Vendor) (bool, error) {
		if v.Status == VendorInactive {
			return false, nil
		}
		before := auditVendor(*v)
		now := s.clock()
		for i := range v.Accounts {
			if acc := &v.Accounts[i]; acc.Active {
				acc.Active, acc.DeactivatedAt = false, &now
				if err := tx.UpdateBankAccount(ctx, *acc); err != nil {
					return false, err
				}
			}
		}
		for _, code := range v.StallCodes() {
			if err := s.releaseStall(ctx, tx, a, v, code); err != nil {
				return false, err
			}
		}
		v.Status, v.DeactivatedAt, v.DeactivatedBy, v.UpdatedAt = VendorInactive, &now, a.UserID, now
		if err := tx.UpdateVendor(ctx, *v); err != nil {
			return false, err
		}
		return true, s.audit(ctx, tx, a, ActionDeactivate, "vendor", v.ID, m.ID, before, auditVendor(*v))
	})
	if err != nil {
		return Vendor{}, fmt.Errorf("deactivate vendor %d: %w", id, err)
	}
	return v, nil
}

// AddBankAccount adds a bank account to an active vendor. The new account
// becomes primary when asked or when the vendor has no other active
// account; a new primary changes the payload, so the sign version
// increases and the printed sign is outdated. It returns ErrNotFound,
// ErrForbidden, a *ValidationError and ErrConflict (the account is active
// on another vendor) like RegisterVendor.
func (s *Service) AddBankAccount(ctx context.Context, a Actor, vendorID int64, in AddBankAccountInput) (VendorResult, error) {
	var p problems
	acc := checkBankAccount(&p, "", in.BankAccountInput)
	acc.VendorID, acc.CreatedBy = vendorID, a.UserID
	stampVerified(&acc, a, s.clock())
	v, err := s.changeVendor(ctx, a, vendorID, PermRegister, func(tx Tx, m Market, v *Vendor) (bool, error) {
		if err := p.err(); err != nil {
			return false, err
		}
		if v.Status != VendorActive {
			return false, errInactive(vendorID)
		}
		if err := checkAccountFree(ctx, tx, acc, v.ID); err != nil {
			return false, err
		}
		before := auditVendor(*v)
		old, hadPrimary := v.PrimaryAccount()
		acc.Primary = in.Primary || !hadPrimary
		if acc.Primary && hadPrimary {
			// The old primary gives up its place first: at most one
			// active primary per vendor is a database constraint.
			for i := range v.Accounts {
				if v.Accounts[i].ID == old.ID {
					v.Accounts[i].Primary = false
					if err := tx.UpdateBankAccount(ctx, v.Accounts[i]); err != nil {
						return false, err
					}
				}
			}
		}
		var err error
		if acc, err = tx.CreateBankAccount(ctx, acc); err != nil {
			return false, err
		}
		v.Accounts = append(v.Accounts, acc)
		if acc.Primary {
			// Primary first, as the Store returns them.
			v.Accounts = append([]BankAccount{acc}, v.Accounts[:len(v.Accounts)-1]...)
			if hadPrimary {
				v.SignVersion++
			}
			nv, err := withPayload(*v)
			if err != nil {
				return false, err
			}
			reason := SignNew
			if hadPrimary {
				reason = SignBankChanged
			}
			if _, err := tx.CreateSignRecord(ctx, SignRecord{VendorID: v.ID, MarketID: m.ID, Version: v.SignVersion,
				BankAccountID: acc.ID, Payload: nv.Payload, Reason: reason, By: a.UserID, At: s.clock()}); err != nil {
				return false, err
			}
		}
		v.UpdatedAt = s.clock()
		if err := tx.UpdateVendor(ctx, *v); err != nil {
			return false, err
		}
		return acc.Primary, s.audit(ctx, tx, a, ActionAddAccount, "vendor", v.ID, m.ID, before, auditVendor(*v))
	})
	if err != nil {
		return VendorResult{}, fmt.Errorf("add bank account to vendor %d: %w", vendorID, err)
	}
	return VendorResult{Vendor: v, Payload: v.Payload}, nil
}

// ConfirmTransacting records that an active vendor received a first real
// payment through the QR; confirming again changes nothing. It returns
// ErrNotFound, ErrForbidden, and a *ValidationError for an inactive
// vendor.
func (s *Service) ConfirmTransacting(ctx context.Context, a Actor, vendorID int64) (Vendor, error) {
	v, err := s.changeVendor(ctx, a, vendorID, PermRegister, func(tx Tx, m Market, v *Vendor) (bool, error) {
		if v.Status != VendorActive {
			return false, errInactive(vendorID)
		}
		if v.TransactingAt != nil {
			return false, nil
		}
		before := auditVendor(*v)
		now := s.clock()
		v.TransactingAt, v.TransactingBy, v.TransactingSource, v.UpdatedAt = &now, a.UserID, TransactingManual, now
		if err := tx.UpdateVendor(ctx, *v); err != nil {
			return false, err
		}
		return true, s.audit(ctx, tx, a, ActionConfirm, "vendor", v.ID, m.ID, before, auditVendor(*v))
	})
	if err != nil {
		return Vendor{}, fmt.Errorf("confirm vendor %d transacting: %w", vendorID, err)
	}
	return v, nil
}
