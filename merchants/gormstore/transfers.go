package gormstore

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm/clause"

	"github.com/sapqr/sapqr/merchants"
)

var (
	_ merchants.TransferStore = (*Store)(nil)
	_ merchants.TransferTx    = tx{}
)

type hookSourceRow struct {
	ID           int64 `gorm:"primaryKey"`
	Provider     string
	Auth         string
	Secret       []byte
	VendorID     *int64
	CommuneCode  string
	ProvinceCode string
	CreatedBy    int64
	CreatedAt    time.Time
	DeletedAt    *time.Time
}

func (hookSourceRow) TableName() string { return "hook_sources" }

func (r hookSourceRow) toDomain() merchants.HookSource {
	h := merchants.HookSource{ID: r.ID, Provider: r.Provider, Auth: merchants.HookAuth(r.Auth), CommuneCode: r.CommuneCode,
		ProvinceCode: r.ProvinceCode, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt.UTC()}
	if r.VendorID != nil {
		h.VendorID = *r.VendorID
	}
	return h
}

type transferRow struct {
	ID             int64 `gorm:"primaryKey"`
	SourceID       int64
	Provider       string
	ProviderTxID   string `gorm:"column:provider_tx_id"`
	Bank           string
	BIN            string `gorm:"column:bin"`
	AccountNumber  string
	VirtualAccount string
	Amount         int64
	MoneyIn        bool
	Test           bool
	VendorID       *int64
	MarketID       *int64
	OccurredAt     time.Time
	ReceivedAt     time.Time
	Memo           *string
	Payer          *string
}

func (transferRow) TableName() string { return "transfers" }

