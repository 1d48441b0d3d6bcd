package merchants

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// StallSign is what the sign at one stall shows: printables draws it. The
// account number is full, since the sign's QR carries it.
type StallSign struct {
	VendorID int64
	StallID  int64
	Market   string // the market's name
	Stall    string // the stall's code
	Vendor   string // the vendor's full name
	BIN      string
	Account  string
	Holder   string
	Version  int       // the vendor's sign version
	Printed  time.Time // the date the sign shows
}

// errNoQR is the conflict of a vendor without an active bank account:
// no payload, so no QR and no sign.
func errNoQR(vendorID int64) *ConflictError {
	return conflict(RuleNoQR, "the vendor has no active bank account, so there is no QR or sign; add one with POST /api/v1/vendors/%d/accounts", vendorID)
}

// VendorPayload returns the vendor with its sign payload, for the QR
// routes. The payload carries the full account number, so roles that may
// not see account numbers get ErrForbidden for a vendor they can read. It
// returns ErrNotFound outside the actor's scope and a *ConflictError with
// RuleNoQR when the vendor has no active bank account.
func (s *Service) VendorPayload(ctx context.Context, a Actor, vendorID int64) (Vendor, error) {
	v, err := s.Vendor(ctx, a, vendorID)
	if err != nil {
		return v, err
	}
	if !a.Can(PermSeeAccountNumbers) {
		return v, fmt.Errorf("vendor %d payload: role %s may not see account numbers: %w", vendorID, a.Role, ErrForbidden)
	}
	if v.Payload == "" {
		return v, errNoQR(vendorID)
	}
	return v, nil
}

// VendorSign returns the sign of a vendor at the stall with stallID it
// holds, or at its main stall for 0. It returns the errors of
// VendorPayload, a *ConflictError with RuleUnverifiedAccount when the
// payee of its account was never checked (see VerifyAccount), and a
// *ValidationError (stall_id) for a stall the vendor does not hold.
func (s *Service) VendorSign(ctx context.Context, a Actor, vendorID, stallID int64) (StallSign, error) {
	v, err := s.VendorPayload(ctx, a, vendorID)
	if err != nil {
		return StallSign{}, err
	}
	m, err := s.store.Market(ctx, v.MarketID)
	if err != nil {
		return StallSign{}, err
	}
	return s.signAt(m, v, stallID)
}

// LinkSign returns the sign a vendor's private link opens, at the stall
// with stallID the vendor holds or its main stall for 0: the link's holder
// may print the sign, whose QR shows the account anyway. It returns
// ErrNotFound exactly when VendorByLink does, a *ConflictError with
// RuleNoQR or RuleUnverifiedAccount and a *ValidationError (stall_id) like
// VendorSign.
func (s *Service) LinkSign(ctx context.Context, token string, stallID int64) (StallSign, error) {
	v, err := s.linkVendor(ctx, token)
	if err != nil {
		return StallSign{}, err
	}
	if v.Payload == "" {
		return StallSign{}, errNoQR(v.ID)
	}
	m, err := s.store.Market(ctx, v.MarketID)
	if err != nil {
		return StallSign{}, err
	}
	return s.signAt(m, v, stallID)
}

// signAt is the sign of v, which has a payload, at the stall with stallID
// it holds (its main stall for 0).
func (s *Service) signAt(m Market, v Vendor, stallID int64) (StallSign, error) {
	if stallID == 0 {
		stallID = v.StallID
	}
	i := slices.IndexFunc(v.Stalls, func(h VendorStall) bool { return h.StallID == stallID })
	acc, ok := v.PrimaryAccount()
	switch {
	case i < 0:
		return StallSign{}, &ValidationError{Fields: []FieldError{{Field: "stall_id", Message: fmt.Sprintf(
			"the vendor does not hold stall %d; it holds %s", stallID, heldStalls(v))}}}
	case !ok:
		return StallSign{}, errNoQR(v.ID)
	case !acc.Verified():
		return StallSign{}, errUnverified(v.ID)
	}
	return StallSign{
		VendorID: v.ID, StallID: stallID,
		Market: m.Name, Stall: v.Stalls[i].StallCode, Vendor: v.FullName,
		BIN: acc.BIN, Account: acc.AccountNumber, Holder: acc.HolderName,
		Version: v.SignVersion, Printed: s.clock(),
	}, nil
}

// heldStalls lists the stalls a vendor holds for people: "A-1 (id 4), A-2
// (id 9)", or "none".
func heldStalls(v Vendor) string {
	if len(v.Stalls) == 0 {
		return "none"
	}
	out := make([]string, len(v.Stalls))
	for i, h := range v.Stalls {
		out[i] = fmt.Sprintf("%s (id %d)", h.StallCode, h.StallID)
	}
	return strings.Join(out, ", ")
}

// MarketSignBatch is a market's batch of signs, and the vendors with a QR
// left out of it because the payee of their account was never checked.
type MarketSignBatch struct {
	Signs      []StallSign
	Unverified []int64 // vendor IDs, ascending
}

