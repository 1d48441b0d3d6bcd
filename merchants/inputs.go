package merchants

// Inputs of the Service. Strings are checked and normalised by the Service
// (NFC names with single spaces, normalised phones, upper-case market and
// stall codes, upper-case ASCII holder names); invalid
// input returns a *ValidationError naming every bad field by the JSON name
// given in its comment.

// CreateMarketInput creates a market.
type CreateMarketInput struct {
	Code        string // "code", optional, unique within the commune
	Name        string // "name", required
	CommuneCode string // "commune_code", required
	// ProvinceCode ("province_code") may be left empty when the Service has
	// a UnitResolver; when both are given they must agree.
	ProvinceCode   string
	Address        string        // "address"
	Class          int           // "class": 0 (none), 1, 2 or 3
	StallsDeclared int           // "stall_count": 0 to 100,000
	FeeAccount     *PayeeAccount // "fee_account", optional
}

// UpdateMarketInput changes the fields that are not nil.
type UpdateMarketInput struct {
	Code           *string
	Name           *string
	Address        *string
	Class          *int
	StallsDeclared *int // "stall_count"
	Status         *MarketStatus
	FeeAccount     *PayeeAccount // a zero PayeeAccount removes it
}

// MarketFilter selects markets to list. Empty fields match everything in
// the actor's scope.
type MarketFilter struct {
	ProvinceCode string
	CommuneCode  string
	Q            string // part of the name, with or without diacritics
	Cursor       string // from the previous page's NextCursor
	Limit        int    // 0 for the default page size; capped at MaxPageSize
}

// MarketPage is one page of markets; NextCursor is empty on the last page.
type MarketPage struct {
	Markets    []Market
	NextCursor string
}

// CreateStallInput creates a stall in a market.
type CreateStallInput struct {
	MarketID int64       // "market_id"
	Code     string      // "code", required, unique within the market
	Category string      // "category"
	Status   StallStatus // "status", default active
}

// UpdateStallInput changes the fields that are not nil.
type UpdateStallInput struct {
	Code     *string
	Category *string
	Status   *StallStatus
}

// StallFilter selects stalls of one market.
type StallFilter struct {
	MarketID int64
	Status   StallStatus // empty for every status
	Cursor   string
	Limit    int
}

// StallPage is one page of stalls.
type StallPage struct {
	Stalls     []Stall
	NextCursor string
}

// BankAccountInput is a bank account as typed at the stall.
type BankAccountInput struct {
	BIN           string       // "bin": six digits in the qr bank directory
	AccountNumber string       // "account_number": digits (and letters some banks use), spaces ignored
	HolderName    string       // "holder_name": as the bank app shows it; upper-cased, diacritics removed
	Confirmation  Confirmation // "confirmation" as a string, optional: recorded, verifies nothing
	// Verify ("confirmation" as an object) checks the payee as the account
	// is stored: {"method":"bank_app_name","name_seen":"…"}.
	Verify *VerifyInput
}

// VerifyInput checks the payee of a vendor's account: the holder name a
// team member's bank app showed on scanning the preview (method
// bank_app_name, "name_seen"), or a commune officer's override with a
// reason (method officer_override, "reason").
type VerifyInput struct {
	Method   VerifyMethod // "method"
	NameSeen string       // "name_seen", for bank_app_name
	Reason   string       // "reason", for officer_override
}

// RegisterVendorInput is what a team member submits at the stall: the
// vendor, the stall and the bank account in one call.
type RegisterVendorInput struct {
	MarketID int64 // "market_id"
	// StallCode ("stall_code") names the stall; a stall that does not exist
	// yet is created while the market has fewer stalls than declared.
	StallCode   string
	FullName    string // "full_name", required
	Phone       string // "phone", a Vietnamese mobile number
	Consent     bool   // "consent", must be true
	BankAccount BankAccountInput
	// RequestKey, when not empty, makes the registration idempotent: it is
	// stored with the vendor in the registration's transaction, and a later
	// registration by the same user with the same key returns that vendor
	// instead of registering again (the API passes the Idempotency-Key
	// header). At most 255 characters.
	RequestKey string
	// Assisted ("assisted") is what the team helped the vendor with at
	// the registration (see Assists); each kind once.
	Assisted []Assist
}

// VendorResult is a vendor after a change, with its sign payload and what
// the user should be told.
type VendorResult struct {
	Vendor   Vendor
	Payload  string // the VietQR payload on the sign; as Vendor.Payload
	Warnings []Warning
}

// UpdateVendorInput changes the fields that are not nil.
type UpdateVendorInput struct {
	FullName  *string
	Phone     *string
	StallCode *string // the vendor's main stall (see Service.UpdateVendor)
}

// AddBankAccountInput adds a bank account to a vendor.
type AddBankAccountInput struct {
	BankAccountInput
	// Primary makes the new account the one on the sign (it always is when
	// the vendor has no other active account).
	Primary bool
}

// VendorFilter selects vendors to list. Empty fields match everything in
// the actor's scope.
type VendorFilter struct {
	MarketID     int64
	CommuneCode  string
	ProvinceCode string
	// Q matches a phone (when it reads as one) or part of the name, with
	// or without diacritics.
	Q      string
	Status VendorStatus // empty for active vendors
	Cursor string
	Limit  int
}

// VendorPage is one page of vendors.
type VendorPage struct {
	Vendors    []Vendor
	NextCursor string
}

// CreateUserInput creates a user.
type CreateUserInput struct {
	Username     string   // "username": 3–64 of a-z 0-9 . _ -
	Password     string   // "password": at least 10 characters
	DisplayName  string   // "display_name"
	Role         Role     // "role"
	ProvinceCode string   // "province_code": required for a province officer
	CommuneCodes []string // "commune_codes": required for a commune officer or member
	Phone        string   // "phone": optional, a Vietnamese mobile number
}

// UpdateUserInput changes a user; nil fields stay as they are.
type UpdateUserInput struct {
	DisplayName  *string   // "display_name"
	Phone        *string   // "phone"; "" clears it
	Role         *Role     // "role"
	ProvinceCode *string   // "province_code"
	CommuneCodes *[]string // "commune_codes"
	Active       *bool     // "active": false ends every session at once
}

// AuditFilter selects audit entries, newest first.
type AuditFilter struct {
	Entity   string
	EntityID int64
	MarketID int64
	Cursor   string
	Limit    int
}

// AuditPage is one page of audit entries.
type AuditPage struct {
	Entries    []AuditEntry
	NextCursor string
}
