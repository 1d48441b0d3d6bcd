package gormstore

import (
	"context"
	"fmt"
	"slices"
	"strconv"
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
	db := t.db.WithContext(ctx)
	if r.TransactingSource == "" {
		// Left to the column's default, so that vendors can be written
		// on a schema from before migration 0120 (the migration tests).
		db = db.Omit("transacting_source")
	}
	if err := db.Create(&r).Error; err != nil {
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
		"transacting_at", "transacting_by", "updated_at", "deactivated_at", "deactivated_by", "transacting_source")
}

func (t tx) AssignStall(ctx context.Context, s merchants.VendorStall) (merchants.VendorStall, error) {
	r := vendorStallToRow(s)
	r.ID = 0
	if err := t.db.WithContext(ctx).Create(&r).Error; err != nil {
		return merchants.VendorStall{}, translate(err, "assign stall")
	}
	out := r.toDomain()
	out.StallCode = s.StallCode
	return out, nil
}

func (t tx) UpdateVendorStall(ctx context.Context, s merchants.VendorStall) error {
	r := vendorStallToRow(s)
	return t.update(ctx, fmt.Sprintf("update stall assignment %d", s.ID), &r, s.ID,
		"active", "released_by", "released_at", "sign_printed_version")
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
		"holder_name", "confirmation", "active", "is_primary", "deactivated_at", "verified_at", "verified_by", "verify_method")
}

func (t tx) CreateSignRecord(ctx context.Context, s merchants.SignRecord) (merchants.SignRecord, error) {
	r := signRecordRow{VendorID: s.VendorID, MarketID: s.MarketID, StallID: nullID(s.StallID), Version: s.Version, BankAccountID: s.BankAccountID,
		Payload: s.Payload, Reason: string(s.Reason), Printed: s.Printed, ByUser: s.By, At: s.At}
	if err := t.db.WithContext(ctx).Create(&r).Error; err != nil {
		return merchants.SignRecord{}, translate(err, "create sign record")
	}
	return r.toDomain(), nil
}

func (t tx) CreateUser(ctx context.Context, u merchants.User, passwordHash string) (merchants.User, error) {
	r := userRow{Username: u.Username, DisplayName: u.DisplayName, Role: string(u.Role), ProvinceCode: u.ProvinceCode,
		CommuneCodes: strings.Join(u.CommuneCodes, ","), PasswordHash: passwordHash, Phone: u.Phone, Active: u.Active, CreatedAt: u.CreatedAt}
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
	r := vendorLinkRow{VendorID: l.VendorID, TokenHash: tokenHash, CreatedBy: l.CreatedBy, CreatedAt: l.CreatedAt, ExpiresAt: l.ExpiresAt}
	if err := t.db.WithContext(ctx).Create(&r).Error; err != nil {
		return merchants.VendorLink{}, translate(err, "create vendor link")
	}
	return r.toDomain(), nil
}

func (t tx) RevokeVendorLink(ctx context.Context, id int64, at time.Time) error {
	r := vendorLinkRow{RevokedAt: &at}
	return t.update(ctx, fmt.Sprintf("revoke vendor link %d", id), &r, id, "revoked_at")
}

func (t tx) AppendAudit(ctx context.Context, entries ...merchants.AuditEntry) error {
	if len(entries) == 0 {
		return nil
	}
	rows := make([]auditRow, len(entries))
	for i, e := range entries {
		rows[i] = auditRow{At: e.At, ActorID: e.ActorID, Action: e.Action, Entity: e.Entity, EntityID: e.EntityID,
			MarketID: e.MarketID, BeforeJSON: string(e.Before), AfterJSON: string(e.After)}
	}
	return translate(t.db.WithContext(ctx).Create(&rows).Error, "append audit entry")
}

