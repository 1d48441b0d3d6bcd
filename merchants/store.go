package merchants

import (
	"context"
	"time"
)

// Store is the relational truth the Service keeps its data in
// (implemented by merchants/gormstore). Reads outside a transaction go to
// the Store; every change runs in InTx so it is all-or-nothing, audited and
// reflected in the counter outbox.
//
// Every method returns errors wrapping ErrNotFound when the row does not
// exist and ErrConflict when a uniqueness constraint of the database
// refuses a change; other errors are failures of the database itself.
type Store interface {
	Reader
	CounterStore
	LoginThrottle
	// InTx runs fn in one transaction, committed when fn returns nil and
	// rolled back otherwise; fn's error is returned as is.
	InTx(ctx context.Context, fn func(tx Tx) error) error
}

// Reader is what a Store reads, inside or outside a transaction.
type Reader interface {
	Market(ctx context.Context, id int64) (Market, error)
	ListMarkets(ctx context.Context, q MarketQuery) ([]Market, error)
	// MarketByCode finds a market by commune and code.
	MarketByCode(ctx context.Context, communeCode, code string) (Market, error)

	Stall(ctx context.Context, id int64) (Stall, error)
	StallByCode(ctx context.Context, marketID int64, code string) (Stall, error)
	ListStalls(ctx context.Context, q StallQuery) ([]Stall, error)
	// CountStalls counts a market's stalls, whatever their status.
	CountStalls(ctx context.Context, marketID int64) (int, error)

	// Vendor returns a vendor with its active stalls, main first, and its
	// bank accounts, primary first.
	Vendor(ctx context.Context, id int64) (Vendor, error)
	// ListVendors returns vendors with their active stalls and bank
	// accounts, as Vendor does, by ascending ID.
	ListVendors(ctx context.Context, q VendorQuery) ([]Vendor, error)
	// VendorByRequestKey returns the vendor the user registered with the
	// request key (see RegisterVendorInput.RequestKey), whatever its status.
	VendorByRequestKey(ctx context.Context, userID int64, key string) (Vendor, error)
	// ActiveVendorOnStall returns the vendor holding a stall (an active
	// assignment).
	ActiveVendorOnStall(ctx context.Context, stallID int64) (Vendor, error)
	// ActiveVendorWithAccount returns the active vendor with this active
	// bank account.
	ActiveVendorWithAccount(ctx context.Context, bin, accountNumber string) (Vendor, error)
	// ActiveVendorIDsByPhone returns the IDs of a market's active vendors
	// with this phone.
	ActiveVendorIDsByPhone(ctx context.Context, marketID int64, phone string) ([]int64, error)
	BankAccount(ctx context.Context, id int64) (BankAccount, error)
	// SignRecords returns a vendor's sign records, oldest first.
	SignRecords(ctx context.Context, vendorID int64) ([]SignRecord, error)

	User(ctx context.Context, id int64) (User, error)
	// UserCredentials finds a user by username, with its password hash.
	UserCredentials(ctx context.Context, username string) (Credentials, error)
	// ListUsers returns users matching q by ascending ID.
	ListUsers(ctx context.Context, q UserQuery) ([]User, error)
	// UserToken finds an activation or reset token by its hash, used or not.
	UserToken(ctx context.Context, tokenHash []byte) (UserToken, error)
	// SessionUser finds a session by the hash of its token, expired or
	// not (the caller checks ExpiresAt), with its user, in one query: it
	// runs on every authenticated request.
	SessionUser(ctx context.Context, tokenHash []byte) (Session, User, error)

	VendorLink(ctx context.Context, id int64) (VendorLink, error)
	// VendorLinks returns a vendor's private links, revoked ones too,
	// oldest first.
	VendorLinks(ctx context.Context, vendorID int64) ([]VendorLink, error)
	// VendorLinkByToken finds a link by the hash of its token.
	VendorLinkByToken(ctx context.Context, tokenHash []byte) (VendorLink, error)

	// AdoptionTargets is AdoptionStore's: the targets of the filter's
	// commune, or of its province and its communes, or every target.
	AdoptionTargets(ctx context.Context, f UnitFilter) ([]AdoptionTarget, error)

	// AuditLog returns audit entries, newest first.
	AuditLog(ctx context.Context, q AuditQuery) ([]AuditEntry, error)
}

