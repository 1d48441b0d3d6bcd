package gormstore

import (
	"strings"
	"time"

	"github.com/sapqr/sapqr/merchants"
)

// Row types: the tables as GORM sees them. They never leave the package.

type marketRow struct {
	ID               int64 `gorm:"primaryKey"`
	Code             string
	Name             string
	NameFolded       string
	CommuneCode      string
	ProvinceCode     string
	Address          string
	Class            int
	StallsDeclared   int
	Status           string
	FeeBIN           *string `gorm:"column:fee_bin"`
	FeeAccountNumber *string `gorm:"column:fee_account_number"`
	FeeHolderName    *string `gorm:"column:fee_holder_name"`
	CounterVersion   int64
	CreatedBy        int64
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

func (marketRow) TableName() string { return "markets" }

func marketToRow(m merchants.Market) marketRow {
	r := marketRow{
		ID: m.ID, Code: m.Code, Name: m.Name, NameFolded: merchants.Fold(m.Name),
		CommuneCode: m.CommuneCode, ProvinceCode: m.ProvinceCode, Address: m.Address, Class: m.Class,
		StallsDeclared: m.StallsDeclared, Status: string(m.Status), CounterVersion: m.CounterVersion,
		CreatedBy: m.CreatedBy, CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt,
	}
	if f := m.FeeAccount; f != nil {
		r.FeeBIN, r.FeeAccountNumber, r.FeeHolderName = &f.BIN, &f.AccountNumber, &f.HolderName
	}
	return r
}

func (r marketRow) toDomain() merchants.Market {
	m := merchants.Market{
		ID: r.ID, Code: r.Code, Name: r.Name, CommuneCode: r.CommuneCode, ProvinceCode: r.ProvinceCode,
		Address: r.Address, Class: r.Class, StallsDeclared: r.StallsDeclared, Status: merchants.MarketStatus(r.Status),
		CounterVersion: r.CounterVersion, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
	if r.FeeBIN != nil && r.FeeAccountNumber != nil && r.FeeHolderName != nil {
		m.FeeAccount = &merchants.PayeeAccount{BIN: *r.FeeBIN, AccountNumber: *r.FeeAccountNumber, HolderName: *r.FeeHolderName}
	}
	return m
}

type stallRow struct {
	ID        int64 `gorm:"primaryKey"`
	MarketID  int64
	Code      string
	Category  string
	Status    string
	CreatedAt time.Time
	UpdatedAt time.Time
}

func (stallRow) TableName() string { return "stalls" }

func stallToRow(s merchants.Stall) stallRow {
	return stallRow{ID: s.ID, MarketID: s.MarketID, Code: s.Code, Category: s.Category, Status: string(s.Status),
		CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt}
}

func (r stallRow) toDomain() merchants.Stall {
	return merchants.Stall{ID: r.ID, MarketID: r.MarketID, Code: r.Code, Category: r.Category,
		Status: merchants.StallStatus(r.Status), CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

type vendorRow struct {
	ID                 int64 `gorm:"primaryKey"`
	MarketID           int64
	StallID            int64
	StallCode          string `gorm:"->;-:migration"` // read from the stalls join
	CommuneCode        string
	ProvinceCode       string
	FullName           string
	NameFolded         string
	Phone              string
	Status             string
	ConsentAt          time.Time
	ConsentBy          int64
	SignVersion        int
	SignPrintedVersion int
	TransactingAt      *time.Time
	TransactingBy      int64
	TransactingSource  string
	RegisteredBy       int64
	RequestKey         *string // NULL when the registration had no key
	CreatedAt          time.Time
	UpdatedAt          time.Time
	DeactivatedAt      *time.Time
	DeactivatedBy      int64
}

func (vendorRow) TableName() string { return "vendors" }

func vendorToRow(v merchants.Vendor) vendorRow {
	return vendorRow{
		ID: v.ID, MarketID: v.MarketID, StallID: v.StallID, CommuneCode: v.CommuneCode, ProvinceCode: v.ProvinceCode,
		FullName: v.FullName, NameFolded: merchants.Fold(v.FullName), Phone: v.Phone, Status: string(v.Status),
		ConsentAt: v.ConsentAt, ConsentBy: v.ConsentBy, SignVersion: v.SignVersion, SignPrintedVersion: v.SignPrintedVersion,
		TransactingAt: v.TransactingAt, TransactingBy: v.TransactingBy, TransactingSource: v.TransactingSource, RegisteredBy: v.RegisteredBy, RequestKey: nullString(v.RequestKey),
		CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt, DeactivatedAt: v.DeactivatedAt, DeactivatedBy: v.DeactivatedBy,
	}
}

func (r vendorRow) toDomain() merchants.Vendor {
	return merchants.Vendor{
		ID: r.ID, MarketID: r.MarketID, StallID: r.StallID, StallCode: r.StallCode, CommuneCode: r.CommuneCode,
		ProvinceCode: r.ProvinceCode, FullName: r.FullName, Phone: r.Phone, Status: merchants.VendorStatus(r.Status),
		ConsentAt: r.ConsentAt.UTC(), ConsentBy: r.ConsentBy, SignVersion: r.SignVersion, SignPrintedVersion: r.SignPrintedVersion,
		TransactingAt: utcPtr(r.TransactingAt), TransactingBy: r.TransactingBy, TransactingSource: r.TransactingSource, RegisteredBy: r.RegisteredBy, RequestKey: deref(r.RequestKey),
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), DeactivatedAt: utcPtr(r.DeactivatedAt), DeactivatedBy: r.DeactivatedBy,
	}
}

type vendorStallRow struct {
	ID         int64 `gorm:"primaryKey"`
	VendorID   int64
	StallID    int64
	StallCode  string `gorm:"->;-:migration"` // read from the stalls join
	MarketID   int64
	Active     bool
	AssignedBy int64
	AssignedAt time.Time
	ReleasedBy int64
	ReleasedAt *time.Time
	// SignPrintedVersion is the newest sign version printed for the stall.
	SignPrintedVersion int
}

func (vendorStallRow) TableName() string { return "vendor_stalls" }

func vendorStallToRow(s merchants.VendorStall) vendorStallRow {
	return vendorStallRow{ID: s.ID, VendorID: s.VendorID, StallID: s.StallID, MarketID: s.MarketID, Active: s.Active,
		AssignedBy: s.AssignedBy, AssignedAt: s.AssignedAt, ReleasedBy: s.ReleasedBy, ReleasedAt: s.ReleasedAt,
		SignPrintedVersion: s.SignPrintedVersion}
}

func (r vendorStallRow) toDomain() merchants.VendorStall {
	return merchants.VendorStall{ID: r.ID, VendorID: r.VendorID, StallID: r.StallID, StallCode: r.StallCode, MarketID: r.MarketID,
		Active: r.Active, AssignedBy: r.AssignedBy, AssignedAt: r.AssignedAt.UTC(), ReleasedBy: r.ReleasedBy, ReleasedAt: utcPtr(r.ReleasedAt),
		SignPrintedVersion: r.SignPrintedVersion}
}

type bankAccountRow struct {
	ID            int64 `gorm:"primaryKey"`
	VendorID      int64
	BIN           string `gorm:"column:bin"`
	AccountNumber string
	HolderName    string
	Confirmation  string
	Active        bool
	IsPrimary     bool
	CreatedBy     int64
	CreatedAt     time.Time
	DeactivatedAt *time.Time
	VerifiedAt    *time.Time
	VerifiedBy    int64
	VerifyMethod  string
}

func (bankAccountRow) TableName() string { return "bank_accounts" }

func accountToRow(a merchants.BankAccount) bankAccountRow {
	return bankAccountRow{ID: a.ID, VendorID: a.VendorID, BIN: a.BIN, AccountNumber: a.AccountNumber, HolderName: a.HolderName,
		Confirmation: string(a.Confirmation), Active: a.Active, IsPrimary: a.Primary, CreatedBy: a.CreatedBy,
		CreatedAt: a.CreatedAt, DeactivatedAt: a.DeactivatedAt,
		VerifiedAt: a.VerifiedAt, VerifiedBy: a.VerifiedBy, VerifyMethod: string(a.VerifyMethod)}
}

func (r bankAccountRow) toDomain() merchants.BankAccount {
	return merchants.BankAccount{ID: r.ID, VendorID: r.VendorID, BIN: r.BIN, AccountNumber: r.AccountNumber,
		HolderName: r.HolderName, Confirmation: merchants.Confirmation(r.Confirmation), Active: r.Active, Primary: r.IsPrimary,
		CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt.UTC(), DeactivatedAt: utcPtr(r.DeactivatedAt),
		VerifiedAt: utcPtr(r.VerifiedAt), VerifiedBy: r.VerifiedBy, VerifyMethod: merchants.VerifyMethod(r.VerifyMethod)}
}

type signRecordRow struct {
	ID            int64 `gorm:"primaryKey"`
	VendorID      int64
	MarketID      int64
	StallID       *int64 // NULL for an issued payload
	Version       int
	BankAccountID int64
	Payload       string
	Reason        string
	Printed       bool
	ByUser        int64
	At            time.Time
}

func (signRecordRow) TableName() string { return "sign_records" }

func (r signRecordRow) toDomain() merchants.SignRecord {
	return merchants.SignRecord{ID: r.ID, VendorID: r.VendorID, MarketID: r.MarketID, StallID: deref(r.StallID), Version: r.Version,
		BankAccountID: r.BankAccountID, Payload: r.Payload, Reason: merchants.SignReason(r.Reason), Printed: r.Printed,
		By: r.ByUser, At: r.At.UTC()}
}

type userRow struct {
	ID           int64 `gorm:"primaryKey"`
	Username     string
	DisplayName  string
	Role         string
	ProvinceCode string
	CommuneCodes string // comma-separated
	PasswordHash string
	Phone        string
	Active       bool
	CreatedAt    time.Time
}

func (userRow) TableName() string { return "users" }

type userTokenRow struct {
	TokenHash []byte `gorm:"primaryKey"`
	UserID    int64
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
}

func (userTokenRow) TableName() string { return "user_tokens" }

func (r userRow) toDomain() merchants.User {
	u := merchants.User{ID: r.ID, Username: r.Username, DisplayName: r.DisplayName, Role: merchants.Role(r.Role),
		ProvinceCode: r.ProvinceCode, Phone: r.Phone, Active: r.Active, CreatedAt: r.CreatedAt.UTC()}
	if r.CommuneCodes != "" {
		u.CommuneCodes = strings.Split(r.CommuneCodes, ",")
	}
	return u
}

type sessionRow struct {
	TokenHash []byte `gorm:"primaryKey"`
	UserID    int64
	CreatedAt time.Time
	ExpiresAt time.Time
}

func (sessionRow) TableName() string { return "sessions" }

type vendorLinkRow struct {
	ID        int64 `gorm:"primaryKey"`
	VendorID  int64
	TokenHash []byte
	CreatedBy int64
	CreatedAt time.Time
	ExpiresAt *time.Time
	RevokedAt *time.Time
}

func (vendorLinkRow) TableName() string { return "vendor_links" }

func (r vendorLinkRow) toDomain() merchants.VendorLink {
	return merchants.VendorLink{ID: r.ID, VendorID: r.VendorID, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt.UTC(),
		ExpiresAt: utcPtr(r.ExpiresAt), RevokedAt: utcPtr(r.RevokedAt)}
}

type auditRow struct {
	ID         int64 `gorm:"primaryKey"`
	At         time.Time
	ActorID    int64
	Action     string
	Entity     string
	EntityID   int64
	MarketID   int64
	BeforeJSON string
	AfterJSON  string
}

func (auditRow) TableName() string { return "audit_log" }

func (r auditRow) toDomain() merchants.AuditEntry {
	return merchants.AuditEntry{ID: r.ID, At: r.At.UTC(), ActorID: r.ActorID, Action: r.Action, Entity: r.Entity,
		EntityID: r.EntityID, MarketID: r.MarketID, Before: []byte(r.BeforeJSON), After: []byte(r.AfterJSON)}
}

type counterEventRow struct {
	ID                 int64 `gorm:"primaryKey"`
	MarketID           int64
	CommuneCode        string
	ProvinceCode       string
	Version            int64
	StallsDeclared     int64
	StallsActive       int64
	StallsWithQR       int64 `gorm:"column:stalls_with_qr"`
	Vendors            int64
	VendorsWithQR      int64 `gorm:"column:vendors_with_qr"`
	SignsPrinted       int64
	VendorsTransacting int64
	CreatedAt          time.Time
}

func (counterEventRow) TableName() string { return "counter_events" }

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// nullID returns nil for 0, else &id: an optional reference is NULL.
func nullID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// nullString returns nil for "", else &s: an empty optional text column
// is stored as NULL.
func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
