package merchants

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// checkBankAccount checks a bank account as typed, under prefix.
func checkBankAccount(p *problems, prefix string, in BankAccountInput) BankAccount {
	n := len(*p)
	acc := BankAccount{
		BIN:           checkBIN(p, prefix+"bin", in.BIN),
		AccountNumber: checkAccountNumber(p, prefix+"account_number", in.AccountNumber),
		HolderName:    checkHolderName(p, prefix+"holder_name", in.HolderName),
		Confirmation:  in.Confirmation,
		Active:        true,
	}
	switch in.Confirmation {
	case ConfirmNone, ConfirmAppShown, ConfirmTestTransfer:
	default:
		p.add(prefix+"confirmation", "must be app_shown, test_transfer or empty")
	}
	if len(*p) == n {
		checkPayload(p, prefix, acc)
	}
	return acc
}

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
// same market and stall, it returns that vendor; otherwise conflict, the
// registration's error, is returned.
//
// The lookup runs after the registration's transaction ended, so it sees a
// racing duplicate that committed first: the market row lock made this
// registration wait for it and then find the stall taken, or the unique
// index on the key made it wait and then refused it.
func (s *Service) registered(ctx context.Context, a Actor, marketID int64, stallCode, key string, conflict error) (VendorResult, error) {
	v, err := s.store.VendorByRequestKey(ctx, a.UserID, key)
	switch {
	case errors.Is(err, ErrNotFound):
		return VendorResult{}, fmt.Errorf("register vendor: %w", conflict)
	case err != nil:
		return VendorResult{}, fmt.Errorf("register vendor: request key: %w", err)
	case v.MarketID != marketID || (v.StallCode != stallCode && !slices.Contains(v.StallCodes(), stallCode)):
		return VendorResult{}, fmt.Errorf("register vendor: %w: the request key was already used to register vendor %d at another stall; use a new key for a new registration",
			ErrConflict, v.ID)
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

// checkPhone normalises a phone field.
func checkPhone(p *problems, field, s string) string {
	if strings.TrimSpace(s) == "" {
		p.add(field, "is required")
		return ""
	}
	n, err := NormalizePhone(s)
	if err != nil {
		p.add(field, err.Error())
	}
	return n
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
		return stallPlan{}, fmt.Errorf("%w: stall %s already has an active vendor (%d)", ErrConflict, code, f.StallVendorID)
	}
	return stallPlan{stall: st, reopen: st.Status == StallVacant}, nil
}

// checkAccountFree returns ErrConflict when acc is active on a vendor
// other than self.
func checkAccountFree(ctx context.Context, tx Tx, acc BankAccount, self int64) error {
	other, err := tx.ActiveVendorWithAccount(ctx, acc.BIN, acc.AccountNumber)
	switch {
	case errors.Is(err, ErrNotFound):
		return nil
	case err != nil:
		return err
	}
	return accountFree(acc, other.ID, self)
}

// accountFree returns ErrConflict when acc is active on vendor other (0
// for none) and other is not self, and a *ValidationError when it is.
func accountFree(acc BankAccount, other, self int64) error {
	switch other {
	case 0:
		return nil
	case self:
		return &ValidationError{Fields: []FieldError{{Field: "account_number", Message: "the vendor already has this account"}}}
	}
	return fmt.Errorf("%w: bank account %s %s is active on another vendor (%d)", ErrConflict, acc.BIN, maskAccount(acc.AccountNumber), other)
}

// phoneWarnings flags other active vendors of the market with the phone.
func phoneWarnings(ctx context.Context, tx Tx, marketID int64, phone string, self int64) ([]Warning, error) {
	ids, err := tx.ActiveVendorIDsByPhone(ctx, marketID, phone)
	if err != nil {
		return nil, err
	}
	return phoneWarning(phone, ids, self), nil
}

// phoneWarning flags the active vendors ids with the phone, but self.
func phoneWarning(phone string, ids []int64, self int64) []Warning {
	var others []int64
	for _, id := range ids {
		if id != self {
			others = append(others, id)
		}
	}
	if len(others) == 0 {
		return nil
	}
	return []Warning{{Code: WarnDuplicatePhone, VendorIDs: others,
		Message: fmt.Sprintf("%d other active vendor(s) of this market have phone %s", len(others), phone)}}
}

// Vendor returns a vendor with its accounts and payload. It returns
// ErrNotFound when there is none or it is outside the actor's scope.
func (s *Service) Vendor(ctx context.Context, a Actor, id int64) (Vendor, error) {
	v, err := s.store.Vendor(ctx, id)
	if err != nil {
		return Vendor{}, err
	}
	if err := Authorize(a, PermRead, v.Unit()); err != nil {
		return Vendor{}, fmt.Errorf("vendor %d: %w", id, err)
	}
	return withPayload(v)
}

// ListVendors returns a page of the vendors in the actor's scope that
// match f, by ascending ID, with their accounts and payloads. It returns
// ErrNotFound when f names a market or unit outside the scope and a
// *ValidationError for a bad filter.
func (s *Service) ListVendors(ctx context.Context, a Actor, f VendorFilter) (VendorPage, error) {
	var p problems
	q := VendorQuery{MarketID: f.MarketID, Status: f.Status, AfterID: decodeCursor(&p, f.Cursor)}
	limit := s.pageLimit(&p, f.Limit)
	q.Limit = limit + 1
	switch f.Status {
	case "":
		q.Status = VendorActive
	case VendorActive, VendorInactive:
	default:
		p.add("status", "must be active or inactive")
	}
	if qs := strings.TrimSpace(f.Q); qs != "" {
		if phone, err := NormalizePhone(qs); err == nil {
			q.Phone = phone
		} else {
			q.NameFolded = Fold(qs)
		}
	}
	if f.MarketID != 0 {
		if _, err := s.Market(ctx, a, f.MarketID); err != nil {
			return VendorPage{}, err
		}
	}
	var err error
	if q.ProvinceCode, q.CommuneCodes, err = scopeFilter(a, f.ProvinceCode, f.CommuneCode); err != nil {
		return VendorPage{}, err
	}
	if err := p.err(); err != nil {
		return VendorPage{}, err
	}
	vs, err := s.store.ListVendors(ctx, q)
	if err != nil {
		return VendorPage{}, fmt.Errorf("list vendors: %w", err)
	}
	page := VendorPage{Vendors: vs}
	if len(vs) > limit {
		page.Vendors = vs[:limit]
		page.NextCursor = encodeCursor(vs[limit-1].ID)
	}
	for i, v := range page.Vendors {
		if page.Vendors[i], err = withPayload(v); err != nil {
			return VendorPage{}, err
		}
	}
	return page, nil
}

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
		v.TransactingAt, v.TransactingBy, v.UpdatedAt = &now, a.UserID, now
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

type stallAudit struct {
	ID       int64       `json:"id"`
	MarketID int64       `json:"market_id"`
	Code     string      `json:"code"`
	Category string      `json:"category"`
	Status   StallStatus `json:"status"`
}

func auditStall(s Stall) stallAudit {
	return stallAudit{ID: s.ID, MarketID: s.MarketID, Code: s.Code, Category: s.Category, Status: s.Status}
}
