package merchants

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/sapqr/sapqr/qr"
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
	sign := StallSign{
		VendorID: v.ID, StallID: stallID,
		Market: m.Name, Stall: v.Stalls[i].StallCode, Vendor: v.FullName,
		BIN: acc.BIN, Account: acc.AccountNumber, Holder: acc.HolderName,
		Version: v.SignVersion, Printed: s.clock(),
	}
	return sign, sign.printable()
}

// printable checks every name the sign shows with the rule the printer
// applies (qr.CheckPrintable). Names are checked at the door, but some were
// stored before the rule: such a sign is a *ConflictError with
// RuleUnprintable naming the field and the character, never a failure of
// the printer.
func (s StallSign) printable() error {
	for _, f := range []struct {
		field, text, fix string
		max              int
	}{
		{"full_name", s.Vendor, fmt.Sprintf("PATCH /api/v1/vendors/%d", s.VendorID), qr.MaxSignVendor},
		{"bank_account.holder_name", s.Holder, fmt.Sprintf("POST /api/v1/vendors/%d/accounts", s.VendorID), qr.MaxSignHolder},
		{"stall_code", s.Stall, "PATCH /api/v1/stalls/{id}", qr.MaxSignStall},
		{"market.name", s.Market, "PATCH /api/v1/markets/{id}", qr.MaxSignMarket},
	} {
		if err := qr.CheckPrintable(f.text, f.max); err != nil {
			return conflict(RuleUnprintable, "vendor %d's sign cannot be printed: %s %s; correct it with %s", s.VendorID, f.field, err, f.fix)
		}
	}
	return nil
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

// MarketSigns returns the signs of every active vendor with a verified,
// printable QR in a market, one per stall it holds, main stall first,
// vendors by ID: what a team member prints for a whole market. Vendors
// whose account's payee was never checked are left out and listed in
// Unverified; vendors whose sign cannot be printed (a name stored before
// the sign rules) in Unprintable, with why. It returns ErrNotFound outside
// the actor's scope, ErrForbidden unless the actor registers vendors there
// and sees account numbers, a *ConflictError with RuleNoQR when no vendor
// has a QR (RuleUnverifiedAccount when some have one but none is
// verified), and a *ValidationError (id) when there are more than max
// signs. With only set (SignNone or SignOutdated), the batch holds just
// the stalls whose sign is in that state: what the market still needs; a
// *ConflictError with RuleNothingToPrint when none is.
func (s *Service) MarketSigns(ctx context.Context, a Actor, marketID int64, max int, only SignState) (MarketBatch, error) {
	switch only {
	case "", SignNone, SignOutdated:
	default:
		return MarketBatch{}, &ValidationError{Fields: []FieldError{{Field: "only", Message: "must be new (stalls never given a sign) or outdated (stalls whose sign has an old QR)"}}}
	}
	var b MarketBatch
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
			if err = s.addSigns(&b, m, v, only); err != nil {
				return b, err
			}
		}
		if len(vs) <= s.maxPage || len(b.Signs) > max {
			break
		}
		q.AfterID = vs[s.maxPage-1].ID
	}
	switch {
	case len(b.Signs) == 0 && only != "":
		return b, conflict(RuleNothingToPrint, "no stall of the market has a sign in the state asked for (%s): there is nothing to print", onlyName(only))
	case len(b.Signs) == 0 && len(b.Unverified) > 0:
		return b, conflict(RuleUnverifiedAccount, "none of the market's %d vendors with a QR has a checked bank account, so no sign prints; check each with POST /api/v1/vendors/{id}/verification", len(b.Unverified))
	case len(b.Signs) == 0:
		return b, conflict(RuleNoQR, "the market has no active vendor with a bank account and a printable sign, so there is no sign to print")
	case len(b.Signs) > max:
		return b, &ValidationError{Fields: []FieldError{{Field: "id", Message: fmt.Sprintf(
			"the market's vendors with a QR hold more than %d stalls, one sign each; print them in parts from the vendor pages", max)}}}
	}
	return b, nil
}

// MarketBatch is a market's signs to print, and the vendors with a QR
// left out of it.
type MarketBatch struct {
	Signs       []StallSign
	Unverified  []int64   // vendor IDs, ascending: the account's payee was never checked
	Unprintable []LeftOut // a name on the sign cannot be printed
}

// LeftOut is a vendor a market's batch leaves out, and why.
type LeftOut struct {
	VendorID int64
	Reason   string
}

// onlyName is a sign state as the API names it in ?only=.
func onlyName(only SignState) string {
	if only == SignNone {
		return "new"
	}
	return string(only)
}

// addSigns adds to b the signs of v at each stall it holds (only those
// whose sign is in state only, when set): none when it has no QR; v is
// listed in b.Unverified instead when its account's payee was never
// checked, and in b.Unprintable when a sign cannot be printed.
func (s *Service) addSigns(b *MarketBatch, m Market, v Vendor, only SignState) error {
	v, err := withPayload(v)
	if err != nil || v.Payload == "" {
		return err
	}
	if acc, ok := v.PrimaryAccount(); ok && !acc.Verified() {
		b.Unverified = append(b.Unverified, v.ID)
		return nil
	}
	signs := make([]StallSign, 0, len(v.Stalls))
	for _, h := range v.Stalls {
		if only != "" && v.SignState(h) != only {
			continue
		}
		sign, err := s.signAt(m, v, h.StallID)
		var ce *ConflictError
		if errors.As(err, &ce) && ce.Rule == RuleUnprintable {
			b.Unprintable = append(b.Unprintable, LeftOut{VendorID: v.ID, Reason: ce.Detail})
			return nil
		}
		if err != nil {
			return err
		}
		signs = append(signs, sign)
	}
	b.Signs = append(b.Signs, signs...)
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
// at most max, only the stalls in state only when set) was printed, and returns the batch and how many vendors'
// prints were recorded. It returns MarketSigns' errors; a vendor whose
// print cannot be recorded (removed meanwhile) is left out of the count
// and its error joined to the answer's.
func (s *Service) RecordMarketPrint(ctx context.Context, a Actor, marketID int64, max int, only SignState) (MarketBatch, int, error) {
	b, err := s.MarketSigns(ctx, a, marketID, max, only)
	if err != nil {
		return MarketBatch{}, 0, err
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
