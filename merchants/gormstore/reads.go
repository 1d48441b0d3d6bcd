package gormstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/sapqr/sapqr/merchants"
)

// likeContains returns a LIKE pattern matching s anywhere, its wildcards
// escaped (used with ESCAPE '\').
func likeContains(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}

func (q q) Market(ctx context.Context, id int64) (merchants.Market, error) {
	var r marketRow
	if err := q.with(ctx).Where("id = ?", id).Take(&r).Error; err != nil {
		return merchants.Market{}, translate(err, fmt.Sprintf("market %d", id))
	}
	return r.toDomain(), nil
}

func (q q) MarketByCode(ctx context.Context, communeCode, code string) (merchants.Market, error) {
	var r marketRow
	if err := q.with(ctx).Where("commune_code = ? AND code = ? AND code <> ''", communeCode, code).Take(&r).Error; err != nil {
		return merchants.Market{}, translate(err, fmt.Sprintf("market %s in commune %s", code, communeCode))
	}
	return r.toDomain(), nil
}

func (q q) ListMarkets(ctx context.Context, mq merchants.MarketQuery) ([]merchants.Market, error) {
	db := q.with(ctx).Model(&marketRow{})
	if mq.ProvinceCode != "" {
		db = db.Where("province_code = ?", mq.ProvinceCode)
	}
	if len(mq.CommuneCodes) > 0 {
		db = db.Where("commune_code IN ?", mq.CommuneCodes)
	}
	if mq.NameFolded != "" {
		db = db.Where(`name_folded LIKE ? ESCAPE '\'`, likeContains(mq.NameFolded))
	}
	if mq.AfterID > 0 {
		db = db.Where("id > ?", mq.AfterID)
	}
	var rows []marketRow
	if err := db.Order("id").Limit(limitOf(mq.Limit)).Find(&rows).Error; err != nil {
		return nil, translate(err, "list markets")
	}
	out := make([]merchants.Market, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out, nil
}

// limitOf bounds a query's row count: a Store never returns unbounded rows.
func limitOf(n int) int {
	if n <= 0 || n > 10_000 {
		return 10_000
	}
	return n
}

func (q q) Stall(ctx context.Context, id int64) (merchants.Stall, error) {
	var r stallRow
	if err := q.with(ctx).Where("id = ?", id).Take(&r).Error; err != nil {
		return merchants.Stall{}, translate(err, fmt.Sprintf("stall %d", id))
	}
	return r.toDomain(), nil
}

func (q q) StallByCode(ctx context.Context, marketID int64, code string) (merchants.Stall, error) {
	var r stallRow
	if err := q.with(ctx).Where("market_id = ? AND code = ?", marketID, code).Take(&r).Error; err != nil {
		return merchants.Stall{}, translate(err, fmt.Sprintf("stall %s of market %d", code, marketID))
	}
	return r.toDomain(), nil
}

func (q q) ListStalls(ctx context.Context, sq merchants.StallQuery) ([]merchants.Stall, error) {
	db := q.with(ctx).Where("market_id = ?", sq.MarketID)
	if sq.Status != "" {
		db = db.Where("status = ?", string(sq.Status))
	}
	if sq.AfterID > 0 {
		db = db.Where("id > ?", sq.AfterID)
	}
	var rows []stallRow
	if err := db.Order("id").Limit(limitOf(sq.Limit)).Find(&rows).Error; err != nil {
		return nil, translate(err, "list stalls")
	}
	out := make([]merchants.Stall, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out, nil
}

func (q q) CountStalls(ctx context.Context, marketID int64) (int, error) {
	var n int64
	if err := q.with(ctx).Model(&stallRow{}).Where("market_id = ?", marketID).Count(&n).Error; err != nil {
		return 0, translate(err, "count stalls")
	}
	return int(n), nil
}

// vendors starts a query of vendors with their stall codes.
func (q q) vendors(ctx context.Context) *gorm.DB {
	return q.with(ctx).Table("vendors").
		Select("vendors.*, stalls.code AS stall_code").
		Joins("JOIN stalls ON stalls.id = vendors.stall_id")
}

// complete loads the active stalls, main first, and the bank accounts,
// primary first, of rows.
func (q q) complete(ctx context.Context, rows []vendorRow) ([]merchants.Vendor, error) {
	out := make([]merchants.Vendor, len(rows))
	if len(rows) == 0 {
		return out, nil
	}
	ids := make([]int64, len(rows))
	at := make(map[int64]int, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
		at[r.ID] = i
		out[i] = r.toDomain()
	}
	var stalls []vendorStallRow
	err := q.with(ctx).Table("vendor_stalls").Select("vendor_stalls.*, stalls.code AS stall_code").
		Joins("JOIN stalls ON stalls.id = vendor_stalls.stall_id").
		Where("vendor_stalls.vendor_id IN ? AND vendor_stalls.active", ids).
		Order("vendor_stalls.vendor_id, vendor_stalls.id").Find(&stalls).Error
	if err != nil {
		return nil, translate(err, "vendor stalls")
	}
	for _, s := range stalls {
		v := &out[at[s.VendorID]]
		if s.StallID == v.StallID {
			v.Stalls = append([]merchants.VendorStall{s.toDomain()}, v.Stalls...)
		} else {
			v.Stalls = append(v.Stalls, s.toDomain())
		}
	}
	var accs []bankAccountRow
	err = q.with(ctx).Where("vendor_id IN ?", ids).
		Order("vendor_id, active DESC, is_primary DESC, id").Find(&accs).Error
	if err != nil {
		return nil, translate(err, "bank accounts")
	}
	for _, a := range accs {
		v := &out[at[a.VendorID]]
		v.Accounts = append(v.Accounts, a.toDomain())
	}
	return out, nil
}

func (q q) oneVendor(ctx context.Context, what string, db *gorm.DB) (merchants.Vendor, error) {
	var rows []vendorRow
	if err := db.Limit(1).Find(&rows).Error; err != nil {
		return merchants.Vendor{}, translate(err, what)
	}
	if len(rows) == 0 {
		return merchants.Vendor{}, translate(gorm.ErrRecordNotFound, what)
	}
	vs, err := q.complete(ctx, rows)
	if err != nil {
		return merchants.Vendor{}, err
	}
	return vs[0], nil
}

func (q q) Vendor(ctx context.Context, id int64) (merchants.Vendor, error) {
	return q.oneVendor(ctx, fmt.Sprintf("vendor %d", id), q.vendors(ctx).Where("vendors.id = ?", id))
}

func (q q) VendorByRequestKey(ctx context.Context, userID int64, key string) (merchants.Vendor, error) {
	return q.oneVendor(ctx, fmt.Sprintf("vendor registered by user %d with the request key", userID),
		q.vendors(ctx).Where("vendors.registered_by = ? AND vendors.request_key = ?", userID, key))
}

func (q q) ActiveVendorOnStall(ctx context.Context, stallID int64) (merchants.Vendor, error) {
	return q.oneVendor(ctx, fmt.Sprintf("active vendor of stall %d", stallID),
		q.vendors(ctx).Where("vendors.id IN (?)",
			q.with(ctx).Model(&vendorStallRow{}).Select("vendor_id").Where("stall_id = ? AND active", stallID)))
}

func (q q) ActiveVendorWithAccount(ctx context.Context, bin, accountNumber string) (merchants.Vendor, error) {
	return q.oneVendor(ctx, "active vendor with the bank account",
		q.vendors(ctx).Where("vendors.status = 'active' AND vendors.id IN (?)",
			q.with(ctx).Model(&bankAccountRow{}).Select("vendor_id").Where("bin = ? AND account_number = ? AND active", bin, accountNumber)))
}

func (q q) ActiveVendorIDsByPhone(ctx context.Context, marketID int64, phone string) ([]int64, error) {
	var ids []int64
	err := q.with(ctx).Model(&vendorRow{}).Where("market_id = ? AND phone = ? AND status = 'active'", marketID, phone).
		Order("id").Limit(100).Pluck("id", &ids).Error
	if err != nil {
		return nil, translate(err, "vendors by phone")
	}
	return ids, nil
}

func (q q) ListVendors(ctx context.Context, vq merchants.VendorQuery) ([]merchants.Vendor, error) {
	db := q.vendors(ctx)
	if vq.MarketID != 0 {
		db = db.Where("vendors.market_id = ?", vq.MarketID)
	}
	if vq.ProvinceCode != "" {
		db = db.Where("vendors.province_code = ?", vq.ProvinceCode)
	}
	if len(vq.CommuneCodes) > 0 {
		db = db.Where("vendors.commune_code IN ?", vq.CommuneCodes)
	}
	if vq.Phone != "" {
		db = db.Where("vendors.phone = ?", vq.Phone)
	}
	if vq.NameFolded != "" {
		db = db.Where(`vendors.name_folded LIKE ? ESCAPE '\'`, likeContains(vq.NameFolded))
	}
	if vq.Status != "" {
		db = db.Where("vendors.status = ?", string(vq.Status))
	}
	if vq.AfterID > 0 {
		db = db.Where("vendors.id > ?", vq.AfterID)
	}
	var rows []vendorRow
	if err := db.Order("vendors.id").Limit(limitOf(vq.Limit)).Find(&rows).Error; err != nil {
		return nil, translate(err, "list vendors")
	}
	return q.complete(ctx, rows)
}

func (q q) BankAccount(ctx context.Context, id int64) (merchants.BankAccount, error) {
	var r bankAccountRow
	if err := q.with(ctx).Where("id = ?", id).Take(&r).Error; err != nil {
		return merchants.BankAccount{}, translate(err, fmt.Sprintf("bank account %d", id))
	}
	return r.toDomain(), nil
}

func (q q) SignRecords(ctx context.Context, vendorID int64) ([]merchants.SignRecord, error) {
	var rows []signRecordRow
	if err := q.with(ctx).Where("vendor_id = ?", vendorID).Order("id").Limit(10_000).Find(&rows).Error; err != nil {
		return nil, translate(err, "sign records")
	}
	out := make([]merchants.SignRecord, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out, nil
}

func (q q) User(ctx context.Context, id int64) (merchants.User, error) {
	var r userRow
	if err := q.with(ctx).Where("id = ?", id).Take(&r).Error; err != nil {
		return merchants.User{}, translate(err, fmt.Sprintf("user %d", id))
	}
	return r.toDomain(), nil
}

func (q q) UserCredentials(ctx context.Context, username string) (merchants.Credentials, error) {
	var r userRow
	if err := q.with(ctx).Where("username = ?", username).Take(&r).Error; err != nil {
		return merchants.Credentials{}, translate(err, "user "+username)
	}
	return merchants.Credentials{User: r.toDomain(), PasswordHash: r.PasswordHash}, nil
}

func (q q) SessionUser(ctx context.Context, tokenHash []byte) (merchants.Session, merchants.User, error) {
	var rows []struct {
		User             userRow `gorm:"embedded"`
		SessionCreatedAt time.Time
		SessionExpiresAt time.Time
	}
	err := q.with(ctx).Raw(`SELECT users.*, sessions.created_at AS session_created_at, sessions.expires_at AS session_expires_at
		FROM sessions JOIN users ON users.id = sessions.user_id WHERE sessions.token_hash = ?`, tokenHash).Scan(&rows).Error
	if err == nil && len(rows) == 0 {
		err = gorm.ErrRecordNotFound
	}
	if err != nil {
		return merchants.Session{}, merchants.User{}, translate(err, "session")
	}
	r := rows[0]
	s := merchants.Session{TokenHash: tokenHash, UserID: r.User.ID, CreatedAt: r.SessionCreatedAt.UTC(), ExpiresAt: r.SessionExpiresAt.UTC()}
	return s, r.User.toDomain(), nil
}

func (q q) VendorLink(ctx context.Context, id int64) (merchants.VendorLink, error) {
	var r vendorLinkRow
	if err := q.with(ctx).Where("id = ?", id).Take(&r).Error; err != nil {
		return merchants.VendorLink{}, translate(err, fmt.Sprintf("vendor link %d", id))
	}
	return r.toDomain(), nil
}

func (q q) VendorLinks(ctx context.Context, vendorID int64) ([]merchants.VendorLink, error) {
	var rows []vendorLinkRow
	if err := q.with(ctx).Where("vendor_id = ?", vendorID).Order("id").Limit(10_000).Find(&rows).Error; err != nil {
		return nil, translate(err, "vendor links")
	}
	out := make([]merchants.VendorLink, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out, nil
}

func (q q) VendorLinkByToken(ctx context.Context, tokenHash []byte) (merchants.VendorLink, error) {
	var r vendorLinkRow
	if err := q.with(ctx).Where("token_hash = ?", tokenHash).Take(&r).Error; err != nil {
		return merchants.VendorLink{}, translate(err, "vendor link")
	}
	return r.toDomain(), nil
}

func (q q) AuditLog(ctx context.Context, aq merchants.AuditQuery) ([]merchants.AuditEntry, error) {
	db := q.with(ctx).Model(&auditRow{})
	if aq.Entity != "" {
		db = db.Where("entity = ?", aq.Entity)
	}
	if aq.EntityID != 0 {
		db = db.Where("entity_id = ?", aq.EntityID)
	}
	if aq.MarketID != 0 {
		db = db.Where("market_id = ?", aq.MarketID)
	}
	if aq.BeforeID > 0 {
		db = db.Where("id < ?", aq.BeforeID)
	}
	var rows []auditRow
	if err := db.Order("id DESC").Limit(limitOf(aq.Limit)).Find(&rows).Error; err != nil {
		return nil, translate(err, "audit log")
	}
	out := make([]merchants.AuditEntry, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out, nil
}
