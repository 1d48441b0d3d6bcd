package gormstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/sapqr/sapqr/merchants"
)

// The admin_units table holds the editions of merchants.Units so that SQL
// (reports, joins, checks) can name provinces and communes. Each edition
// has a generated migration, 0071 for the first, that upserts every unit
// of the edition and retires the units it no longer lists; the migration
// runner applies it once, under its lock, like any other. Adding an
// edition is a data change: add its CSV to merchants/units and run
//
//	go test ./merchants/gormstore -run TestUnitMigrations -update
//
// which writes the new migration; the test fails while a migration and
// its edition differ.

// firstUnitMigration is the number of the first edition's migration.
const firstUnitMigration = 71

// unitMigrationName returns the file name of the migration of the i-th
// edition (from 0), effective on date.
func unitMigrationName(i int, date time.Time) string {
	return fmt.Sprintf("%04d_units_%s.sql", firstUnitMigration+i, strings.ReplaceAll(date.Format("2006-01-02"), "-", "_"))
}

// unitInsertBatch is how many units one INSERT statement of a generated
// migration holds.
const unitInsertBatch = 500

// unitMigrationSQL returns the migration that brings admin_units to edition u.
func unitMigrationSQL(u *merchants.Units) string {
	edition := u.Effective().Format("2006-01-02")
	type row struct{ code, level, typ, name, folded, province string }
	var rows []row
	for _, p := range u.Provinces() {
		rows = append(rows, row{p.Code, "province", string(p.Type), p.Name, merchants.Fold(p.FullName()), ""})
	}
	for _, c := range u.AllCommunes() {
		rows = append(rows, row{c.Code, "commune", string(c.Type), c.Name, merchants.Fold(c.FullName()), c.ProvinceCode})
	}
	var b strings.Builder
	fmt.Fprintf(&b, "-- Generated from %s by units.go: do not edit.\n", u.Source())
	fmt.Fprintf(&b, "-- Edition in force from %s: %d provinces, %d commune-level units.\n", edition, len(u.Provinces()), len(u.AllCommunes()))
	for start := 0; start < len(rows); start += unitInsertBatch {
		b.WriteString("\nINSERT INTO admin_units (code, level, type, name, name_folded, province_code, edition, in_force) VALUES\n")
		end := min(start+unitInsertBatch, len(rows))
		for i, r := range rows[start:end] {
			fmt.Fprintf(&b, "(%s, %s, %s, %s, %s, %s, %s, TRUE)", sqlString(r.code), sqlString(r.level), sqlString(r.typ),
				sqlString(r.name), sqlString(r.folded), sqlString(r.province), sqlString(edition))
			if i < end-start-1 {
				b.WriteString(",\n")
			}
		}
		b.WriteString("\nON CONFLICT (code) DO UPDATE SET level = excluded.level, type = excluded.type, name = excluded.name,\n" +
			"\tname_folded = excluded.name_folded, province_code = excluded.province_code, edition = excluded.edition, in_force = TRUE;\n")
	}
	fmt.Fprintf(&b, "\nUPDATE admin_units SET in_force = FALSE WHERE edition <> %s;\n", sqlString(edition))
	return b.String()
}

// sqlString quotes s as an SQL string literal. Unit names hold no ';'
// (which would split a migration statement); the test checks it.
func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// UnitCounts returns how many provinces and commune-level units
// admin_units holds in force.
func (s *Store) UnitCounts(ctx context.Context) (provinces, communes int, err error) {
	var rows []struct {
		Level string
		N     int
	}
	err = s.with(ctx).Raw(`SELECT level, COUNT(*) AS n FROM admin_units WHERE in_force GROUP BY level`).Scan(&rows).Error
	if err != nil {
		return 0, 0, fmt.Errorf("unit counts: %w", err)
	}
	for _, r := range rows {
		switch r.Level {
		case "province":
			provinces = r.N
		case "commune":
			communes = r.N
		}
	}
	return provinces, communes, nil
}