// Tx is a Store transaction: its reads see its own writes.
type Tx interface {
	Reader

	// LockMarket reads a market and locks its row until the transaction
	// ends (SELECT … FOR UPDATE), serialising the changes of one market.
	LockMarket(ctx context.Context, id int64) (Market, error)
	// AddVendorAssists records what the team helped vendors with; a kind a
	// vendor already has is kept as first recorded.
	AddVendorAssists(ctx context.Context, rows []VendorAssist) error
	// CreateMarket inserts m and returns it with its ID and times.
	CreateMarket(ctx context.Context, m Market) (Market, error)
	// UpdateMarket writes every field of m but ID, CreatedAt and CounterVersion.
	UpdateMarket(ctx context.Context, m Market) error

	CreateStall(ctx context.Context, s Stall) (Stall, error)
	UpdateStall(ctx context.Context, s Stall) error

	// CreateVendor inserts v without its accounts.
	CreateVendor(ctx context.Context, v Vendor) (Vendor, error)
	// UpdateVendor writes every field of v but ID, CreatedAt and Accounts.
	UpdateVendor(ctx context.Context, v Vendor) error
	// AssignStall inserts an assignment of a stall to a vendor.
	AssignStall(ctx context.Context, s VendorStall) (VendorStall, error)
	// UpdateVendorStall writes an assignment's Active, ReleasedBy,
	// ReleasedAt and SignPrintedVersion.
	UpdateVendorStall(ctx context.Context, s VendorStall) error
	CreateBankAccount(ctx context.Context, a BankAccount) (BankAccount, error)
	UpdateBankAccount(ctx context.Context, a BankAccount) error
	CreateSignRecord(ctx context.Context, r SignRecord) (SignRecord, error)

	CreateUser(ctx context.Context, u User, passwordHash string) (User, error)
	// UpdateUser writes u's DisplayName, Phone, Role, ProvinceCode,
	// CommuneCodes and Active.
	UpdateUser(ctx context.Context, u User) error
	// SetUserPassword replaces a user's password hash ("" for none: no
	// password then logs in).
	SetUserPassword(ctx context.Context, userID int64, passwordHash string) error
	// DeleteUserSessions ends every session of a user but the one whose
	// token hash is keep (nil for none) and returns how many ended.
	DeleteUserSessions(ctx context.Context, userID int64, keep []byte) (int64, error)
	// CreateUserToken stores an activation or reset token.
	CreateUserToken(ctx context.Context, t UserToken) error
	// UseUserTokens marks every unused token of a user used at at.
	UseUserTokens(ctx context.Context, userID int64, at time.Time) error
	CreateSession(ctx context.Context, s Session) error
	// DeleteSession removes a session; an unknown hash is not an error.
	DeleteSession(ctx context.Context, tokenHash []byte) error
	// DeleteExpiredSessions removes the sessions that expired before t and
	// returns how many.
	DeleteExpiredSessions(ctx context.Context, t time.Time) (int64, error)
	// DeleteLoginFailures removes the failed-login counts whose last
	// failure is before t.
	DeleteLoginFailures(ctx context.Context, t time.Time) error

	CreateVendorLink(ctx context.Context, l VendorLink, tokenHash []byte) (VendorLink, error)
	RevokeVendorLink(ctx context.Context, id int64, at time.Time) error

	// Cho40Thresholds, SetCho40Threshold and SetAdoptionTarget are those
	// of AdoptionStore, in the transaction.
	Cho40Thresholds(ctx context.Context) (map[string]float64, error)
	SetCho40Threshold(ctx context.Context, provinceCode string, threshold float64) error
	SetAdoptionTarget(ctx context.Context, t AdoptionTarget) error
	// DeleteAdoptionTarget removes the target of t's unit and due date
	// (Cho40Share is ignored); an error wrapping ErrNotFound when none.
	DeleteAdoptionTarget(ctx context.Context, t AdoptionTarget) error

	// AppendAudit writes audit entries, all in one statement.
	AppendAudit(ctx context.Context, entries ...AuditEntry) error

	// RegistrationFacts reads, in one query, what placing a vendor at a
	// stall checks once the market is locked (see RegistrationQuery).
	RegistrationFacts(ctx context.Context, q RegistrationQuery) (RegistrationFacts, error)

	// EmitMarketCounts locks the market row, recounts the market from the
	// base tables as this transaction sees them, increases its counter
	// version, keeps the counts with the market (for EmitMarketDelta) and
	// writes them to the counter outbox. Call it, or EmitMarketDelta, once,
	// after the changes, in every transaction that moves a market's counts.
	// It returns an error wrapping ErrNotFound for an unknown market.
	EmitMarketCounts(ctx context.Context, marketID int64) (MarketCounts, error)
	// EmitMarketDelta is EmitMarketCounts for a change whose effect on the
	// counts is known exactly: it moves the counts the store keeps with the
	// market (those of its last emit) by d instead of recounting, increases
	// the counter version and writes the resulting absolute counts to the
	// outbox. The caller holds the market row lock (LockMarket) and must
	// have checked every fact d depends on after taking it. It returns an
	// error wrapping ErrNotFound for an unknown market.
	EmitMarketDelta(ctx context.Context, marketID int64, d CountsDelta) (MarketCounts, error)
}

