package gormstore

import (
	"errors"
	"fmt"
	"strings"

	gosqlite "github.com/glebarez/go-sqlite"
	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/sapqr/sapqr/merchants"
)

// constraintMessages says in words which rule a unique index enforces.
var constraintMessages = map[string]string{
	"vendors_one_active_per_stall": "the stall already has an active vendor",
	"bank_accounts_one_active":     "the bank account is active on another vendor",
	"bank_accounts_one_primary":    "the vendor already has a primary account",
	"stalls_code_per_market":       "the market already has a stall with this code",
	"markets_code_per_commune":     "the commune already has a market with this code",
	"users_username":               "the username is taken",
}

// sqliteConstraints maps SQLite's "UNIQUE constraint failed: t.c, …"
// column lists to the index names PostgreSQL reports.
var sqliteConstraints = map[string]string{
	"vendors.stall_id": "vendors_one_active_per_stall",
	"bank_accounts.bin, bank_accounts.account_number": "bank_accounts_one_active",
	"bank_accounts.vendor_id":                         "bank_accounts_one_primary",
	"stalls.market_id, stalls.code":                   "stalls_code_per_market",
	"markets.commune_code, markets.code":              "markets_code_per_commune",
	"users.username":                                  "users_username",
}

// translate turns a database error into the domain's: a missing row wraps
// merchants.ErrNotFound, a unique violation merchants.ErrConflict (saying
// which rule), a foreign key violation merchants.ErrNotFound (the row
// referred to is missing). what names the operation.
func translate(err error, what string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return fmt.Errorf("%s: %w", what, merchants.ErrNotFound)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23505":
			return fmt.Errorf("%s: %w: %s", what, merchants.ErrConflict, constraintText(pgErr.ConstraintName))
		case "23503":
			return fmt.Errorf("%s: %w: %s", what, merchants.ErrNotFound, pgErr.Detail)
		}
	}
	var sqErr *gosqlite.Error
	if errors.As(err, &sqErr) {
		switch sqErr.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			msg := sqErr.Error()
			name := ""
			if i := strings.Index(msg, "constraint failed: "); i >= 0 {
				cols := strings.TrimSpace(msg[i+len("constraint failed: "):])
				if j := strings.IndexByte(cols, '('); j >= 0 {
					cols = strings.TrimSpace(cols[:j])
				}
				name = sqliteConstraints[cols]
			}
			return fmt.Errorf("%s: %w: %s", what, merchants.ErrConflict, constraintText(name))
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return fmt.Errorf("%s: %w: a row it refers to does not exist", what, merchants.ErrNotFound)
		}
	}
	return fmt.Errorf("%s: %w", what, err)
}

func constraintText(name string) string {
	if m, ok := constraintMessages[name]; ok {
		return m
	}
	if name == "" {
		return "a uniqueness rule refused the change"
	}
	return "unique constraint " + name
}