// factsRow is the one row of the registration facts query; the stall
// columns are NULL when the market has no stall with the code.
type factsRow struct {
	StallID         *int64
	StallMarketID   *int64
	StallCode       *string
	StallCategory   *string
	StallStatus     *string
	StallCreatedAt  *time.Time
	StallUpdatedAt  *time.Time
	MarketStalls    int64
	StallVendorID   *int64
	AccountVendorID *int64
	PhoneVendorIDs  *string
}

// RegistrationFacts reads a registration's checks in one statement (see
// merchants.Tx). Each sub-select is an index lookup: stalls_code_per_market,
// stalls_by_market_status, vendor_stalls_one_active,
// bank_accounts_one_active and vendors_by_phone.
func (t tx) RegistrationFacts(ctx context.Context, rq merchants.RegistrationQuery) (merchants.RegistrationFacts, error) {
	agg := "string_agg(CAST(p.id AS TEXT), ',')"
	if t.dialect == SQLite {
		agg = "group_concat(p.id, ',')"
	}
	args := []any{rq.MarketID}
	account := "NULL"
	if rq.BIN != "" && rq.AccountNumber != "" {
		account = `(SELECT v.id FROM bank_accounts b JOIN vendors v ON v.id = b.vendor_id
			WHERE b.bin = ? AND b.account_number = ? AND b.active AND v.status = 'active' ORDER BY v.id LIMIT 1)`
		args = append(args, rq.BIN, rq.AccountNumber)
	}
	phone := "NULL"
	if rq.Phone != "" {
		phone = `(SELECT ` + agg + ` FROM (SELECT v.id FROM vendors v
			WHERE v.market_id = ? AND v.phone = ? AND v.status = 'active' ORDER BY v.id LIMIT 100) AS p)`
		args = append(args, rq.MarketID, rq.Phone)
	}
	args = append(args, rq.MarketID, rq.StallCode)
	var rows []factsRow
	err := t.db.WithContext(ctx).Raw(`SELECT st.id AS stall_id, st.market_id AS stall_market_id, st.code AS stall_code,
			st.category AS stall_category, st.status AS stall_status, st.created_at AS stall_created_at,
			st.updated_at AS stall_updated_at,
			(SELECT COUNT(*) FROM stalls c WHERE c.market_id = ?) AS market_stalls,
			(SELECT a.vendor_id FROM vendor_stalls a WHERE a.stall_id = st.id AND a.active) AS stall_vendor_id,
			`+account+` AS account_vendor_id,
			`+phone+` AS phone_vendor_ids
		FROM (SELECT 1 AS one) AS one LEFT JOIN stalls st ON st.market_id = ? AND st.code = ?`, args...).Scan(&rows).Error
	if err != nil {
		return merchants.RegistrationFacts{}, translate(err, "registration facts")
	}
	if len(rows) != 1 {
		return merchants.RegistrationFacts{}, fmt.Errorf("registration facts: %d rows, want 1", len(rows))
	}
	r := rows[0]
	f := merchants.RegistrationFacts{MarketStalls: int(r.MarketStalls)}
	if r.StallID != nil {
		f.Stall = stallRow{ID: *r.StallID, MarketID: deref(r.StallMarketID), Code: deref(r.StallCode), Category: deref(r.StallCategory),
			Status: deref(r.StallStatus), CreatedAt: deref(r.StallCreatedAt), UpdatedAt: deref(r.StallUpdatedAt)}.toDomain()
	}
	f.StallVendorID, f.AccountVendorID = deref(r.StallVendorID), deref(r.AccountVendorID)
	if r.PhoneVendorIDs != nil && *r.PhoneVendorIDs != "" {
		for _, s := range strings.Split(*r.PhoneVendorIDs, ",") {
			id, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return merchants.RegistrationFacts{}, fmt.Errorf("registration facts: vendor id %q: %w", s, err)
			}
			f.PhoneVendorIDs = append(f.PhoneVendorIDs, id)
		}
		// group_concat does not promise the order of its input.
		slices.Sort(f.PhoneVendorIDs)
	}
	return f, nil
}

// deref returns *p, or the zero value for nil.
func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
