package merchants

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"unicode/utf8"
)

// RegisterVendor registers a vendor at a stall with a bank account, in one
// transaction, as a team member does at the stall: the stall is created
// when the market does not have it yet and has fewer stalls than it
// declares. It returns the vendor, the payload of the sign and a
// duplicate_phone Warning when another active vendor of the market has the
// same phone.
//
// A registration with a request key is idempotent: when the actor already
// registered a vendor with the key at this market and stall, that vendor is
// returned as the first call returned it (without its warnings), whether
// the retry finds the stall taken by it or races it.
//
// It returns ErrNotFound for an unknown market, ErrForbidden outside the
// actor's scope or role, a *ValidationError listing every bad field, and
// ErrConflict when the stall already has an active vendor, the bank
// account is active on another vendor, or the request key was used for a
// registration at another market or stall.
func (s *Service) RegisterVendor(ctx context.Context, a Actor, in RegisterVendorInput) (VendorResult, error) {
	var p problems
	if in.MarketID <= 0 {
		p.add("market_id", "is required")
	}
	stallCode := checkStallCode(&p, "stall_code", in.StallCode)
	v := Vendor{
		FullName:    checkVendorName(&p, "full_name", in.FullName),
		Phone:       checkPhone(&p, "phone", in.Phone),
		Status:      VendorActive,
		SignVersion: 1,
	}
	if !in.Consent {
		p.add("consent", "must be true: the vendor agrees to the storage of their name, phone and bank account")
	}
	acc := checkBankAccount(&p, "bank_account.", in.BankAccount)
	if n := utf8.RuneCountInString(in.RequestKey); n > maxRequestKey {
		p.add("request_key", fmt.Sprintf("must be at most %d characters, not %d", maxRequestKey, n))
	}
	v.RequestKey = in.RequestKey
	assisted := checkAssists(&p, "assisted", in.Assisted)
	if len(p) > 0 && in.MarketID > 0 {
		// Bad input is answered as before any change: the market is read
		// only to list it among the bad fields or refuse an outsider. Good
		// input reads it once, locked, in the transaction.
		m, err := s.store.Market(ctx, in.MarketID)
		if errors.Is(err, ErrNotFound) {
			p = append(problems{{Field: "market_id", Message: fmt.Sprintf("market %d does not exist", in.MarketID)}}, p...)
		} else if err != nil {
			return VendorResult{}, err
		} else if err := Authorize(a, PermRegister, m.Unit()); err != nil {
			return VendorResult{}, fmt.Errorf("market %d: %w", m.ID, err)
		}
	}
	if err := p.err(); err != nil {
		return VendorResult{}, err
	}
	var (
		res VendorResult
		// refused is the answer about the market itself, returned as a
		// request with bad input gets it, not as a failed registration.
		refused error
	)
	err := s.store.InTx(ctx, func(tx Tx) error {
		m, err := tx.LockMarket(ctx, in.MarketID)
		if errors.Is(err, ErrNotFound) {
			refused = &ValidationError{Fields: []FieldError{{Field: "market_id", Message: fmt.Sprintf("market %d does not exist", in.MarketID)}}}
			return refused
		} else if err != nil {
			return err
		}
		if err := Authorize(a, PermRegister, m.Unit()); err != nil {
			refused = fmt.Errorf("market %d: %w", m.ID, err)
			return refused
		}
		var d CountsDelta
		res.Vendor, res.Warnings, d, err = s.registerInTx(ctx, tx, a, m, v, acc, stallCode)
		if err != nil {
			return err
		}
		if err := recordAssists(ctx, tx, a, res.Vendor, assisted, s.clock()); err != nil {
			return err
		}
		_, err = tx.EmitMarketDelta(ctx, m.ID, d)
		return err
	})
	switch {
	case err != nil && err == refused:
		return VendorResult{}, err
	case errors.Is(err, ErrConflict) && in.RequestKey != "":
		return s.registered(ctx, a, in.MarketID, stallCode, in.RequestKey, err)
	case err != nil:
		return VendorResult{}, fmt.Errorf("register vendor: %w", err)
	}
	res.Payload = res.Vendor.Payload
	return res, nil
}

// maxRequestKey is the longest RegisterVendorInput.RequestKey, in
// characters: as long as the API's Idempotency-Key may be.
const maxRequestKey = 255

