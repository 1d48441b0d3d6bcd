package gormstore

import "github.com/sapqr/sapqr/merchants"

// UnitMigration returns the file name and text of the generated migration
// of the i-th edition, for the external tests.
func UnitMigration(i int, u *merchants.Units) (name, sql string) {
	return unitMigrationName(i, u.Effective()), unitMigrationSQL(u)
}
