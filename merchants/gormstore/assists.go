package gormstore

import (
	"context"
	"time"

	"gorm.io/gorm/clause"

	"github.com/sapqr/sapqr/merchants"
)

// vendorAssistRow is one kind of help a vendor got from the team.
type vendorAssistRow struct {
	VendorID     int64  `gorm:"primaryKey;autoIncrement:false"`
	Kind         string `gorm:"primaryKey"`
	MarketID     int64
	CommuneCode  string
	ProvinceCode string
	ByUser       int64
	At           time.Time
}

func (vendorAssistRow) TableName() string { return "vendor_assists" }

// AddVendorAssists records what the team helped vendors with; a kind a
// vendor already has keeps its first record. It returns database errors.
func (t tx) AddVendorAssists(ctx context.Context, rows []merchants.VendorAssist) error {
	if len(rows) == 0 {
		return nil
	}
	rs := make([]vendorAssistRow, len(rows))
	for i, r := range rows {
		rs[i] = vendorAssistRow{VendorID: r.VendorID, Kind: string(r.Kind), MarketID: r.MarketID, CommuneCode: r.CommuneCode,
			ProvinceCode: r.ProvinceCode, ByUser: r.By, At: r.At.UTC()}
	}
	if err := t.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&rs).Error; err != nil {
		return translate(err, "record vendor assists")
	}
	return nil
}

// AssistCounts returns, per market of the filter with any, how many
// vendors the team helped with each assist from from (included) to to
// (excluded), ordered by market ID. It returns database errors.
func (q q) AssistCounts(ctx context.Context, f merchants.UnitFilter, from, to time.Time) ([]merchants.AssistCount, error) {
	where, args := unitWhere(f, "market_id", "")
	cond := " WHERE at >= ? AND at < ?"
	if where != "" {
		cond = where + " AND at >= ? AND at < ?"
	}
	args = append(args, from.UTC(), to.UTC())
	query := `SELECT market_id, MAX(commune_code) AS commune_code,
			SUM(CASE WHEN kind = 'account_opened' THEN 1 ELSE 0 END) AS accounts_opened,
			SUM(CASE WHEN kind = 'app_installed' THEN 1 ELSE 0 END) AS apps_installed,
			SUM(CASE WHEN kind = 'sim_registered' THEN 1 ELSE 0 END) AS sims_registered
		FROM vendor_assists` + cond + ` GROUP BY market_id ORDER BY market_id`
	var rows []struct {
		MarketID       int64
		CommuneCode    string
		AccountsOpened int64
		AppsInstalled  int64
		SimsRegistered int64
	}
	if err := q.with(ctx).Raw(query, args...).Scan(&rows).Error; err != nil {
		return nil, translate(err, "count vendor assists")
	}
	out := make([]merchants.AssistCount, len(rows))
	for i, r := range rows {
		out[i] = merchants.AssistCount{MarketID: r.MarketID, CommuneCode: r.CommuneCode, AccountsOpened: r.AccountsOpened,
			AppsInstalled: r.AppsInstalled, SIMsRegistered: r.SimsRegistered}
	}
	return out, nil
}