// registered answers a registration with a request key that conflicted:
// when the conflict is the actor's own earlier registration with the key
// (committed, though its answer may never have reached the client), at the
// same market and stall, it returns that vendor; otherwise refused, the
// registration's error, is returned.
//
// The lookup runs after the registration's transaction ended, so it sees a
// racing duplicate that committed first: the market row lock made this
// registration wait for it and then find the stall taken, or the unique
// index on the key made it wait and then refused it.
func (s *Service) registered(ctx context.Context, a Actor, marketID int64, stallCode, key string, refused error) (VendorResult, error) {
	v, err := s.store.VendorByRequestKey(ctx, a.UserID, key)
	switch {
	case errors.Is(err, ErrNotFound):
		return VendorResult{}, fmt.Errorf("register vendor: %w", refused)
	case err != nil:
		return VendorResult{}, fmt.Errorf("register vendor: request key: %w", err)
	case v.MarketID != marketID || (v.StallCode != stallCode && !slices.Contains(v.StallCodes(), stallCode)):
		return VendorResult{}, fmt.Errorf("register vendor: %w", conflict(RuleRequestKey,
			"the request key was already used to register vendor %d at another stall; use a new key for a new registration", v.ID))
	}
	if v, err = withPayload(v); err != nil {
		return VendorResult{}, fmt.Errorf("register vendor: %w", err)
	}
	return VendorResult{Vendor: v, Payload: v.Payload}, nil
}

// registerInTx registers a checked vendor with its primary account at the
// stall with stallCode of the locked market m, inside tx: RegisterVendor's
// transaction but the counter outbox row, which the caller writes after
// all its changes, and what a bulk import does for each row. Its checks
// are one query, its audit entries one insert. It returns the vendor with
// its payload, any duplicate_phone warning, and how the registration moved
// the market's counts.
func (s *Service) registerInTx(ctx context.Context, tx Tx, a Actor, m Market, v Vendor, acc BankAccount, stallCode string) (Vendor, []Warning, CountsDelta, error) {
	now := s.clock()
	v.MarketID, v.ConsentAt, v.ConsentBy, v.RegisteredBy = m.ID, now, a.UserID, a.UserID
	acc.Primary, acc.CreatedBy, acc.Active = true, a.UserID, true
	stampVerified(&acc, a, now)
	f, err := tx.RegistrationFacts(ctx, RegistrationQuery{MarketID: m.ID, StallCode: stallCode,
		BIN: acc.BIN, AccountNumber: acc.AccountNumber, Phone: v.Phone})
	if err != nil {
		return Vendor{}, nil, CountsDelta{}, err
	}
	// Every check that does not write comes first: a bulk import goes on
	// to its next row in the same transaction after a row fails.
	plan, err := planStall(m, stallCode, f, 0)
	if err != nil {
		return Vendor{}, nil, CountsDelta{}, err
	}
	if err := accountFree(acc, f.AccountVendorID, 0); err != nil {
		return Vendor{}, nil, CountsDelta{}, err
	}
	st, audits, err := s.applyStallPlan(ctx, tx, a, m, stallCode, plan)
	if err != nil {
		return Vendor{}, nil, CountsDelta{}, err
	}
	v.StallID, v.StallCode, v.CommuneCode, v.ProvinceCode = st.ID, st.Code, m.CommuneCode, m.ProvinceCode
	warnings := phoneWarning(v.Phone, f.PhoneVendorIDs, 0)
	if v, err = tx.CreateVendor(ctx, v); err != nil {
		return Vendor{}, nil, CountsDelta{}, err
	}
	if err := s.holdStall(ctx, tx, a, &v, st); err != nil {
		return Vendor{}, nil, CountsDelta{}, err
	}
	acc.VendorID = v.ID
	if acc, err = tx.CreateBankAccount(ctx, acc); err != nil {
		return Vendor{}, nil, CountsDelta{}, err
	}
	v.Accounts = []BankAccount{acc}
	if v, err = withPayload(v); err != nil {
		return Vendor{}, nil, CountsDelta{}, err
	}
	if _, err := tx.CreateSignRecord(ctx, SignRecord{VendorID: v.ID, MarketID: m.ID, Version: v.SignVersion,
		BankAccountID: acc.ID, Payload: v.Payload, Reason: SignNew, By: a.UserID, At: now}); err != nil {
		return Vendor{}, nil, CountsDelta{}, err
	}
	e, err := s.auditEntry(a, ActionRegister, "vendor", v.ID, m.ID, nil, auditVendor(v))
	if err != nil {
		return Vendor{}, nil, CountsDelta{}, err
	}
	// The created or reopened stall's entry and the vendor's, in one insert.
	if err := tx.AppendAudit(ctx, append(audits, e)...); err != nil {
		return Vendor{}, nil, CountsDelta{}, err
	}
	// The facts were read under the market lock, and the checks passed: the
	// stall had no active vendor (so it counted for nothing but, when
	// active, stalls_active) and is active now; the vendor is active with
	// an active account, its sign not yet printed, no payment confirmed.
	d := CountsDelta{StallsWithQR: 1, Vendors: 1, VendorsWithQR: 1}
	if f.Stall.ID == 0 || f.Stall.Status != StallActive {
		d.StallsActive = 1
	}
	return v, warnings, d, nil
}

