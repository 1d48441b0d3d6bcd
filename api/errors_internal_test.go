package api

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
)

// stateError stands for a PostgreSQL driver error with its SQLSTATE.
type stateError struct{ code, msg string }

func (e *stateError) Error() string    { return e.msg + " (SQLSTATE " + e.code + ")" }
func (e *stateError) SQLState() string { return e.code }

// TestProblemForDatabaseStates: errors of a database that is restarting
// answer 503 with Retry-After however deep they are wrapped, even when
// the database answers pings again by the time the error is handled;
// other database errors stay internal 500s.
func TestProblemForDatabaseStates(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		status int
	}{
		{"shutting down", &stateError{"57P01", "FATAL: terminating connection due to administrator command"}, http.StatusServiceUnavailable},
		{"starting up, while connecting", fmt.Errorf("adoption: pending counter markets: failed to connect: server error: %w",
			&stateError{"57P03", "FATAL: the database system is starting up"}), http.StatusServiceUnavailable},
		{"crashed", fmt.Errorf("register vendor: %w", &stateError{"57P02", "crash shutdown"}), http.StatusServiceUnavailable},
		{"connection failure", &stateError{"08006", "connection failure"}, http.StatusServiceUnavailable},
		{"too many connections", &stateError{"53300", "too many clients already"}, http.StatusServiceUnavailable},
		{"undefined table is a bug", &stateError{"42P01", "relation does not exist"}, http.StatusInternalServerError},
		{"division by zero is a bug", fmt.Errorf("report: %w", &stateError{"22012", "division by zero"}), http.StatusInternalServerError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, retryAfter, internal := problemFor(tt.err)
			if p.Status != tt.status || !internal {
				t.Fatalf("status %d (internal %v); want %d, logged as internal", p.Status, internal, tt.status)
			}
			if (tt.status == http.StatusServiceUnavailable) != (retryAfter > 0) {
				t.Errorf("Retry-After %d for status %d", retryAfter, p.Status)
			}
		})
	}
}

// TestLogErrorMasksDigitRuns: account numbers, phone numbers and payloads
// quoted by an error reach the log masked; short numbers stay readable.
func TestLogErrorMasksDigitRuns(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"account number", `payload decodes to account "0011001234567"`, `payload decodes to account "•••••••••4567"`},
		{"phone number", "vendor phone 0912345678 taken", "vendor phone ••••••5678 taken"},
		{"payload", "payload 00020101021138570010A0000007270127", "payload ••••••••••••••••0010A•••••••••0127"},
		{"ids, ports and codes stay", "vendor 123456: dial 127.0.0.1:46655 (SQLSTATE 57P03)", "vendor 123456: dial 127.0.0.1:46655 (SQLSTATE 57P03)"},
		{"seven digits are masked", "x1234567y", "x•••4567y"},
		{"no digits", "register vendor: conflict", "register vendor: conflict"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := logError(errors.New(tt.in)).Value.String(); got != tt.want {
				t.Errorf("logged %q; want %q", got, tt.want)
			}
		})
	}
}
