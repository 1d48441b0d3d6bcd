package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"

	"github.com/sapqr/sapqr/merchants"
)

// TestProblemFor: the domain's errors answer with their status and code,
// a conflict with the rule's own words; errors of a dependency that cannot
// serve right now answer 503 with Retry-After, however deep they are
// wrapped; anything else is an internal 500.
func TestProblemFor(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		status   int
		code     string
		detail   string // "" to skip
		internal bool
	}{
		{"database restarting", fmt.Errorf("register vendor: %w", fmt.Errorf("tx: %w: FATAL 57P01", merchants.ErrUnavailable)), 503, "unavailable", "", true},
		{"deadline passed", fmt.Errorf("adoption: %w", context.DeadlineExceeded), 503, "unavailable", "", true},
		{"no QR", fmt.Errorf("sign: %w", &merchants.ConflictError{Rule: merchants.RuleNoQR, Detail: "no account"}), 409, "no_qr", "no account", false},
		{"stall taken", fmt.Errorf("register: %w", &merchants.ConflictError{Rule: merchants.RuleStallTaken, Detail: "stall A-1 is taken"}), 409, "conflict", "stall A-1 is taken", false},
		{"account taken", fmt.Errorf("register: %w", &merchants.ConflictError{Rule: merchants.RuleAccountTaken, Detail: "account 4567 is taken"}), 409, "conflict", "account 4567 is taken", false},
		{"stall code taken", fmt.Errorf("stall: %w", &merchants.ConflictError{Rule: merchants.RuleStallCodeTaken, Detail: "code A-1 exists"}), 409, "conflict", "code A-1 exists", false},
		{"bare conflict", fmt.Errorf("x: %w: internal words", merchants.ErrConflict), 409, "conflict", "this conflicts with existing data (a code, stall or bank account already in use)", false},
		{"not found", fmt.Errorf("vendor 9: %w", merchants.ErrNotFound), 404, "not_found", "", false},
		{"a bug", errors.New("relation does not exist"), 500, "internal", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, retryAfter, internal := problemFor(tt.err)
			if p.Status != tt.status || p.Code != tt.code || internal != tt.internal {
				t.Fatalf("got %d %s (internal %v); want %d %s (internal %v)", p.Status, p.Code, internal, tt.status, tt.code, tt.internal)
			}
			if tt.detail != "" && p.Detail != tt.detail {
				t.Errorf("detail %q; want %q", p.Detail, tt.detail)
			}
			if (tt.status == http.StatusServiceUnavailable) != (retryAfter > 0) {
				t.Errorf("Retry-After %d for status %d", retryAfter, p.Status)
			}
		})
	}
}

// TestProblemCodesAreDocumented: the codes the API answers are exactly
// the Problem schema's enum in openapi.yaml, so every answer checked
// against the document (every test request is) has a listed code.
func TestProblemCodesAreDocumented(t *testing.T) {
	b, err := os.ReadFile("openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Components struct {
			Schemas struct {
				Problem struct {
					Properties struct {
						Code struct {
							Enum []string `json:"enum"`
						} `json:"code"`
					} `json:"properties"`
				} `json:"Problem"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(doc.Components.Schemas.Problem.Properties.Code.Enum, problemCodes); diff != "" {
		t.Errorf("openapi.yaml Problem.code enum (-) differs from problemCodes (+):\n%s", diff)
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

// TestProblemForUnavailableStore: a store error the store recognised as
// the database being unable to serve right now answers 503 with
// Retry-After, however deeply the domain wrapped it; a store failure it
// did not recognise stays an internal 500.
func TestProblemForUnavailableStore(t *testing.T) {
	driver := errors.New("FATAL: the database system is shutting down (SQLSTATE 57P03)")
	tests := []struct {
		name       string
		err        error
		status     int
		retryAfter bool
	}{
		{"read", fmt.Errorf("vendor 7: %w: %w", merchants.ErrUnavailable, driver), http.StatusServiceUnavailable, true},
		{"registration", fmt.Errorf("register vendor: %w", fmt.Errorf("lock market 3: %w: %w", merchants.ErrUnavailable, driver)),
			http.StatusServiceUnavailable, true},
		{"unrecognised store failure", fmt.Errorf("vendor 7: %w", errors.New("scan: converting NULL to int64")), http.StatusInternalServerError, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, retryAfter, internal := problemFor(tt.err)
			if p.Status != tt.status || !internal {
				t.Errorf("status %d (internal %v); want %d, logged as internal", p.Status, internal, tt.status)
			}
			if (retryAfter > 0) != tt.retryAfter {
				t.Errorf("Retry-After %d; want one: %v", retryAfter, tt.retryAfter)
			}
			if tt.status == http.StatusServiceUnavailable && p.Code != codeUnavailable {
				t.Errorf("code %q; want %q", p.Code, codeUnavailable)
			}
		})
	}
}

// TestConflictNamesItsField: a stall taken and an account already
// registered answer with the field they are about, so the sign-up page
// shows each next to its input; other conflicts name no field.
func TestConflictNamesItsField(t *testing.T) {
	for _, tt := range []struct {
		rule merchants.Rule
		want []FieldError
	}{
		{merchants.RuleStallTaken, []FieldError{{Field: "stall_code", Message: "taken"}}},
		{merchants.RuleAccountTaken, []FieldError{{Field: "bank_account.account_number", Message: "taken"}}},
		{merchants.RuleStallCodeTaken, nil},
		{merchants.RuleUnverifiedAccount, nil},
	} {
		p, _, _ := problemFor(fmt.Errorf("x: %w", &merchants.ConflictError{Rule: tt.rule, Detail: "taken"}))
		if diff := cmp.Diff(tt.want, p.Errors); diff != "" {
			t.Errorf("%s: errors (-want +got):\n%s", tt.rule, diff)
		}
	}
}
