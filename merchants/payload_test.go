package merchants_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/sapqr/sapqr/merchants"
)

// TestPreviewPayload: the sign-up page's preview is checked as
// registration checks an account: a good one gives the payload with the
// account and the transliterated holder, a bad one the fields at fault.
func TestPreviewPayload(t *testing.T) {
	for _, tc := range []struct {
		name       string
		in         merchants.BankAccountInput
		wantFields []string
	}{
		{"a valid account", merchants.BankAccountInput{BIN: "970436", AccountNumber: "0011 0012 34567", HolderName: "Nguyễn Thị Hà"}, nil},
		{"an unknown bank", merchants.BankAccountInput{BIN: "123456", AccountNumber: "0011001234567", HolderName: "A"}, []string{"bank_account.bin"}},
		{"a bad account number", merchants.BankAccountInput{BIN: "970436", AccountNumber: "12345678901234567890123", HolderName: "A"}, []string{"bank_account.account_number"}},
		{"nothing typed", merchants.BankAccountInput{}, []string{"bank_account.bin", "bank_account.account_number"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			payload, err := merchants.PreviewPayload(tc.in)
			if tc.wantFields == nil {
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(payload, "0011001234567") || !strings.Contains(payload, "NGUYEN THI HA") {
					t.Errorf("payload %q lacks the account or the transliterated holder", payload)
				}
				return
			}
			var ve *merchants.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("error %v, want a validation error", err)
			}
			var got []string
			for _, f := range ve.Fields {
				got = append(got, f.Field)
			}
			for _, f := range tc.wantFields {
				if !strings.Contains(strings.Join(got, " "), f) {
					t.Errorf("fields %v lack %s", got, f)
				}
			}
		})
	}
}