// stallForVendor returns the stall with code in m, free for a new active
// vendor, creating it when m has fewer stalls than it declares and
// reopening it when vacant; f holds the facts read after the caller locked
// the market row. It returns the audit entry of a created or reopened
// stall for the caller to write with its own.
func (s *Service) stallForVendor(ctx context.Context, tx Tx, a Actor, m Market, code string, f RegistrationFacts) (Stall, []AuditEntry, error) {
	plan, err := planStall(m, code, f, 0)
	if err != nil {
		return Stall{}, nil, err
	}
	return s.applyStallPlan(ctx, tx, a, m, code, plan)
}

// applyStallPlan creates or reopens the stall with code in m as plan says
// and returns it, with the audit entry of the change for the caller to
// write with its own.
func (s *Service) applyStallPlan(ctx context.Context, tx Tx, a Actor, m Market, code string, plan stallPlan) (Stall, []AuditEntry, error) {
	st := plan.stall
	switch {
	case plan.create:
		st, err := tx.CreateStall(ctx, Stall{MarketID: m.ID, Code: code, Status: StallActive})
		if err != nil {
			return Stall{}, nil, err
		}
		e, err := s.auditEntry(a, ActionCreate, "stall", st.ID, m.ID, nil, auditStall(st))
		return st, []AuditEntry{e}, err
	case plan.reopen:
		before := st
		st.Status, st.UpdatedAt = StallActive, s.clock()
		if err := tx.UpdateStall(ctx, st); err != nil {
			return Stall{}, nil, err
		}
		e, err := s.auditEntry(a, ActionUpdate, "stall", st.ID, m.ID, auditStall(before), auditStall(st))
		return st, []AuditEntry{e}, err
	}
	return st, nil, nil
}

// stallPlan is what placing a vendor at a stall takes: the stall as it is
// (ID 0 when it does not exist yet), and whether it must first be created
// or reopened.
type stallPlan struct {
	stall          Stall
	create, reopen bool
}

// planStall decides, without writing, whether the stall with code in the
// locked market m can take a new vendor, from the facts f: the market is
// open, the stall is not closed and nobody holds it, and a missing stall
// fits in the stalls the market declares, with created more stalls the
// same transaction creates first.
func planStall(m Market, code string, f RegistrationFacts, created int) (stallPlan, error) {
	if m.Status != MarketActive {
		return stallPlan{}, &ValidationError{Fields: []FieldError{{Field: "market_id", Message: "the market is closed"}}}
	}
	st := f.Stall
	switch {
	case st.ID == 0 && f.MarketStalls+created >= m.StallsDeclared:
		return stallPlan{}, &ValidationError{Fields: []FieldError{{Field: "stall_code", Message: fmt.Sprintf(
			"market has no stall %s and already has the %d stalls it declares; add the stall or raise the market's stall count", code, m.StallsDeclared)}}}
	case st.ID == 0:
		return stallPlan{create: true}, nil
	case st.Status == StallClosed:
		return stallPlan{}, &ValidationError{Fields: []FieldError{{Field: "stall_code", Message: fmt.Sprintf("stall %s is closed", code)}}}
	case f.StallVendorID != 0:
		return stallPlan{}, conflict(RuleStallTaken, "stall %s already has an active vendor (%d)", code, f.StallVendorID)
	}
	return stallPlan{stall: st, reopen: st.Status == StallVacant}, nil
}
