package merchants

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Audit actions.
const (
	ActionCreate       = "create"
	ActionUpdate       = "update"
	ActionDeactivate   = "deactivate"
	ActionRegister     = "register"
	ActionAddAccount   = "add_account"
	ActionAssignStall  = "assign_stall"
	ActionReleaseStall = "release_stall"
	ActionConfirm      = "confirm_transacting"
	ActionPrintSign    = "print_sign"
	ActionLink         = "create_link"
	ActionRevokeLink   = "revoke_link"
	// ActionResetPassword removes a user's password and issues a link.
	ActionResetPassword = "reset_password"
	// ActionSetPassword is a user setting their own password.
	ActionSetPassword = "set_password"
	// ActionVerifyAccount checks a bank account's payee (or overrides the
	// check); the entry's after holds the method, name seen or reason.
	ActionVerifyAccount = "verify_account"
)

// The audit views: what a change records, with account numbers masked.

type accountAudit struct {
	ID           int64        `json:"id"`
	BIN          string       `json:"bin"`
	Account      string       `json:"account_number"`
	HolderName   string       `json:"holder_name"`
	Confirmation Confirmation `json:"confirmation,omitempty"`
	Active       bool         `json:"active"`
	Primary      bool         `json:"primary"`
	VerifyMethod VerifyMethod `json:"verify_method,omitempty"`
}

func auditAccount(a BankAccount) accountAudit {
	return accountAudit{ID: a.ID, BIN: a.BIN, Account: maskAccount(a.AccountNumber), HolderName: a.HolderName,
		Confirmation: a.Confirmation, Active: a.Active, Primary: a.Primary, VerifyMethod: a.VerifyMethod}
}

type vendorAudit struct {
	ID                 int64          `json:"id"`
	MarketID           int64          `json:"market_id"`
	StallID            int64          `json:"stall_id"`
	StallCode          string         `json:"stall_code"`
	StallCodes         []string       `json:"stall_codes"`
	FullName           string         `json:"full_name"`
	Phone              string         `json:"phone"`
	Status             VendorStatus   `json:"status"`
	Accounts           []accountAudit `json:"accounts"`
	SignVersion        int            `json:"sign_version"`
	SignPrintedVersion int            `json:"sign_printed_version"`
	TransactingAt      *time.Time     `json:"transacting_at,omitempty"`
}

func auditVendor(v Vendor) vendorAudit {
	out := vendorAudit{ID: v.ID, MarketID: v.MarketID, StallID: v.StallID, StallCode: v.StallCode, StallCodes: v.StallCodes(),
		FullName: v.FullName, Phone: v.Phone, Status: v.Status, SignVersion: v.SignVersion, SignPrintedVersion: v.SignPrintedVersion,
		TransactingAt: v.TransactingAt, Accounts: []accountAudit{}}
	for _, a := range v.Accounts {
		out.Accounts = append(out.Accounts, auditAccount(a))
	}
	return out
}

type marketAudit struct {
	ID             int64         `json:"id"`
	Code           string        `json:"code"`
	Name           string        `json:"name"`
	CommuneCode    string        `json:"commune_code"`
	ProvinceCode   string        `json:"province_code"`
	Address        string        `json:"address"`
	Class          int           `json:"class"`
	StallsDeclared int           `json:"stall_count"`
	Status         MarketStatus  `json:"status"`
	FeeAccount     *accountAudit `json:"fee_account,omitempty"`
}

func auditMarket(m Market) marketAudit {
	out := marketAudit{ID: m.ID, Code: m.Code, Name: m.Name, CommuneCode: m.CommuneCode, ProvinceCode: m.ProvinceCode,
		Address: m.Address, Class: m.Class, StallsDeclared: m.StallsDeclared, Status: m.Status}
	if m.FeeAccount != nil {
		a := auditAccount(BankAccount{BIN: m.FeeAccount.BIN, AccountNumber: m.FeeAccount.AccountNumber, HolderName: m.FeeAccount.HolderName, Active: true})
		out.FeeAccount = &a
	}
	return out
}

type userAudit struct {
	ID           int64    `json:"id"`
	Username     string   `json:"username"`
	DisplayName  string   `json:"display_name"`
	Role         Role     `json:"role"`
	ProvinceCode string   `json:"province_code,omitempty"`
	CommuneCodes []string `json:"commune_codes,omitempty"`
	Active       bool     `json:"active"`
	Phone        string   `json:"phone,omitempty"`
}

// audit appends one audit entry to tx; a nil before or after is recorded
// as JSON null.
func (s *Service) audit(ctx context.Context, tx Tx, a Actor, action, entity string, id, marketID int64, before, after any) error {
	e, err := s.auditEntry(a, action, entity, id, marketID, before, after)
	if err != nil {
		return err
	}
	return tx.AppendAudit(ctx, e)
}

// auditEntry is the entry audit appends, for a caller that writes several
// in one statement.
func (s *Service) auditEntry(a Actor, action, entity string, id, marketID int64, before, after any) (AuditEntry, error) {
	b, err := json.Marshal(before)
	if err != nil {
		return AuditEntry{}, fmt.Errorf("audit %s %s: %w", action, entity, err)
	}
	af, err := json.Marshal(after)
	if err != nil {
		return AuditEntry{}, fmt.Errorf("audit %s %s: %w", action, entity, err)
	}
	return AuditEntry{
		At: s.clock(), ActorID: a.UserID, Action: action, Entity: entity, EntityID: id, MarketID: marketID,
		Before: b, After: af,
	}, nil
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