// RegistrationQuery names what Tx.RegistrationFacts looks up in one
// market; an empty BIN, AccountNumber or Phone is not looked up.
type RegistrationQuery struct {
	MarketID      int64
	StallCode     string
	BIN           string
	AccountNumber string
	Phone         string
}

// RegistrationFacts is the state of a market that placing a vendor at a
// stall depends on, read in one statement after the market row is locked.
type RegistrationFacts struct {
	// Stall is the market's stall with the code; its ID is 0 when there is
	// none.
	Stall Stall
	// MarketStalls counts the market's stalls, whatever their status.
	MarketStalls int
	// StallVendorID is the vendor holding the stall, 0 for none.
	StallVendorID int64
	// AccountVendorID is the active vendor holding the bank account as an
	// active account, 0 for none.
	AccountVendorID int64
	// PhoneVendorIDs are the market's active vendors with the phone, by
	// ascending ID, at most 100.
	PhoneVendorIDs []int64
}

// CountsDelta is how one change moves a market's counts (see
// MarketCounts); the declared stall count never moves by delta.
type CountsDelta struct {
	StallsActive       int64
	StallsWithQR       int64
	Vendors            int64
	VendorsWithQR      int64
	SignsPrinted       int64
	VendorsTransacting int64
}

// MarketQuery selects markets in a Store. Empty fields match everything.
type MarketQuery struct {
	ProvinceCode string
	CommuneCodes []string
	NameFolded   string // substring of the folded name (see Fold)
	AfterID      int64
	Limit        int
}

// StallQuery selects stalls in a Store.
type StallQuery struct {
	MarketID int64
	Status   StallStatus
	AfterID  int64
	Limit    int
}

// VendorQuery selects vendors in a Store. Empty fields match everything.
type VendorQuery struct {
	MarketID     int64
	ProvinceCode string
	CommuneCodes []string
	Phone        string // exact, normalised
	NameFolded   string // substring of the folded name (see Fold)
	Status       VendorStatus
	AfterID      int64
	Limit        int
}

// UserQuery selects users in a Store. Empty fields match everything.
type UserQuery struct {
	Role Role
	// AnyCommunes matches users holding at least one of these communes
	// (and, when OrProvince is set, province officers of OrProvince).
	AnyCommunes []string
	OrProvince  string
	Text        string // lower-case part of the username or display name
	Active      *bool
	AfterID     int64
	Limit       int
}

// AuditQuery selects audit entries in a Store, newest first.
type AuditQuery struct {
	Entity   string
	EntityID int64
	MarketID int64
	BeforeID int64 // entries with a smaller ID; 0 for the newest
	Limit    int
}
