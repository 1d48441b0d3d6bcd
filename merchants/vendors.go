package merchants

import (
	"context"
	"errors"
	"fmt"
	"strings"
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
	if in.Verify != nil {
		if in.Confirmation == ConfirmAppShown || in.Confirmation == ConfirmTestTransfer {
			p.add(prefix+"confirmation", "is either an object (the payee check) or one of the older strings, not both")
		}
		if len(*p) == n {
			acc.VerifyMethod = checkVerify(p, prefix+"confirmation.", *in.Verify, acc.HolderName, false)
		}
	}
	if len(*p) == n {
		checkPayload(p, prefix, acc)
	}
	return acc
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
	// The other vendor may be outside the actor's area: say nothing of it.
	return conflict(RuleAccountTaken, "bank account %s %s is already registered to another vendor", acc.BIN, maskAccount(acc.AccountNumber))
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
