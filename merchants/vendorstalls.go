package merchants

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
)

// A vendor holds one stall or more of its market (VendorStall); one of them
// is its main stall (Vendor.StallID). The rule "one active vendor per
// stall" is a rule on holdings, kept by the database too.

// AssignStall gives an active vendor one more stall of its market, as a
// team member does when a vendor also sells at the next stall: the stall
// is created when the market does not have it yet and has fewer stalls
// than it declares, and reopened when vacant, as at registration. A stall
// the vendor already holds changes nothing, so a retry is harmless. It
// returns ErrNotFound for an unknown vendor, ErrForbidden outside the
// actor's scope or role, a *ValidationError for a bad or closed stall or an
// inactive vendor, and ErrConflict when another vendor holds the stall.
func (s *Service) AssignStall(ctx context.Context, a Actor, vendorID int64, stallCode string) (VendorResult, error) {
	var p problems
	code := checkStallCode(&p, "stall_code", stallCode)
	v, err := s.changeVendor(ctx, a, vendorID, PermRegister, func(tx Tx, m Market, v *Vendor) (bool, error) {
		if err := p.err(); err != nil {
			return false, err
		}
		if v.Status != VendorActive {
			return false, errInactive(vendorID)
		}
		if slices.ContainsFunc(v.Stalls, func(h VendorStall) bool { return h.StallCode == code }) {
			return false, nil
		}
		before := auditVendor(*v)
		audits, err := s.assignStall(ctx, tx, a, m, v, code)
		if err != nil {
			return false, err
		}
		v.UpdatedAt = s.clock()
		if err := tx.UpdateVendor(ctx, *v); err != nil {
			return false, err
		}
		e, err := s.auditEntry(a, ActionAssignStall, "vendor", v.ID, m.ID, before, auditVendor(*v))
		if err != nil {
			return false, err
		}
		return true, tx.AppendAudit(ctx, append(audits, e)...)
	})
	if err != nil {
		return VendorResult{}, fmt.Errorf("assign stall to vendor %d: %w", vendorID, err)
	}
	return VendorResult{Vendor: v, Payload: v.Payload}, nil
}

// ReleaseStall takes the stall with stallID from an active vendor, which
// keeps its other stalls; when it was the main stall, the vendor's
// earliest other stall becomes the main one. The stall keeps its status
// for the next vendor. A stall of the vendor's market it does not hold
// changes nothing, so a retry is harmless. A vendor keeps at least one
// stall: releasing the last one is refused (deactivate the vendor
// instead). It returns ErrNotFound for an unknown vendor, ErrForbidden
// outside the actor's scope or role, and a *ValidationError for a stall of
// no market of the vendor's, the last stall or an inactive vendor.
func (s *Service) ReleaseStall(ctx context.Context, a Actor, vendorID, stallID int64) (Vendor, error) {
	v, err := s.changeVendor(ctx, a, vendorID, PermRegister, func(tx Tx, m Market, v *Vendor) (bool, error) {
		if v.Status != VendorActive {
			return false, errInactive(vendorID)
		}
		i := slices.IndexFunc(v.Stalls, func(h VendorStall) bool { return h.StallID == stallID })
		if i < 0 {
			st, err := tx.Stall(ctx, stallID)
			if errors.Is(err, ErrNotFound) || err == nil && st.MarketID != m.ID {
				return false, &ValidationError{Fields: []FieldError{{Field: "stall_id", Message: fmt.Sprintf(
					"the vendor's market has no stall %d", stallID)}}}
			}
			return false, err
		}
		code := v.Stalls[i].StallCode
		if len(v.Stalls) == 1 {
			return false, &ValidationError{Fields: []FieldError{{Field: "stall_id", Message: fmt.Sprintf(
				"stall %s is the vendor's only stall and a vendor keeps at least one; assign another stall first, or deactivate the vendor", code)}}}
		}
		before := auditVendor(*v)
		if i == 0 {
			v.setMainStall(1)
		}
		if err := s.releaseStall(ctx, tx, a, v, code); err != nil {
			return false, err
		}
		v.UpdatedAt = s.clock()
		if err := tx.UpdateVendor(ctx, *v); err != nil {
			return false, err
		}
		return true, s.audit(ctx, tx, a, ActionReleaseStall, "vendor", v.ID, m.ID, before, auditVendor(*v))
	})
	if err != nil {
		return Vendor{}, fmt.Errorf("release stall %d of vendor %d: %w", stallID, vendorID, err)
	}
	return v, nil
}

// assignStall gives v, of the locked market m, the stall with code, inside
// tx: the stall is found, created or reopened by stallForVendor, which also
// refuses a stall another vendor holds. It returns the audit entries of a
// created or reopened stall for the caller to write with its own.
func (s *Service) assignStall(ctx context.Context, tx Tx, a Actor, m Market, v *Vendor, code string) ([]AuditEntry, error) {
	f, err := tx.RegistrationFacts(ctx, RegistrationQuery{MarketID: m.ID, StallCode: code})
	if err != nil {
		return nil, err
	}
	st, audits, err := s.stallForVendor(ctx, tx, a, m, code, f)
	if err != nil {
		return nil, err
	}
	return audits, s.holdStall(ctx, tx, a, v, st)
}

// holdStall records, inside tx, that v holds st from now on and appends
// the holding to v.Stalls; the caller has checked that st is free.
func (s *Service) holdStall(ctx context.Context, tx Tx, a Actor, v *Vendor, st Stall) error {
	h, err := tx.AssignStall(ctx, VendorStall{VendorID: v.ID, StallID: st.ID, StallCode: st.Code, MarketID: st.MarketID,
		Active: true, AssignedBy: a.UserID, AssignedAt: s.clock()})
	if err != nil {
		return err
	}
	v.Stalls = append(v.Stalls, h)
	return nil
}

// releaseStall ends, inside tx, v's holding of the stall with code and
// removes it from v.Stalls; the caller keeps v.StallID on a stall v still
// holds, unless v is being deactivated.
func (s *Service) releaseStall(ctx context.Context, tx Tx, a Actor, v *Vendor, code string) error {
	i := slices.IndexFunc(v.Stalls, func(h VendorStall) bool { return h.StallCode == code })
	if i < 0 {
		return fmt.Errorf("vendor %d does not hold stall %s", v.ID, code)
	}
	h := v.Stalls[i]
	now := s.clock()
	h.Active, h.ReleasedBy, h.ReleasedAt = false, a.UserID, &now
	if err := tx.UpdateVendorStall(ctx, h); err != nil {
		return err
	}
	v.Stalls = slices.Delete(v.Stalls, i, i+1)
	return nil
}

// setMainStall makes v.Stalls[i] the vendor's main stall, first in Stalls;
// the others follow in the order of their assignment, as the Store lists
// them (the old main stall is not always the earliest).
func (v *Vendor) setMainStall(i int) {
	h := v.Stalls[i]
	rest := slices.Delete(slices.Clone(v.Stalls), i, i+1)
	slices.SortFunc(rest, func(a, b VendorStall) int { return cmp.Compare(a.ID, b.ID) })
	v.Stalls = append([]VendorStall{h}, rest...)
	v.StallID, v.StallCode = h.StallID, h.StallCode
}
