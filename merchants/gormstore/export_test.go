package gormstore

import (
	"context"

	"github.com/sapqr/sapqr/merchants"
)

// UnitMigration returns the file name and text of the generated migration
// of the i-th edition, for the external tests.
func UnitMigration(i int, u *merchants.Units) (name, sql string) {
	return unitMigrationName(i, u.Effective()), unitMigrationSQL(u)
}

// MigrateTo applies the migrations up to version, for the external tests
// of a migration on the schema before it.
func (s *Store) MigrateTo(ctx context.Context, version int) ([]Migration, error) {
	return s.migrate(ctx, version)
}

// ExecSQL runs raw SQL on the store's database, for the external tests
// that write rows as they were before a migration.
func (s *Store) ExecSQL(ctx context.Context, query string) error {
	_, err := s.sqlDB.ExecContext(ctx, query)
	return err
}
