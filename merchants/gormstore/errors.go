package gormstore

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	gosqlite "github.com/glebarez/go-sqlite"
	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/sapqr/sapqr/merchants"
)

// constraintConflict says which rule a unique index enforces, in words.
func constraintConflict(name string) *merchants.ConflictError {
	rule, detail := merchants.RuleUnique, "unique constraint "+name
	switch name {
	case "vendor_stalls_one_active":
		rule, detail = merchants.RuleStallTaken, "the stall already has an active vendor"
	case "bank_accounts_one_active":
		rule, detail = merchants.RuleAccountTaken, "the bank account is active on another vendor"
	case "bank_accounts_one_primary":
		rule, detail = merchants.RulePrimaryAccount, "the vendor already has a primary account"
	case "stalls_code_per_market":
		rule, detail = merchants.RuleStallCodeTaken, "the market already has a stall with this code"
	case "markets_code_per_commune":
		rule, detail = merchants.RuleMarketCodeTaken, "the commune already has a market with this code"
	case "users_username":
		rule, detail = merchants.RuleUsernameTaken, "the username is taken"
	case "vendors_request_key":
		rule, detail = merchants.RuleRequestKey, "the user already registered a vendor with this request key"
	case "":
		detail = "a uniqueness rule refused the change"
	}
	return &merchants.ConflictError{Rule: rule, Detail: detail}
}

// sqliteConstraint maps SQLite's "UNIQUE constraint failed: t.c, …"
// column list to the index name PostgreSQL reports.
func sqliteConstraint(cols string) string {
	switch cols {
	case "vendor_stalls.stall_id":
		return "vendor_stalls_one_active"
	case "bank_accounts.bin, bank_accounts.account_number":
		return "bank_accounts_one_active"
	case "bank_accounts.vendor_id":
		return "bank_accounts_one_primary"
	case "stalls.market_id, stalls.code":
		return "stalls_code_per_market"
	case "markets.commune_code, markets.code":
		return "markets_code_per_commune"
	case "users.username":
		return "users_username"
	case "vendors.registered_by, vendors.request_key":
		return "vendors_request_key"
	}
	return ""
}

// translate turns a database error into the domain's: a missing row wraps
// merchants.ErrNotFound, a unique violation a *merchants.ConflictError
// (saying which rule), a foreign key violation merchants.ErrNotFound (the row
// referred to is missing), a database that cannot serve right now (see
// unavailable) merchants.ErrUnavailable. what names the operation.
func translate(err error, what string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return fmt.Errorf("%s: %w", what, merchants.ErrNotFound)
	}
	if unavailable(err) {
		return fmt.Errorf("%s: %w: %w", what, merchants.ErrUnavailable, err)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23505":
			return fmt.Errorf("%s: %w", what, constraintConflict(pgErr.ConstraintName))
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
			if i := strings.LastIndex(msg, "constraint failed: "); i >= 0 {
				cols := strings.TrimSpace(msg[i+len("constraint failed: "):])
				if j := strings.IndexByte(cols, '('); j >= 0 {
					cols = strings.TrimSpace(cols[:j])
				}
				name = sqliteConstraint(cols)
			}
			return fmt.Errorf("%s: %w", what, constraintConflict(name))
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return fmt.Errorf("%s: %w: a row it refers to does not exist", what, merchants.ErrNotFound)
		}
	}
	return fmt.Errorf("%s: %w", what, err)
}

// unavailable reports whether err says the database cannot serve right
// now, though the statement was fine, as while PostgreSQL restarts (also
// once it answers pings again, until the pool has replaced its dead
// connections): a connection exception (SQLSTATE class 08), the server
// shutting down, crashed or starting up (57P01, 57P02, 57P03), out of
// connections (53300), a connection the driver already closed, refused,
// reset or cut short (EOF), a network error, or this process's pool
// closed as it shuts down (database/sql's "sql: database is closed", an
// unexported error matched by its text): a request still running then
// should be retried elsewhere.
func unavailable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		c := pgErr.Code
		return strings.HasPrefix(c, "08") || c == "57P01" || c == "57P02" || c == "57P03" || c == "53300"
	}
	var ne net.Error
	return errors.Is(err, pgconn.ErrConnClosed) || pgconn.SafeToRetry(err) || pgconn.Timeout(err) ||
		errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.As(err, &ne) || strings.Contains(err.Error(), "sql: database is closed")
}
