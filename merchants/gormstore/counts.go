package gormstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/sapqr/sapqr/merchants"
)

// recountSQL computes markets' counts from the base tables, as DESIGN.md
// defines them, in one statement (so in one snapshot), with the counter
// version stored beside them. Every sub-count is an index range scan of
// one market (vendors_by_market, stalls_by_market_status,
// vendor_stalls_by_market, bank_accounts_by_vendor), so a market costs
// about its own row count. An active stall assignment always belongs to an
// active vendor: deactivating a vendor releases its stalls.
const recountSQL = `
SELECT m.id AS market_id, m.commune_code, m.province_code, m.counter_version AS version,
	m.stalls_declared,
	(SELECT COUNT(*) FROM stalls s WHERE s.market_id = m.id AND s.status = 'active') AS stalls_active,
	(SELECT COUNT(*) FROM vendor_stalls a JOIN stalls s ON s.id = a.stall_id
		WHERE a.market_id = m.id AND a.active AND s.status = 'active'
		AND EXISTS (SELECT 1 FROM bank_accounts b WHERE b.vendor_id = a.vendor_id AND b.active)) AS stalls_with_qr,
	(SELECT COUNT(*) FROM vendors v WHERE v.market_id = m.id AND v.status = 'active') AS vendors,
	(SELECT COUNT(*) FROM vendors v WHERE v.market_id = m.id AND v.status = 'active'
		AND EXISTS (SELECT 1 FROM bank_accounts b WHERE b.vendor_id = v.id AND b.active)) AS vendors_with_qr,
	(SELECT COUNT(*) FROM vendors v WHERE v.market_id = m.id AND v.status = 'active'
		AND v.sign_printed_version > 0 AND v.sign_printed_version = v.sign_version) AS signs_printed,
	(SELECT COUNT(*) FROM vendors v WHERE v.market_id = m.id AND v.status = 'active'
		AND v.transacting_at IS NOT NULL) AS vendors_transacting
FROM markets m`

type countsRow struct {
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
}

func (r countsRow) toDomain() merchants.MarketCounts {
	return merchants.MarketCounts{
		MarketID: r.MarketID, CommuneCode: r.CommuneCode, ProvinceCode: r.ProvinceCode, Version: r.Version,
		StallsDeclared: r.StallsDeclared, StallsActive: r.StallsActive, StallsWithQR: r.StallsWithQR,
		Vendors: r.Vendors, VendorsWithQR: r.VendorsWithQR, SignsPrinted: r.SignsPrinted, VendorsTransacting: r.VendorsTransacting,
	}
}

