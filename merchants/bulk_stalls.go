package merchants

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// A vendors file names a vendor's stalls in one cell, main stall first
// ("A-1, A-2"), or lists a vendor once per stall, one row each with the
// same phone and bank account (the sheets markets keep stall by stall).
// Either way an import only adds stalls: a stall missing from a row is
// kept, since a per-stall sheet names one stall a row; releasing one goes
// through the app.

// checkStallCodes reads a stall cell: one stall code or several separated
// by StallCodeSeparators, each checked as a stall code; repeats count
// once. It returns the codes in the cell's order, none when the cell has
// a problem.
func checkStallCodes(p *problems, field, cell string) []string {
	parts := strings.FieldsFunc(cell, func(r rune) bool { return strings.ContainsRune(StallCodeSeparators, r) })
	parts = slices.DeleteFunc(parts, func(s string) bool { return strings.TrimSpace(s) == "" })
	if len(parts) == 0 {
		checkStallCode(p, field, "")
		return nil
	}
	var codes []string
	bad := false
	for _, part := range parts {
		var q problems
		code := checkStallCode(&q, field, part)
		for _, fe := range q {
			if len(parts) > 1 {
				// Say which of the cell's codes is wrong.
				fe.Message = fmt.Sprintf("%q %s", strings.TrimSpace(part), fe.Message)
			}
			p.add(fe.Field, fe.Message)
			bad = true
		}
		if code != "" && !slices.Contains(codes, code) {
			codes = append(codes, code)
		}
	}
	if bad {
		return nil
	}
	return codes
}

// rowStall is a stall a row lists, as the locked market has it.
type rowStall struct {
	code   string
	stall  Stall  // ID 0 when the market has no such stall yet
	holder Vendor // ID 0 when no vendor holds the stall
}

// rowStalls looks up, inside tx, each stall a row lists and the vendor
// holding it.
func rowStalls(ctx context.Context, tx Tx, marketID int64, codes []string) ([]rowStall, error) {
	out := make([]rowStall, len(codes))
	for i, code := range codes {
		out[i].code = code
		st, err := tx.StallByCode(ctx, marketID, code)
		switch {
		case errors.Is(err, ErrNotFound):
			continue
		case err != nil:
			return nil, err
		}
		out[i].stall = st
		holder, err := tx.ActiveVendorOnStall(ctx, st.ID)
		switch {
		case errors.Is(err, ErrNotFound):
		case err != nil:
			return nil, err
		default:
			out[i].holder = holder
		}
	}
	return out, nil
}

// rowVendor finds, inside tx, the active vendor of market m a row is
// about: the holder of one of its stalls with the row's phone, or else the
// vendor of the market with the row's phone and bank account, as in a
// sheet with one row per stall (a vendor created by an earlier row of the
// same file is found too, the transaction being the same). It reports
// false for a row about a new vendor.
func rowVendor(ctx context.Context, tx Tx, m Market, vr vendorRow, stalls []rowStall) (Vendor, bool, error) {
	for _, rs := range stalls {
		if rs.holder.ID != 0 && rs.holder.Phone == vr.vendor.Phone {
			return rs.holder, true, nil
		}
	}
	if vr.account.AccountNumber == "" {
		return Vendor{}, false, nil
	}
	v, err := tx.ActiveVendorWithAccount(ctx, vr.account.BIN, vr.account.AccountNumber)
	switch {
	case errors.Is(err, ErrNotFound):
		return Vendor{}, false, nil
	case err != nil:
		return Vendor{}, false, err
	}
	if v.MarketID != m.ID || v.Phone != vr.vendor.Phone {
		return Vendor{}, false, nil
	}
	return v, true, nil
}

// heldByOther returns a *ValidationError on stall_code for each listed
// stall that a vendor other than self (0 for a new vendor) holds.
func heldByOther(stalls []rowStall, self int64) error {
	var p problems
	for _, rs := range stalls {
		if h := rs.holder; h.ID != 0 && h.ID != self {
			p.add("stall_code", fmt.Sprintf("stall %s is held by vendor %d (%s, phone %s); release it from that vendor in the app first",
				rs.code, h.ID, h.FullName, h.Phone))
		}
	}
	return p.err()
}

// checkRowStalls checks, before the row writes anything, that every
// listed stall the vendor self (0 for a new vendor) does not hold yet can
// be given to it, as the writes after it will (see planStall): a row that
// fails must leave nothing behind for the rows after it, which run in the
// same transaction.
func checkRowStalls(ctx context.Context, tx Tx, m Market, stalls []rowStall, self int64) error {
	n := 0 // the market's stalls, counted only when a listed one is missing
	if slices.ContainsFunc(stalls, func(rs rowStall) bool { return rs.stall.ID == 0 }) {
		var err error
		if n, err = tx.CountStalls(ctx, m.ID); err != nil {
			return err
		}
	}
	created := 0
	for _, rs := range stalls {
		if self != 0 && rs.holder.ID == self {
			continue
		}
		f := RegistrationFacts{Stall: rs.stall, MarketStalls: n, StallVendorID: rs.holder.ID}
		plan, err := planStall(m, rs.code, f, created)
		if err != nil {
			return err
		}
		if plan.create {
			created++
		}
	}
	return nil
}

// importStalls gives v, of the locked market m, inside tx, every listed
// stall it does not hold yet, as AssignStall does, and makes the first
// listed stall its main one when the row lists several (a row naming one
// stall, as a per-stall sheet does, leaves the main stall alone). It
// returns the audit entries to write, the vendor's last, and whether the
// market's counts moved; the caller writes the vendor.
func (s *Service) importStalls(ctx context.Context, tx Tx, a Actor, m Market, v *Vendor, stalls []rowStall) ([]AuditEntry, bool, error) {
	var audits []AuditEntry
	before := auditVendor(*v)
	assigned := false
	for _, rs := range stalls {
		if slices.ContainsFunc(v.Stalls, func(h VendorStall) bool { return h.StallCode == rs.code }) {
			continue
		}
		stallAudits, err := s.assignStall(ctx, tx, a, m, v, rs.code)
		if err != nil {
			return nil, false, err
		}
		audits, assigned = append(audits, stallAudits...), true
	}
	if assigned {
		e, err := s.auditEntry(a, ActionAssignStall, "vendor", v.ID, m.ID, before, auditVendor(*v))
		if err != nil {
			return nil, false, err
		}
		audits, before = append(audits, e), auditVendor(*v)
	}
	if len(stalls) > 1 && stalls[0].code != v.StallCode {
		i := slices.IndexFunc(v.Stalls, func(h VendorStall) bool { return h.StallCode == stalls[0].code })
		v.setMainStall(i)
		e, err := s.auditEntry(a, ActionUpdate, "vendor", v.ID, m.ID, before, auditVendor(*v))
		if err != nil {
			return nil, false, err
		}
		audits = append(audits, e)
	}
	return audits, assigned, nil
}

// setStallCategories gives each listed stall the row's goods category,
// audited; it reports whether one changed. Stalls are read again, since
// the row may just have created or reopened them.
func (s *Service) setStallCategories(ctx context.Context, tx Tx, a Actor, m Market, codes []string, category string) (bool, error) {
	if category == "" {
		return false, nil
	}
	changed := false
	for _, code := range codes {
		st, err := tx.StallByCode(ctx, m.ID, code)
		if err != nil {
			return false, err
		}
		if st.Category != category {
			if err := s.setStallCategory(ctx, tx, a, st, category); err != nil {
				return false, err
			}
			changed = true
		}
	}
	return changed, nil
}
