package merchants

import (
	"encoding/json"
	"time"
)

// MarketStatus is whether a market operates.
type MarketStatus string

// Market statuses.
const (
	MarketActive MarketStatus = "active"
	MarketClosed MarketStatus = "closed"
)

// Market is a traditional market (chợ) in one commune-level unit.
type Market struct {
	ID int64
	// Code is the market's code, unique within its commune; it may be empty
	// when the commune keeps none.
	Code         string
	Name         string // NFC, with diacritics
	CommuneCode  string
	ProvinceCode string
	Address      string
	// Class is the market's hạng: 1, 2 or 3, or 0 when not classified.
	Class int
	// StallsDeclared is the number of stalls the market board declares;
	// stalls are created on registration up to this number.
	StallsDeclared int
	Status         MarketStatus
	// FeeAccount is the market board's account for fees, if any.
	FeeAccount *PayeeAccount
	// CounterVersion is the version of the market's adoption counts; it
	// increases with every change that moves them (see MarketCounts).
	CounterVersion int64
	CreatedBy      int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Unit returns the administrative unit the market belongs to.
func (m Market) Unit() Unit { return Unit{ProvinceCode: m.ProvinceCode, CommuneCode: m.CommuneCode} }

// PayeeAccount is a bank account money is paid into: a bank BIN from the
// qr bank directory, the account number and the holder name in upper-case
// ASCII as the bank shows it.
type PayeeAccount struct {
	BIN           string
	AccountNumber string
	HolderName    string
}

// StallStatus is the state of a stall.
type StallStatus string

// Stall statuses.
const (
	StallActive StallStatus = "active" // operating; counted in stalls_active
	StallVacant StallStatus = "vacant" // nobody sells there now
	StallClosed StallStatus = "closed" // removed; no vendor may register on it
)

// Stall is a place in a market where one vendor sells.
type Stall struct {
	ID       int64
	MarketID int64
	// Code is unique within the market ("A-12").
	Code      string
	Category  string // goods category, free text ("rau củ", "thịt")
	Status    StallStatus
	CreatedAt time.Time
	UpdatedAt time.Time
}

// VendorStatus is whether a vendor is registered.
type VendorStatus string

// Vendor statuses. A removed vendor is inactive, never deleted.
const (
	VendorActive   VendorStatus = "active"
	VendorInactive VendorStatus = "inactive"
)

// Vendor is a person selling at one stall or more of a market, with the
// bank accounts customers pay into.
type Vendor struct {
	ID       int64
	MarketID int64
	// StallID and StallCode are the vendor's main stall: the one it was
	// registered at or moved to, always among Stalls while it is active.
	StallID   int64
	StallCode string
	// Stalls are the stalls the vendor holds now, the main stall first,
	// then in the order they were assigned; none once it is inactive.
	Stalls       []VendorStall
	CommuneCode  string // the market's, kept here for scoped lists
	ProvinceCode string
	FullName     string // NFC, with diacritics
	// Phone is a normalised Vietnamese mobile number: ten digits starting 0.
	Phone  string
	Status VendorStatus
	// ConsentAt and ConsentBy record when the vendor agreed to the storage
	// of their data, and which user recorded it.
	ConsentAt time.Time
	ConsentBy int64
	// Accounts are the vendor's bank accounts, the primary first.
	Accounts []BankAccount
	// Payload is the VietQR payload of the vendor's sign, built from the
	// primary account; empty when the vendor has no active account.
	Payload string
	// SignVersion is the version of the current payload: it starts at 1 and
	// increases whenever the primary account changes.
	SignVersion int
	// SignPrintedVersion is the newest sign version printed at any of its
	// stalls, 0 when none (each stall's is in Stalls).
	SignPrintedVersion int
	// TransactingAt is when a first real payment was confirmed, if it was.
	TransactingAt *time.Time
	TransactingBy int64
	// TransactingSource says how: TransactingManual or TransactingBank.
	TransactingSource string
	RegisteredBy      int64
	// RequestKey is the key of the request that registered the vendor
	// (see RegisterVendorInput.RequestKey), empty when it had none.
	RequestKey    string
	CreatedAt     time.Time
	UpdatedAt     time.Time
	DeactivatedAt *time.Time
	DeactivatedBy int64
}

// Unit returns the administrative unit of the vendor's market.
func (v Vendor) Unit() Unit { return Unit{ProvinceCode: v.ProvinceCode, CommuneCode: v.CommuneCode} }

// PrimaryAccount returns the vendor's active primary bank account.
func (v Vendor) PrimaryAccount() (BankAccount, bool) {
	for _, a := range v.Accounts {
		if a.Active && a.Primary {
			return a, true
		}
	}
	return BankAccount{}, false
}

// SignOutdated reports whether a stall the vendor holds has no sign with
// the current payload: none was printed for it, or an older version.
func (v Vendor) SignOutdated() bool {
	if v.Payload == "" {
		return false
	}
	if v.SignPrintedVersion < v.SignVersion {
		return true
	}
	for _, h := range v.Stalls {
		if h.SignPrintedVersion < v.SignVersion {
			return true
		}
	}
	return false
}

// StallCodes returns the codes of the stalls the vendor holds, the main
// stall first.
func (v Vendor) StallCodes() []string {
	codes := make([]string, len(v.Stalls))
	for i, st := range v.Stalls {
		codes[i] = st.StallCode
	}
	return codes
}

// VendorStall is a stall assigned to a vendor. An active assignment means
// the vendor sells there; a stall has one active assignment at most, and
// released ones are kept as history.
type VendorStall struct {
	ID         int64
	VendorID   int64
	StallID    int64
	StallCode  string
	MarketID   int64
	Active     bool
	AssignedBy int64
	AssignedAt time.Time
	ReleasedBy int64
	ReleasedAt *time.Time
	// SignPrintedVersion is the newest sign version printed for this
	// stall, 0 when none.
	SignPrintedVersion int
}

// Confirmation is how a bank account's holder name was checked.
type Confirmation string

// Confirmations.
const (
	ConfirmNone         Confirmation = ""              // not checked yet
	ConfirmAppShown     Confirmation = "app_shown"     // the vendor's bank app was shown
	ConfirmTestTransfer Confirmation = "test_transfer" // a test transfer showed the name
)

// BankAccount is one of a vendor's bank accounts. An active account is on
// no other active vendor; one active account is primary and its payload is
// on the sign.
type BankAccount struct {
	ID            int64
	VendorID      int64
	BIN           string
	AccountNumber string
	// HolderName is the name as the vendor's bank app shows it: upper-case
	// ASCII, as VietQR carries it.
	HolderName    string
	Confirmation  Confirmation
	Active        bool
	Primary       bool
	CreatedBy     int64
	CreatedAt     time.Time
	DeactivatedAt *time.Time
	// VerifiedAt, VerifiedBy and VerifyMethod record how the payee was
	// checked before a sign with the account may print: VerifiedAt is nil
	// while it is not. VerifiedBy is the user who checked, 0 for
	// VerifyLegacy.
	VerifiedAt   *time.Time
	VerifiedBy   int64
	VerifyMethod VerifyMethod
}

// Verified reports whether the account's payee was checked (see
// VerifyMethod), so signs carrying it may print.
func (a BankAccount) Verified() bool { return a.VerifiedAt != nil }

// VerifyMethod is how a bank account's payee was checked.
type VerifyMethod string

// Verify methods.
const (
	// VerifyBankAppName: a team member scanned the preview with their own
	// bank app and typed the holder name it showed; it matched.
	VerifyBankAppName VerifyMethod = "bank_app_name"
	// VerifyOfficerOverride: a commune officer let the account print
	// unchecked, with a reason, audited.
	VerifyOfficerOverride VerifyMethod = "officer_override"
	// VerifyLegacy: the account was stored before payees were checked; it
	// keeps printing and is on the revisit list until checked.
	VerifyLegacy VerifyMethod = "legacy"
)

// SignReason is why a sign was issued or printed.
type SignReason string

// Sign reasons.
const (
	SignNew         SignReason = "new"
	SignReprint     SignReason = "reprint"
	SignBankChanged SignReason = "bank_changed"
)

// SignRecord is one issued payload (Printed false) or one printed sign
// (Printed true) of a vendor, so an outdated sign can be found.
type SignRecord struct {
	ID            int64
	VendorID      int64
	MarketID      int64
	StallID       int64 // the stall a printed sign is for; 0 for an issued payload
	Version       int
	BankAccountID int64
	Payload       string
	Reason        SignReason
	Printed       bool
	By            int64
	At            time.Time
}

// AuditEntry is one recorded change: who did what to which thing, with the
// state before and after (JSON, account numbers masked, null when absent).
type AuditEntry struct {
	ID       int64
	At       time.Time
	ActorID  int64 // 0 for the system (command line, migrations)
	Action   string
	Entity   string // "market", "stall", "vendor", "bank_account", "user", …
	EntityID int64
	MarketID int64 // 0 when the entity belongs to no market
	Before   json.RawMessage
	After    json.RawMessage
}

// VendorLink is a vendor's private link: whoever holds its token sees the
// vendor's sign and QR without logging in. Only a hash of the token is
// stored; the token itself is shown once, when the link is created.
type VendorLink struct {
	ID        int64
	VendorID  int64
	CreatedBy int64
	CreatedAt time.Time
	ExpiresAt *time.Time // nil: until revoked
	RevokedAt *time.Time
}

// Open reports whether the link still opens the vendor's page at now:
// neither revoked nor expired.
func (l VendorLink) Open(now time.Time) bool {
	return l.RevokedAt == nil && (l.ExpiresAt == nil || now.Before(*l.ExpiresAt))
}

// Warning is something a successful change should tell its user, such as
// another active vendor at the same market with the same phone.
type Warning struct {
	Code      string  // stable: "duplicate_phone"
	Message   string  // for people
	VendorIDs []int64 // the other vendors concerned
}

// WarnDuplicatePhone is the Warning code for a phone already used by
// another active vendor of the same market.
const WarnDuplicatePhone = "duplicate_phone"
