package merchants

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// The payee checked before the first print: a mistyped account number on a
// printed sign sends customers' money to a stranger. No free name lookup
// exists, but every team member's own bank app shows the holder name when
// it scans a VietQR; the member types what it showed and the account is
// verified when that is the holder name on the sign. Signs of an
// unverified account do not print, unless a commune officer overrides the
// check with a reason.

// Limits of a verification's free text, in characters.
const (
	maxNameSeen       = 100
	maxOverrideReason = 500
	minOverrideReason = 5
)

// nameKey is a holder name as names are compared: upper-case ASCII letters
// and digits, without diacritics, case, spacing or punctuation ("Nguyễn
// Thị  Hà" -> "NGUYENTHIHA"), as the sign-up page compares it too.
func nameKey(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, holderName(s))
}

// NamesMatch reports whether the holder name a bank app showed (seen) is
// the holder name of an account, compared without diacritics, case and
// spacing.
func NamesMatch(seen, holder string) bool {
	k := nameKey(seen)
	return k != "" && k == nameKey(holder)
}

// checkVerify checks a verification of an account with holder name holder
// under prefix ("bank_account.confirmation."), and returns its method.
// The officer override is only taken where override says so (the
// verification route), never on registration.
func checkVerify(p *problems, prefix string, in VerifyInput, holder string, override bool) VerifyMethod {
	switch in.Method {
	case VerifyBankAppName:
		seen := in.NameSeen
		switch n := utf8.RuneCountInString(seen); {
		case !utf8.ValidString(seen):
			p.add(prefix+"name_seen", "is not valid UTF-8 text")
		case strings.TrimSpace(seen) == "":
			p.add(prefix+"name_seen", "is required: the account holder name your own bank app shows when it scans the preview QR")
		case n > maxNameSeen:
			p.add(prefix+"name_seen", fmt.Sprintf("is longer than %d characters", maxNameSeen))
		case !NamesMatch(seen, holder):
			p.add(prefix+"name_seen", fmt.Sprintf(
				"the bank app shows %q but the account's holder name is %q: the account number or bank is probably wrong; check them with the vendor, nothing was saved",
				holderName(seen), holder))
		}
		if in.Reason != "" {
			p.add(prefix+"reason", "is only for method officer_override")
		}
	case VerifyOfficerOverride:
		if !override {
			p.add(prefix+"method", "must be bank_app_name here; a commune officer overrides the check with POST /api/v1/vendors/{id}/verification")
			break
		}
		r := cleanText(in.Reason)
		switch n := utf8.RuneCountInString(r); {
		case !utf8.ValidString(in.Reason):
			p.add(prefix+"reason", "is not valid UTF-8 text")
		case n < minOverrideReason || n > maxOverrideReason:
			p.add(prefix+"reason", fmt.Sprintf("is required with officer_override: why the account may print unchecked, %d to %d characters", minOverrideReason, maxOverrideReason))
		}
		if in.NameSeen != "" {
			p.add(prefix+"name_seen", "is only for method bank_app_name")
		}
	default:
		msg := "must be bank_app_name"
		if override {
			msg = "must be bank_app_name or officer_override"
		}
		p.add(prefix+"method", msg)
	}
	return in.Method
}

// stampVerified records on acc, whose VerifyMethod a check set, who
// verified it and when.
func stampVerified(acc *BankAccount, a Actor, now time.Time) {
	if acc.VerifyMethod != "" && acc.VerifiedAt == nil {
		acc.VerifiedAt, acc.VerifiedBy = &now, a.UserID
	}
}

// verificationAudit is what a verification records beyond the vendor: the
// method, the name seen or the override's reason.
type verificationAudit struct {
	AccountID int64        `json:"account_id"`
	Method    VerifyMethod `json:"method"`
	NameSeen  string       `json:"name_seen,omitempty"`
	Reason    string       `json:"reason,omitempty"`
	Before    VerifyMethod `json:"before,omitempty"`
}

// VerifyAccount checks the payee of an active vendor's primary account
// (see VerifyInput): with the bank app name, by anyone who registers
// vendors there; overridden, by a commune officer (or admin) with a
// reason. Checking again records the new check; the audit log keeps each.
// It returns ErrNotFound outside the actor's scope, ErrForbidden for a
// role that may not (override: PermOverrideVerification), a
// *ValidationError for bad input, a name that is not the holder's or an
// inactive vendor, and a *ConflictError with RuleNoQR for a vendor
// without an active account.
func (s *Service) VerifyAccount(ctx context.Context, a Actor, vendorID int64, in VerifyInput) (Vendor, error) {
	perm := PermRegister
	if in.Method == VerifyOfficerOverride {
		perm = PermOverrideVerification
	}
	v, err := s.changeVendor(ctx, a, vendorID, perm, func(tx Tx, m Market, v *Vendor) (bool, error) {
		if v.Status != VendorActive {
			return false, errInactive(vendorID)
		}
		acc, ok := v.PrimaryAccount()
		if !ok {
			return false, errNoQR(vendorID)
		}
		var p problems
		method := checkVerify(&p, "", in, acc.HolderName, true)
		if err := p.err(); err != nil {
			return false, err
		}
		before := acc.VerifyMethod
		now := s.clock()
		acc.VerifiedAt, acc.VerifiedBy, acc.VerifyMethod = &now, a.UserID, method
		if err := tx.UpdateBankAccount(ctx, acc); err != nil {
			return false, err
		}
		for i := range v.Accounts {
			if v.Accounts[i].ID == acc.ID {
				v.Accounts[i] = acc
			}
		}
		after := verificationAudit{AccountID: acc.ID, Method: method, Reason: cleanText(in.Reason), Before: before}
		if method == VerifyBankAppName {
			after.NameSeen = holderName(in.NameSeen)
		}
		return false, s.audit(ctx, tx, a, ActionVerifyAccount, "bank_account", acc.ID, m.ID, nil, after)
	})
	if err != nil {
		return Vendor{}, fmt.Errorf("verify account of vendor %d: %w", vendorID, err)
	}
	return v, nil
}

// errUnverified is the conflict of a sign whose account's payee was never
// checked.
func errUnverified(vendorID int64) *ConflictError {
	return conflict(RuleUnverifiedAccount, "the vendor's bank account has not been checked, so no sign prints: scan the preview with your bank app and send the name it shows with POST /api/v1/vendors/%d/verification (or a commune officer overrides with a reason)", vendorID)
}
