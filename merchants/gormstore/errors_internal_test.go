package gormstore

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"

	"github.com/sapqr/sapqr/merchants"
)

// TestTranslateUnavailable: the errors of a database that cannot serve
// right now (PostgreSQL shutting down, crashed, starting up, out of
// connections, a connection refused, reset, closed or cut short) wrap
// merchants.ErrUnavailable however deeply the driver wrapped them; the
// errors of a bad statement or a refused change do not.
func TestTranslateUnavailable(t *testing.T) {
	pg := func(code, msg string) error { return &pgconn.PgError{Severity: "FATAL", Code: code, Message: msg} }
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	tests := []struct {
		name string
		err  error
		want error // the domain error translate's answer wraps
	}{
		{"admin shutdown (57P01)", pg("57P01", "terminating connection due to administrator command"), merchants.ErrUnavailable},
		{"crash shutdown (57P02)", pg("57P02", "terminating connection because of crash of another server process"), merchants.ErrUnavailable},
		{"cannot connect now (57P03), while connecting", fmt.Errorf("failed to connect to `user=postgres database=test`: 127.0.0.1:5432: server error: %w",
			pg("57P03", "the database system is starting up")), merchants.ErrUnavailable},
		{"connection failure (08006)", pg("08006", "connection failure"), merchants.ErrUnavailable},
		{"unable to connect (08001)", pg("08001", "sqlclient unable to establish sqlconnection"), merchants.ErrUnavailable},
		{"connection does not exist (08003)", pg("08003", "connection does not exist"), merchants.ErrUnavailable},
		{"too many connections (53300)", pg("53300", "sorry, too many clients already"), merchants.ErrUnavailable},
		{"connection refused", fmt.Errorf("failed to connect: %w", dial), merchants.ErrUnavailable},
		{"connection reset", fmt.Errorf("read: %w", syscall.ECONNRESET), merchants.ErrUnavailable},
		{"broken pipe", fmt.Errorf("write: %w", syscall.EPIPE), merchants.ErrUnavailable},
		{"conn closed", fmt.Errorf("query: %w", pgconn.ErrConnClosed), merchants.ErrUnavailable},
		{"EOF", fmt.Errorf("receive message failed: %w", io.EOF), merchants.ErrUnavailable},
		{"unexpected EOF", fmt.Errorf("receive message failed: %w", io.ErrUnexpectedEOF), merchants.ErrUnavailable},
		{"bad driver connection", driver.ErrBadConn, merchants.ErrUnavailable},
		{"pool closed at shutdown", fmt.Errorf("session: %w", errors.New("sql: database is closed")), merchants.ErrUnavailable},
		{"unique violation", &pgconn.PgError{Code: "23505", ConstraintName: "vendor_stalls_one_active"}, merchants.ErrConflict},
		{"foreign key violation", &pgconn.PgError{Code: "23503"}, merchants.ErrNotFound},
		{"no row", gorm.ErrRecordNotFound, merchants.ErrNotFound},
		{"undefined table is a bug", pg("42P01", "relation \"x\" does not exist"), nil},
		{"division by zero is a bug", pg("22012", "division by zero"), nil},
		{"any other error", errors.New("boom"), nil},
	}
	domain := []error{merchants.ErrUnavailable, merchants.ErrConflict, merchants.ErrNotFound}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := translate(tt.err, "read vendor 1")
			for _, d := range domain {
				if errors.Is(got, d) != (d == tt.want) {
					t.Errorf("translate(%v) = %v: wraps %v is %v, want %v", tt.err, got, d, errors.Is(got, d), d == tt.want)
				}
			}
			if !errors.Is(got, tt.err) && tt.want == merchants.ErrUnavailable {
				t.Errorf("translate(%v) = %v: lost the driver's error", tt.err, got)
			}
		})
	}
}
