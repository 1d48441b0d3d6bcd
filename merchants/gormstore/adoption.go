package gormstore

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/sapqr/sapqr/merchants"
)

var _ merchants.AdoptionStore = (*Store)(nil)

// dayLayout is how adoption tables store a calendar day.
const dayLayout = time.DateOnly

// snapshotBatch is how many snapshot rows one INSERT carries: 12 columns
// each stay well under SQLite's 32,766 bound parameters.
const snapshotBatch = 1000

// Cho40Thresholds returns the thresholds provinces have set (see
// merchants.AdoptionStore). It returns database errors.
func (q q) Cho40Thresholds(ctx context.Context) (map[string]float64, error) {
	var rows []struct {
		ProvinceCode string
		Threshold    float64
	}
	if err := q.with(ctx).Raw("SELECT province_code, threshold FROM adoption_thresholds").Scan(&rows).Error; err != nil {
		return nil, translate(err, "read chợ 4.0 thresholds")
	}
	out := make(map[string]float64, len(rows))
	for _, r := range rows {
		out[r.ProvinceCode] = r.Threshold
	}
	return out, nil
}

// SetCho40Threshold sets a province's threshold. It returns database
// errors (a threshold outside (0, 1] breaks a CHECK constraint).
func (q q) SetCho40Threshold(ctx context.Context, provinceCode string, threshold float64) error {
	err := q.with(ctx).Exec(`INSERT INTO adoption_thresholds (province_code, threshold, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (province_code) DO UPDATE SET threshold = excluded.threshold, updated_at = excluded.updated_at`,
		provinceCode, threshold, time.Now().UTC()).Error
	return translate(err, "set chợ 4.0 threshold")
}

// AdoptionTargets returns the targets of the filter's commune, of the
// filter's province and its communes, or every target, by unit and due
// date. It returns database errors.
func (q q) AdoptionTargets(ctx context.Context, f merchants.UnitFilter) ([]merchants.AdoptionTarget, error) {
	query := "SELECT province_code, commune_code, due, cho40_share FROM adoption_targets"
	var args []any
	switch {
	case f.CommuneCode != "":
		query += " WHERE commune_code = ?"
		args = append(args, f.CommuneCode)
	case f.ProvinceCode != "":
		query += " WHERE province_code = ?"
		args = append(args, f.ProvinceCode)
	}
	var rows []struct {
		ProvinceCode string
		CommuneCode  string
		Due          string
		Cho40Share   float64 `gorm:"column:cho40_share"`
	}
	if err := q.with(ctx).Raw(query+" ORDER BY province_code, commune_code, due", args...).Scan(&rows).Error; err != nil {
		return nil, translate(err, "read adoption targets")
	}
	out := make([]merchants.AdoptionTarget, len(rows))
	for i, r := range rows {
		due, err := time.Parse(dayLayout, r.Due)
		if err != nil {
			return nil, fmt.Errorf("read adoption targets: due %q of %s/%s: %w", r.Due, r.ProvinceCode, r.CommuneCode, err)
		}
		out[i] = merchants.AdoptionTarget{ProvinceCode: r.ProvinceCode, CommuneCode: r.CommuneCode, Cho40Share: r.Cho40Share, Due: due}
	}
	return out, nil
}

// SetAdoptionTarget creates or replaces the target of a unit and due date.
// It returns database errors.
func (q q) SetAdoptionTarget(ctx context.Context, t merchants.AdoptionTarget) error {
	err := q.with(ctx).Exec(`INSERT INTO adoption_targets (province_code, commune_code, due, cho40_share, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (province_code, commune_code, due) DO UPDATE SET cho40_share = excluded.cho40_share, updated_at = excluded.updated_at`,
		t.ProvinceCode, t.CommuneCode, t.Due.Format(dayLayout), t.Cho40Share, time.Now().UTC()).Error
	return translate(err, "set adoption target")
}

