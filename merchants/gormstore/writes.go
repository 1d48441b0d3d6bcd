package gormstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/sapqr/sapqr/merchants"
)

// update writes the named columns of row (zero values included) to the
// row with its ID; no such row wraps merchants.ErrNotFound.
func (t tx) update(ctx context.Context, what string, row any, id int64, cols ...string) error {
	res := t.db.WithContext(ctx).Model(row).Where("id = ?", id).Select(cols).Updates(row)
	if res.Error != nil {
		return translate(res.Error, what)
	}
	if res.RowsAffected == 0 {
		return translate(gorm.ErrRecordNotFound, what)
	}
	return nil
}

func (t tx) LockMarket(ctx context.Context, id int64) (merchants.Market, error) {
	db := t.db.WithContext(ctx)
	if t.dialect == Postgres {
		db = db.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	// SQLite needs no row lock: the transaction began IMMEDIATE and holds
	// the database's only write lock.
	var r marketRow
	if err := db.Where("id = ?", id).Take(&r).Error; err != nil {
		return merchants.Market{}, translate(err, fmt.Sprintf("market %d", id))
	}
	return r.toDomain(), nil
}

func (t tx) CreateMarket(ctx context.Context, m merchants.Market) (merchants.Market, error) {
	r := marketToRow(m)
	r.ID = 0
	if err := t.db.WithContext(ctx).Create(&r).Error; err != nil {
		return merchants.Market{}, translate(err, "create market")
	}
	return r.toDomain(), nil
}

func (t tx) UpdateMarket(ctx context.Context, m merchants.Market) error {
	r := marketToRow(m)
	return t.update(ctx, fmt.Sprintf("update market %d", m.ID), &r, m.ID,
		"code", "name", "name_folded", "commune_code", "province_code", "address", "class", "stalls_declared",
		"status", "fee_bin", "fee_account_number", "fee_holder_name", "updated_at")
}

func (t tx) CreateStall(ctx context.Context, s merchants.Stall) (merchants.Stall, error) {
	r := stallToRow(s)
	r.ID = 0
	if err := t.db.WithContext(ctx).Create(&r).Error; err != nil {
		return merchants.Stall{}, translate(err, "create stall")
	}
	return r.toDomain(), nil
}

func (t tx) UpdateStall(ctx context.Context, s merchants.Stall) error {
	r := stallToRow(s)
	return t.update(ctx, fmt.Sprintf("update stall %d", s.ID), &r, s.ID, "code", "category", "status", "updated_at")
}

func (t tx) CreateVendor(ctx context.Context, v merchants.Vendor) (merchants.Vendor, error) {
	r := vendorToRow(v)
	r.ID = 0
	if err := t.db.WithContext(ctx).Create(&r).Error; err != nil {
		return merchants.Vendor{}, translate(err, "create vendor")
	}
	out := r.toDomain()
	out.StallCode = v.StallCode
	return out, nil
}

func (t tx) UpdateVendor(ctx context.Context, v merchants.Vendor) error {
	r := vendorToRow(v)
	return t.update(ctx, fmt.Sprintf("update vendor %d", v.ID), &r, v.ID,
		"stall_id", "full_name", "name_folded", "phone", "status", "sign_version", "sign_printed_version",
		"transacting_at", "transacting_by", "updated_at", "deactivated_at", "deactivated_by")
}

func (t tx) CreateBankAccount(ctx context.Context, a merchants.BankAccount) (merchants.BankAccount, error) {
	r := accountToRow(a)
	r.ID = 0
	if err := t.db.WithContext(ctx).Create(&r).Error; err != nil {
		return merchants.BankAccount{}, translate(err, "create bank account")
	}
	return r.toDomain(), nil
}

func (t tx) UpdateBankAccount(ctx context.Context, a merchants.BankAccount) error {
	r := accountToRow(a)
	return t.update(ctx, fmt.Sprintf("update bank account %d", a.ID), &r, a.ID,
		"holder_name", "confirmation", "active", "is_primary", "deactivated_at")
}

func (t tx) CreateSignRecord(ctx context.Context, s merchants.SignRecord) (merchants.SignRecord, error) {
	r := signRecordRow{VendorID: s.VendorID, MarketID: s.MarketID, Version: s.Version, BankAccountID: s.BankAccountID,
		Payload: s.Payload, Reason: string(s.Reason), Printed: s.Printed, ByUser: s.By, At: s.At}
	if err := t.db.WithContext(ctx).Create(&r).Error; err != nil {
		return merchants.SignRecord{}, translate(err, "create sign record")
	}
	return r.toDomain(), nil
}

func (t tx) CreateUser(ctx context.Context, u merchants.User, passwordHash string) (merchants.User, error) {
	r := userRow{Username: u.Username, DisplayName: u.DisplayName, Role: string(u.Role), ProvinceCode: u.ProvinceCode,
		CommuneCodes: strings.Join(u.CommuneCodes, ","), PasswordHash: passwordHash, Active: u.Active, CreatedAt: u.CreatedAt}
	if err := t.db.WithContext(ctx).Create(&r).Error; err != nil {
		return merchants.User{}, translate(err, "create user")
	}
	return r.toDomain(), nil
}

func (t tx) CreateSession(ctx context.Context, s merchants.Session) error {
	r := sessionRow{TokenHash: s.TokenHash, UserID: s.UserID, CreatedAt: s.CreatedAt, ExpiresAt: s.ExpiresAt}
	return translate(t.db.WithContext(ctx).Create(&r).Error, "create session")
}

func (t tx) DeleteSession(ctx context.Context, tokenHash []byte) error {
	return translate(t.db.WithContext(ctx).Where("token_hash = ?", tokenHash).Delete(&sessionRow{}).Error, "delete session")
}

func (t tx) DeleteExpiredSessions(ctx context.Context, before time.Time) (int64, error) {
	res := t.db.WithContext(ctx).Where("expires_at < ?", before).Delete(&sessionRow{})
	return res.RowsAffected, translate(res.Error, "delete expired sessions")
}

func (t tx) CreateVendorLink(ctx context.Context, l merchants.VendorLink, tokenHash []byte) (merchants.VendorLink, error) {
	r := vendorLinkRow{VendorID: l.VendorID, TokenHash: tokenHash, CreatedBy: l.CreatedBy, CreatedAt: l.CreatedAt}
	if err := t.db.WithContext(ctx).Create(&r).Error; err != nil {
		return merchants.VendorLink{}, translate(err, "create vendor link")
	}
	return r.toDomain(), nil
}

func (t tx) RevokeVendorLink(ctx context.Context, id int64, at time.Time) error {
	r := vendorLinkRow{RevokedAt: &at}
	return t.update(ctx, fmt.Sprintf("revoke vendor link %d", id), &r, id, "revoked_at")
}

func (t tx) AppendAudit(ctx context.Context, e merchants.AuditEntry) error {
	r := auditRow{At: e.At, ActorID: e.ActorID, Action: e.Action, Entity: e.Entity, EntityID: e.EntityID,
		MarketID: e.MarketID, BeforeJSON: string(e.Before), AfterJSON: string(e.After)}
	return translate(t.db.WithContext(ctx).Create(&r).Error, "append audit entry")
}