// unitWhere returns the WHERE clause selecting f's rows of a table with
// market_id, commune_code and province_code columns (alias prefix p).
func unitWhere(f merchants.UnitFilter, idCol, p string) (string, []any) {
	var conds []string
	var args []any
	switch {
	case f.CommuneCode != "":
		conds, args = append(conds, p+"commune_code = ?"), append(args, f.CommuneCode)
	case f.ProvinceCode != "":
		conds, args = append(conds, p+"province_code = ?"), append(args, f.ProvinceCode)
	}
	if f.MarketIDs != nil {
		if len(f.MarketIDs) == 0 {
			conds = append(conds, "1 = 0")
		} else {
			conds, args = append(conds, p+idCol+" IN ?"), append(args, f.MarketIDs)
		}
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

func (q q) recount(ctx context.Context, f merchants.UnitFilter) ([]merchants.MarketCounts, error) {
	where, args := unitWhere(f, "id", "m.")
	var rows []countsRow
	if err := q.with(ctx).Raw(recountSQL+where+" ORDER BY m.id", args...).Scan(&rows).Error; err != nil {
		return nil, translate(err, "recount markets")
	}
	out := make([]merchants.MarketCounts, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out, nil
}

// RecountMarkets computes the filtered markets' counts from the base
// tables with their current versions, in one statement and so one
// consistent snapshot.
func (s *Store) RecountMarkets(ctx context.Context, f merchants.UnitFilter) ([]merchants.MarketCounts, error) {
	return s.recount(ctx, f)
}

// eventColumns are the counter_events columns an emit writes and returns,
// created_at aside.
const eventColumns = `market_id, commune_code, province_code, version, stalls_declared, stalls_active, stalls_with_qr,
	vendors, vendors_with_qr, signs_printed, vendors_transacting`

// keptColumns are the counts kept with each market (migration 0002), as
// of its last emit.
const keptColumns = `counts_version = c.version, stalls_active = c.stalls_active, stalls_with_qr = c.stalls_with_qr, vendors = c.vendors,
	vendors_with_qr = c.vendors_with_qr, signs_printed = c.signs_printed, vendors_transacting = c.vendors_transacting`

// EmitMarketCounts locks the market, recounts it, bumps its counter
// version, keeps the counts with the market and writes them to the outbox
// (see merchants.Tx).
func (t tx) EmitMarketCounts(ctx context.Context, marketID int64) (merchants.MarketCounts, error) {
	// The UPDATE takes the market's row lock (on SQLite the transaction
	// holds the write lock already) before the recount's statement begins,
	// so under READ COMMITTED the recount sees every change committed
	// before it, and versions and counts are written in the order of
	// commits.
	res := t.db.WithContext(ctx).Exec("UPDATE markets SET counter_version = counter_version + 1 WHERE id = ?", marketID)
	if res.Error != nil {
		return merchants.MarketCounts{}, translate(res.Error, "bump counter version")
	}
	if res.RowsAffected == 0 {
		return merchants.MarketCounts{}, translate(gorm.ErrRecordNotFound, fmt.Sprintf("market %d", marketID))
	}
	now := time.Now().UTC()
	var rows []countsRow
	if t.dialect == Postgres {
		// Recount, keep and write the outbox row in one round trip.
		err := t.db.WithContext(ctx).Raw(`WITH c AS (`+recountSQL+` WHERE m.id = ?),
			kept AS (UPDATE markets SET `+keptColumns+` FROM c WHERE markets.id = c.market_id)
			INSERT INTO counter_events (`+eventColumns+`, created_at) SELECT `+eventColumns+`, ? FROM c
			RETURNING `+eventColumns, marketID, now).Scan(&rows).Error
		if err != nil {
			return merchants.MarketCounts{}, translate(err, "write counter event")
		}
	} else {
		// SQLite has no UPDATE in a WITH clause; in process, three
		// statements cost no round trip.
		err := t.db.WithContext(ctx).Raw(`INSERT INTO counter_events (`+eventColumns+`, created_at)
			SELECT `+eventColumns+`, ? FROM (`+recountSQL+` WHERE m.id = ?) AS c
			RETURNING `+eventColumns, now, marketID).Scan(&rows).Error
		if err != nil {
			return merchants.MarketCounts{}, translate(err, "write counter event")
		}
		if len(rows) == 1 {
			c := rows[0]
			err := t.db.WithContext(ctx).Exec(`UPDATE markets SET counts_version = ?, stalls_active = ?, stalls_with_qr = ?,
				vendors = ?, vendors_with_qr = ?, signs_printed = ?, vendors_transacting = ? WHERE id = ?`,
				c.Version, c.StallsActive, c.StallsWithQR, c.Vendors, c.VendorsWithQR, c.SignsPrinted, c.VendorsTransacting, marketID).Error
			if err != nil {
				return merchants.MarketCounts{}, translate(err, "keep market counts")
			}
		}
	}
	if len(rows) != 1 {
		return merchants.MarketCounts{}, translate(gorm.ErrRecordNotFound, fmt.Sprintf("market %d", marketID))
	}
	return rows[0].toDomain(), nil
}

// movedSQL moves the counts kept with a market by a delta, bumps its
// counter version and returns the market's counts; it changes nothing
// unless the kept counts are those of the current version (every SET
// expression reads the row as it was).
const movedSQL = `UPDATE markets SET counter_version = counter_version + 1, counts_version = counter_version + 1,
	stalls_active = stalls_active + ?, stalls_with_qr = stalls_with_qr + ?, vendors = vendors + ?,
	vendors_with_qr = vendors_with_qr + ?, signs_printed = signs_printed + ?, vendors_transacting = vendors_transacting + ?
	WHERE id = ? AND counts_version = counter_version
	RETURNING id AS market_id, commune_code, province_code, counter_version AS version, stalls_declared, stalls_active,
		stalls_with_qr, vendors, vendors_with_qr, signs_printed, vendors_transacting`

// EmitMarketDelta moves the market's kept counts by d, bumps its version
// and writes the counts to the outbox (see merchants.Tx): on PostgreSQL
// one statement that reads no base table. When the kept counts are not
// those of the market's current version (migration 0003), it recounts
// instead (EmitMarketCounts), which keeps them again.
func (t tx) EmitMarketDelta(ctx context.Context, marketID int64, d merchants.CountsDelta) (merchants.MarketCounts, error) {
	args := []any{d.StallsActive, d.StallsWithQR, d.Vendors, d.VendorsWithQR, d.SignsPrinted, d.VendorsTransacting, marketID}
	var rows []countsRow
	if t.dialect == Postgres {
		err := t.db.WithContext(ctx).Raw(`WITH c AS (`+movedSQL+`)
			INSERT INTO counter_events (`+eventColumns+`, created_at) SELECT `+eventColumns+`, ? FROM c
			RETURNING `+eventColumns, append(args, time.Now().UTC())...).Scan(&rows).Error
		if err != nil {
			return merchants.MarketCounts{}, translate(err, "write counter event")
		}
	} else {
		if err := t.db.WithContext(ctx).Raw(movedSQL, args...).Scan(&rows).Error; err != nil {
			return merchants.MarketCounts{}, translate(err, "move market counts")
		}
		if len(rows) == 1 {
			c := rows[0]
			err := t.db.WithContext(ctx).Exec(`INSERT INTO counter_events (`+eventColumns+`, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.MarketID, c.CommuneCode, c.ProvinceCode, c.Version,
				c.StallsDeclared, c.StallsActive, c.StallsWithQR, c.Vendors, c.VendorsWithQR, c.SignsPrinted,
				c.VendorsTransacting, time.Now().UTC()).Error
			if err != nil {
				return merchants.MarketCounts{}, translate(err, "write counter event")
			}
		}
	}
	if len(rows) == 0 {
		// Kept counts behind, or no such market: the recount tells which.
		return t.EmitMarketCounts(ctx, marketID)
	}
	return rows[0].toDomain(), nil
}

// PendingCounterEvents returns up to limit outbox rows, oldest first.
func (s *Store) PendingCounterEvents(ctx context.Context, limit int) ([]merchants.CounterEvent, error) {
	var rows []counterEventRow
	if err := s.with(ctx).Order("id").Limit(limitOf(limit)).Find(&rows).Error; err != nil {
		return nil, translate(err, "pending counter events")
	}
	out := make([]merchants.CounterEvent, len(rows))
	for i, r := range rows {
		out[i] = merchants.CounterEvent{ID: r.ID, Counts: merchants.MarketCounts{
			MarketID: r.MarketID, CommuneCode: r.CommuneCode, ProvinceCode: r.ProvinceCode, Version: r.Version,
			StallsDeclared: r.StallsDeclared, StallsActive: r.StallsActive, StallsWithQR: r.StallsWithQR, Vendors: r.Vendors,
			VendorsWithQR: r.VendorsWithQR, SignsPrinted: r.SignsPrinted, VendorsTransacting: r.VendorsTransacting,
		}}
	}
	return out, nil
}

// DeleteCounterEvents removes applied outbox rows; unknown IDs are ignored.
func (s *Store) DeleteCounterEvents(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	return s.transact(ctx, func(t tx) error {
		return translate(t.db.WithContext(ctx).Where("id IN ?", ids).Delete(&counterEventRow{}).Error, "delete counter events")
	})
}

// HasPendingCounterEvents reports whether an outbox row of the filter's
// markets waits to be applied.
func (s *Store) HasPendingCounterEvents(ctx context.Context, f merchants.UnitFilter) (bool, error) {
	where, args := unitWhere(f, "market_id", "")
	var n int64
	err := s.with(ctx).Raw("SELECT COUNT(*) FROM (SELECT 1 FROM counter_events"+where+" LIMIT 1) AS pending", args...).Scan(&n).Error
	if err != nil {
		return false, translate(err, "pending counter events")
	}
	return n > 0, nil
}

// PendingCounterMarkets returns the markets of the oldest limit outbox
// rows, each once per commune and province its rows name, and whether
// more rows wait (see merchants.AdoptionStore): a primary key range of at
// most limit+1 rows, however long the outbox grew.
func (s *Store) PendingCounterMarkets(ctx context.Context, limit int) ([]merchants.MarketCounts, bool, error) {
	limit = limitOf(limit)
	var rows []countsRow
	err := s.with(ctx).Raw("SELECT market_id, commune_code, province_code FROM counter_events ORDER BY id LIMIT ?", limit+1).
		Scan(&rows).Error
	if err != nil {
		return nil, false, translate(err, "pending counter markets")
	}
	more := len(rows) > limit
	var out []merchants.MarketCounts
	seen := make(map[merchants.MarketCounts]bool)
	for _, r := range rows[:min(limit, len(rows))] {
		c := merchants.MarketCounts{MarketID: r.MarketID, CommuneCode: r.CommuneCode, ProvinceCode: r.ProvinceCode}
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	return out, more, nil
}