// DeleteAdoptionTarget removes the target of a unit and due date. It
// returns an error wrapping merchants.ErrNotFound when there is none, and
// database errors.
func (q q) DeleteAdoptionTarget(ctx context.Context, t merchants.AdoptionTarget) error {
	res := q.with(ctx).Exec("DELETE FROM adoption_targets WHERE province_code = ? AND commune_code = ? AND due = ?",
		t.ProvinceCode, t.CommuneCode, t.Due.Format(dayLayout))
	if res.Error != nil {
		return translate(res.Error, "delete adoption target")
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("delete adoption target: %w", merchants.ErrNotFound)
	}
	return nil
}

// SaveAdoptionSnapshot stores the counts of markets for day, replacing what
// the same day held for those markets, in one transaction. It returns
// database errors.
func (s *Store) SaveAdoptionSnapshot(ctx context.Context, day time.Time, counts []merchants.MarketCounts) error {
	d := day.Format(dayLayout)
	return s.transact(ctx, func(t tx) error {
		for chunk := range slices.Chunk(counts, snapshotBatch) {
			query := `INSERT INTO adoption_snapshots (market_id, day, commune_code, province_code, version,
				stalls_declared, stalls_active, stalls_with_qr, vendors, vendors_with_qr, signs_printed, vendors_transacting) VALUES `
			args := make([]any, 0, 12*len(chunk))
			for i, c := range chunk {
				if i > 0 {
					query += ", "
				}
				query += "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
				args = append(args, c.MarketID, d, c.CommuneCode, c.ProvinceCode, c.Version, c.StallsDeclared, c.StallsActive,
					c.StallsWithQR, c.Vendors, c.VendorsWithQR, c.SignsPrinted, c.VendorsTransacting)
			}
			query += ` ON CONFLICT (market_id, day) DO UPDATE SET commune_code = excluded.commune_code,
				province_code = excluded.province_code, version = excluded.version,
				stalls_declared = excluded.stalls_declared, stalls_active = excluded.stalls_active,
				stalls_with_qr = excluded.stalls_with_qr, vendors = excluded.vendors,
				vendors_with_qr = excluded.vendors_with_qr, signs_printed = excluded.signs_printed,
				vendors_transacting = excluded.vendors_transacting`
			if err := t.db.WithContext(ctx).Exec(query, args...).Error; err != nil {
				return translate(err, "save adoption snapshot")
			}
		}
		return nil
	})
}