// MarketSigns returns the signs of every active vendor with a verified QR
// in a market, one per stall it holds, main stall first, vendors by ID:
// what a team member prints for a whole market; vendors whose account was
// never checked are left out and listed. It returns ErrNotFound outside
// the actor's scope, ErrForbidden unless the actor registers vendors there
// and sees account numbers, a *ConflictError with RuleNoQR when no vendor
// has a QR (RuleUnverifiedAccount when some have one but none is
// verified), and a *ValidationError (id) when there are more than max
// signs.
func (s *Service) MarketSigns(ctx context.Context, a Actor, marketID int64, max int) (MarketSignBatch, error) {
	var b MarketSignBatch
	m, err := s.Market(ctx, a, marketID)
	if err != nil {
		return b, err
	}
	if err := Authorize(a, PermRegister, m.Unit()); err != nil {
		return b, fmt.Errorf("market %d signs: %w", marketID, err)
	}
	if !a.Can(PermSeeAccountNumbers) {
		return b, fmt.Errorf("market %d signs: role %s may not see account numbers: %w", marketID, a.Role, ErrForbidden)
	}
	for q := (VendorQuery{MarketID: marketID, Status: VendorActive, Limit: s.maxPage + 1}); ; {
		vs, err := s.store.ListVendors(ctx, q)
		if err != nil {
			return b, fmt.Errorf("market %d signs: %w", marketID, err)
		}
		for _, v := range vs[:min(len(vs), s.maxPage)] {
			if err = s.appendSigns(&b, m, v); err != nil {
				return b, err
			}
		}
		if len(vs) <= s.maxPage || len(b.Signs) > max {
			break
		}
		q.AfterID = vs[s.maxPage-1].ID
	}
	switch {
	case len(b.Signs) == 0 && len(b.Unverified) > 0:
		return b, conflict(RuleUnverifiedAccount, "none of the market's %d vendors with a QR has a checked bank account, so no sign prints; check each with POST /api/v1/vendors/{id}/verification", len(b.Unverified))
	case len(b.Signs) == 0:
		return b, conflict(RuleNoQR, "the market has no active vendor with a bank account, so there is no sign to print")
	case len(b.Signs) > max:
		return b, &ValidationError{Fields: []FieldError{{Field: "id", Message: fmt.Sprintf(
			"the market's vendors with a QR hold more than %d stalls, one sign each; print them in parts from the vendor pages", max)}}}
	}
	return b, nil
}

// appendSigns appends to b the signs of v at each stall it holds, none
// when it has no QR; v is listed in b.Unverified instead when its
// account's payee was never checked.
func (s *Service) appendSigns(b *MarketSignBatch, m Market, v Vendor) error {
	v, err := withPayload(v)
	if err != nil || v.Payload == "" {
		return err
	}
	if acc, ok := v.PrimaryAccount(); ok && !acc.Verified() {
		b.Unverified = append(b.Unverified, v.ID)
		return nil
	}
	for _, h := range v.Stalls {
		sign, err := s.signAt(m, v, h.StallID)
		if err != nil {
			return err
		}
		b.Signs = append(b.Signs, sign)
	}
	return nil
}

// RecordPrinted records signs as printed: for each vendor among them, one
// RecordSignPrint for all its stalls in signs, with the reason its stalls
// give (see Vendor.SignReason). Every vendor is tried; it returns how many
// vendors were recorded and the failures joined, each as RecordSignPrint
// returns it.
func (s *Service) RecordPrinted(ctx context.Context, a Actor, signs ...StallSign) (int, error) {
	var order []int64
	stalls := map[int64][]int64{}
	for _, sign := range signs {
		if _, ok := stalls[sign.VendorID]; !ok {
			order = append(order, sign.VendorID)
		}
		stalls[sign.VendorID] = append(stalls[sign.VendorID], sign.StallID)
	}
	var errs []error
	for _, id := range order {
		if _, err := s.RecordSignPrint(ctx, a, id, "", stalls[id]...); err != nil {
			errs = append(errs, err)
		}
	}
	return len(order) - len(errs), errors.Join(errs...)
}

// RecordMarketPrint records that a market's batch of signs (MarketSigns,
// at most max) was printed, and returns the batch and how many vendors'
// prints were recorded. It returns MarketSigns' errors; a vendor whose
// print cannot be recorded (removed meanwhile) is left out of the count
// and its error joined to the answer's.
func (s *Service) RecordMarketPrint(ctx context.Context, a Actor, marketID int64, max int) (MarketSignBatch, int, error) {
	b, err := s.MarketSigns(ctx, a, marketID, max)
	if err != nil {
		return MarketSignBatch{}, 0, err
	}
	n, err := s.RecordPrinted(ctx, a, b.Signs...)
	return b, n, err
}

// SignReason says why the vendor's current sign is printed now at its
// stalls with stallIDs (its main stall for none): new when one of them
// never had a sign, bank_changed when one has an older one, else reprint.
func (v Vendor) SignReason(stallIDs ...int64) SignReason {
	if len(stallIDs) == 0 {
		stallIDs = []int64{v.StallID}
	}
	printed := v.SignPrintedVersion
	for _, h := range v.Stalls {
		if slices.Contains(stallIDs, h.StallID) {
			printed = min(printed, h.SignPrintedVersion)
		}
	}
	switch {
	case printed == 0:
		return SignNew
	case printed < v.SignVersion:
		return SignBankChanged
	}
	return SignReprint
}

// SignState is the state of the sign at one stall a vendor holds.
type SignState string

// Sign states; the zero SignState means the vendor has no QR, so no sign.
const (
	SignNone     SignState = "none"     // never printed for this stall
	SignOutdated SignState = "outdated" // printed, but an older version
	SignCurrent  SignState = "ok"       // the current sign hangs there
)

// SignState is the state of the sign at stall h the vendor holds.
func (v Vendor) SignState(h VendorStall) SignState {
	switch {
	case v.Payload == "":
		return ""
	case h.SignPrintedVersion == 0:
		return SignNone
	case h.SignPrintedVersion < v.SignVersion:
		return SignOutdated
	}
	return SignCurrent
}