func idPtr(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

func transferToRow(t merchants.Transfer) transferRow {
	return transferRow{SourceID: t.SourceID, Provider: t.Provider, ProviderTxID: t.ProviderTxID, Bank: t.Bank, BIN: t.BIN,
		AccountNumber: t.AccountNumber, VirtualAccount: t.VirtualAccount, Amount: t.Amount, MoneyIn: t.In, Test: t.Test,
		VendorID: idPtr(t.VendorID), MarketID: idPtr(t.MarketID), OccurredAt: t.OccurredAt.UTC(), ReceivedAt: t.ReceivedAt.UTC(),
		Memo: nullString(t.Memo), Payer: nullString(t.Payer)}
}

func (r transferRow) toDomain() merchants.Transfer {
	t := merchants.Transfer{ID: r.ID, SourceID: r.SourceID, Provider: r.Provider, ProviderTxID: r.ProviderTxID, Bank: r.Bank,
		BIN: r.BIN, AccountNumber: r.AccountNumber, VirtualAccount: r.VirtualAccount, Amount: r.Amount, In: r.MoneyIn,
		Test: r.Test, OccurredAt: r.OccurredAt.UTC(), ReceivedAt: r.ReceivedAt.UTC(), Memo: deref(r.Memo), Payer: deref(r.Payer)}
	if r.VendorID != nil {
		t.VendorID = *r.VendorID
	}
	if r.MarketID != nil {
		t.MarketID = *r.MarketID
	}
	return t
}

// CreateHookSource inserts a source with its secret.
func (s *Store) CreateHookSource(ctx context.Context, h merchants.HookSource, secret []byte) (merchants.HookSource, error) {
	r := hookSourceRow{Provider: h.Provider, Auth: string(h.Auth), Secret: secret, VendorID: idPtr(h.VendorID),
		CommuneCode: h.CommuneCode, ProvinceCode: h.ProvinceCode, CreatedBy: h.CreatedBy, CreatedAt: h.CreatedAt.UTC()}
	err := s.transact(ctx, func(t tx) error { return t.db.WithContext(ctx).Create(&r).Error })
	if err != nil {
		return merchants.HookSource{}, translate(err, "create hook source")
	}
	return r.toDomain(), nil
}

// HookSourceSecret returns a source not deleted with its secret.
func (s *Store) HookSourceSecret(ctx context.Context, id int64) (merchants.HookSource, []byte, error) {
	var r hookSourceRow
	if err := s.with(ctx).Where("id = ? AND deleted_at IS NULL", id).Take(&r).Error; err != nil {
		return merchants.HookSource{}, nil, translate(err, fmt.Sprintf("hook source %d", id))
	}
	return r.toDomain(), r.Secret, nil
}

// ListHookSources returns the sources not deleted, by ascending ID,
// without their secrets.
func (s *Store) ListHookSources(ctx context.Context) ([]merchants.HookSource, error) {
	var rows []hookSourceRow
	err := s.with(ctx).Omit("secret").Where("deleted_at IS NULL").Order("id").Limit(10000).Find(&rows).Error
	if err != nil {
		return nil, translate(err, "hook sources")
	}
	out := make([]merchants.HookSource, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out, nil
}

// CountHookSourcesFor counts the sources covering a vendor.
func (s *Store) CountHookSourcesFor(ctx context.Context, vendorID int64, communeCode, provinceCode string) (int, error) {
	var n int64
	err := s.with(ctx).Model(&hookSourceRow{}).Where("deleted_at IS NULL AND province_code = ? AND "+
		"(vendor_id = ? OR (vendor_id IS NULL AND (commune_code = ? OR commune_code = '')))", provinceCode, vendorID, communeCode).
		Count(&n).Error
	return int(n), translate(err, "hook sources of a vendor")
}

// DeleteHookSource marks a source deleted.
func (s *Store) DeleteHookSource(ctx context.Context, id int64, at time.Time) error {
	return s.transact(ctx, func(t tx) error {
		res := t.db.WithContext(ctx).Model(&hookSourceRow{}).Where("id = ? AND deleted_at IS NULL", id).Update("deleted_at", at.UTC())
		if res.Error != nil {
			return translate(res.Error, "delete hook source")
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("hook source %d: %w", id, merchants.ErrNotFound)
		}
		return nil
	})
}

// MatchTransfer finds the active vendor with the active account in scope.
func (s *Store) MatchTransfer(ctx context.Context, m merchants.TransferMatch) (int64, int64, bool, error) {
	db := s.with(ctx).Table("bank_accounts a").Joins("JOIN vendors v ON v.id = a.vendor_id").
		Where("a.bin = ? AND a.account_number = ? AND a.active AND v.status = 'active'", m.BIN, m.AccountNumber)
	switch sc := m.Scope; {
	case sc.VendorID != 0:
		db = db.Where("v.id = ?", sc.VendorID)
	case sc.CommuneCode != "":
		db = db.Where("v.commune_code = ?", sc.CommuneCode)
	default:
		db = db.Where("v.province_code = ?", sc.ProvinceCode)
	}
	var hit struct {
		ID, MarketID int64
		Transacting  bool
	}
	err := db.Select("v.id AS id, v.market_id AS market_id, v.transacting_at IS NOT NULL AS transacting").Order("v.id").Limit(1).Take(&hit).Error
	if err != nil {
		return 0, 0, false, translate(err, "match transfer")
	}
	return hit.ID, hit.MarketID, hit.Transacting, nil
}

// InTransferTx runs fn in one transaction (see merchants.TransferStore).
func (s *Store) InTransferTx(ctx context.Context, fn func(merchants.TransferTx) error) error {
	return s.transact(ctx, func(t tx) error { return fn(t) })
}

// InsertTransfer inserts t unless (provider, provider_tx_id) exists.
func (t tx) InsertTransfer(ctx context.Context, tr merchants.Transfer) (merchants.Transfer, bool, error) {
	r := transferToRow(tr)
	res := t.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&r)
	if res.Error != nil {
		return merchants.Transfer{}, false, translate(res.Error, "insert transfer")
	}
	if res.RowsAffected == 1 {
		return r.toDomain(), true, nil
	}
	var old transferRow
	err := t.db.WithContext(ctx).Where("provider = ? AND provider_tx_id = ?", tr.Provider, tr.ProviderTxID).Take(&old).Error
	if err != nil {
		return merchants.Transfer{}, false, translate(err, "stored transfer")
	}
	return old.toDomain(), false, nil
}

// VendorTransfers returns a vendor's money in, newest first.
func (s *Store) VendorTransfers(ctx context.Context, vendorID, afterID int64, limit int) ([]merchants.Transfer, error) {
	return s.transfers(ctx, "vendor transfers", limit,
		"vendor_id = ? AND id > ? AND money_in AND NOT test", vendorID, afterID)
}

// UnmatchedTransfers returns the unmatched money in of sources, newest first.
func (s *Store) UnmatchedTransfers(ctx context.Context, sourceIDs []int64, limit int) ([]merchants.Transfer, error) {
	return s.transfers(ctx, "unmatched transfers", limit,
		"vendor_id IS NULL AND source_id IN ? AND money_in AND NOT test", sourceIDs)
}

func (s *Store) transfers(ctx context.Context, what string, limit int, where string, args ...any) ([]merchants.Transfer, error) {
	var rows []transferRow
	if err := s.with(ctx).Where(where, args...).Order("id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, translate(err, what)
	}
	out := make([]merchants.Transfer, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out, nil
}

// ClearTransferPersonalData clears memos and payers received before t.
func (s *Store) ClearTransferPersonalData(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := s.transact(ctx, func(t tx) error {
		res := t.db.WithContext(ctx).Model(&transferRow{}).
			Where("received_at < ? AND (memo IS NOT NULL OR payer IS NOT NULL)", before.UTC()).
			Updates(map[string]any{"memo": nil, "payer": nil})
		n = res.RowsAffected
		return translate(res.Error, "clear transfer memos")
	})
	return n, err
}