// AdoptionSnapshotAt returns, for each of the filter's markets, its counts
// in the newest snapshot on or before day, by market ID. It returns
// database errors.
func (s *Store) AdoptionSnapshotAt(ctx context.Context, f merchants.UnitFilter, day time.Time) ([]merchants.MarketCounts, error) {
	where, args := unitWhere(f, "market_id", "")
	cond := " WHERE day <= ?"
	if where != "" {
		cond = where + " AND day <= ?"
	}
	args = append(args, day.Format(dayLayout))
	query := `SELECT s.market_id, s.commune_code, s.province_code, s.version, s.stalls_declared, s.stalls_active,
			s.stalls_with_qr, s.vendors, s.vendors_with_qr, s.signs_printed, s.vendors_transacting
		FROM adoption_snapshots s
		JOIN (SELECT market_id, MAX(day) AS day FROM adoption_snapshots` + cond + ` GROUP BY market_id) latest
			ON latest.market_id = s.market_id AND latest.day = s.day
		ORDER BY s.market_id`
	var rows []countsRow
	if err := s.with(ctx).Raw(query, args...).Scan(&rows).Error; err != nil {
		return nil, translate(err, "read adoption snapshot")
	}
	out := make([]merchants.MarketCounts, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out, nil
}

// AdoptionSeries returns the sums of the filter's markets for every
// snapshot day from from to to inclusive, oldest first. It returns
// database errors.
func (s *Store) AdoptionSeries(ctx context.Context, f merchants.UnitFilter, from, to time.Time) ([]merchants.AdoptionPoint, error) {
	where, args := unitWhere(f, "market_id", "")
	cond := " WHERE day BETWEEN ? AND ?"
	if where != "" {
		cond = where + " AND day BETWEEN ? AND ?"
	}
	args = append(args, from.Format(dayLayout), to.Format(dayLayout))
	query := `SELECT day, COUNT(*) AS markets, SUM(stalls_declared) AS stalls_declared, SUM(stalls_active) AS stalls_active,
			SUM(stalls_with_qr) AS stalls_with_qr, SUM(vendors) AS vendors, SUM(vendors_with_qr) AS vendors_with_qr,
			SUM(signs_printed) AS signs_printed, SUM(vendors_transacting) AS vendors_transacting
		FROM adoption_snapshots` + cond + ` GROUP BY day ORDER BY day`
	var rows []struct {
		Day                string
		Markets            int64
		StallsDeclared     int64
		StallsActive       int64
		StallsWithQR       int64 `gorm:"column:stalls_with_qr"`
		Vendors            int64
		VendorsWithQR      int64 `gorm:"column:vendors_with_qr"`
		SignsPrinted       int64
		VendorsTransacting int64
	}
	if err := s.with(ctx).Raw(query, args...).Scan(&rows).Error; err != nil {
		return nil, translate(err, "read adoption series")
	}
	out := make([]merchants.AdoptionPoint, len(rows))
	for i, r := range rows {
		d, err := time.Parse(dayLayout, r.Day)
		if err != nil {
			return nil, fmt.Errorf("read adoption series: day %q: %w", r.Day, err)
		}
		out[i] = merchants.AdoptionPoint{Day: d, CountSums: merchants.CountSums{
			Markets: r.Markets, StallsDeclared: r.StallsDeclared, StallsActive: r.StallsActive, StallsWithQR: r.StallsWithQR,
			Vendors: r.Vendors, VendorsWithQR: r.VendorsWithQR, SignsPrinted: r.SignsPrinted, VendorsTransacting: r.VendorsTransacting,
		}}
	}
	return out, nil
}

// MemberAdoption returns, per user who registered active vendors in the
// filter's markets, the counts of those vendors, with the meanings of
// DESIGN.md "Adoption fields". It returns database errors.
func (s *Store) MemberAdoption(ctx context.Context, f merchants.UnitFilter) ([]merchants.MemberAdoption, error) {
	where, args := unitWhere(f, "market_id", "v.")
	cond := " WHERE v.status = 'active'"
	if where != "" {
		cond = where + " AND v.status = 'active'"
	}
	query := `SELECT v.registered_by AS user_id, COALESCE(MAX(u.username), '') AS username, COUNT(*) AS vendors,
			SUM(CASE WHEN EXISTS (SELECT 1 FROM bank_accounts b WHERE b.vendor_id = v.id AND b.active) THEN 1 ELSE 0 END) AS vendors_with_qr,
			SUM(CASE WHEN v.sign_printed_version > 0 AND v.sign_printed_version = v.sign_version THEN 1 ELSE 0 END) AS signs_printed,
			SUM(CASE WHEN v.transacting_at IS NOT NULL THEN 1 ELSE 0 END) AS vendors_transacting
		FROM vendors v LEFT JOIN users u ON u.id = v.registered_by` + cond + `
		GROUP BY v.registered_by ORDER BY v.registered_by`
	var rows []struct {
		UserID             int64
		Username           string
		Vendors            int64
		VendorsWithQR      int64 `gorm:"column:vendors_with_qr"`
		SignsPrinted       int64
		VendorsTransacting int64
	}
	if err := s.with(ctx).Raw(query, args...).Scan(&rows).Error; err != nil {
		return nil, translate(err, "count vendors per team member")
	}
	out := make([]merchants.MemberAdoption, len(rows))
	for i, r := range rows {
		out[i] = merchants.MemberAdoption{UserID: r.UserID, Username: r.Username, Vendors: r.Vendors,
			VendorsWithQR: r.VendorsWithQR, SignsPrinted: r.SignsPrinted, VendorsTransacting: r.VendorsTransacting}
	}
	return out, nil
}

// MarketNames returns the names of the filter's markets by ID. It returns
// database errors.
func (s *Store) MarketNames(ctx context.Context, f merchants.UnitFilter) (map[int64]string, error) {
	where, args := unitWhere(f, "id", "")
	var rows []struct {
		ID   int64
		Name string
	}
	if err := s.with(ctx).Raw("SELECT id, name FROM markets"+where, args...).Scan(&rows).Error; err != nil {
		return nil, translate(err, "read market names")
	}
	out := make(map[int64]string, len(rows))
	for _, r := range rows {
		out[r.ID] = r.Name
	}
	return out, nil
}
