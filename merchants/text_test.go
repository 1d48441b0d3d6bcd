package merchants_test

import (
	"testing"

	"github.com/sapqr/sapqr/merchants"
)

func TestNormalizePhone(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"0912345678", "0912345678", true},
		{"+84912345678", "0912345678", true},
		{"84 912 345 678", "0912345678", true},
		{"+84 (91) 234-5678", "0912345678", true},
		{"0912.345.678", "0912345678", true},
		{"912345678", "0912345678", true},
		{"0362345678", "0362345678", true}, // Viettel 03x
		{"0701234567", "0701234567", true}, // MobiFone 070
		{"0521234567", "0521234567", true}, // Vietnamobile 052
		{"02438251234", "", false},         // Hà Nội landline
		{"0951234567", "", false},          // 095: no network
		{"0112345678", "", false},          // not a mobile prefix
		{"091234567", "", false},           // nine digits with 0
		{"09123456789", "", false},         // eleven digits
		{"+1 415 555 0100", "", false},     // not Vietnamese
		{"0912a45678", "", false},          // a letter
		{"", "", false},
		{"+", "", false},
		{"0９12345678", "", false}, // a full-width digit
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := merchants.NormalizePhone(tt.in)
			if got != tt.want || (err == nil) != tt.ok {
				t.Errorf("NormalizePhone(%q) = %q, %v; want %q, ok %v", tt.in, got, err, tt.want, tt.ok)
			}
		})
	}
}

// FuzzNormalizePhone checks that any input gives either an error or a
// ten-digit mobile number that normalises to itself.
func FuzzNormalizePhone(f *testing.F) {
	for _, s := range []string{"0912345678", "+84 912 345 678", "84-91-234-5678", "", "+", "((", "0９12345678", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := merchants.NormalizePhone(s)
		if err != nil {
			if n != "" || err.Error() == "" {
				t.Fatalf("NormalizePhone(%q) = %q, %v", s, n, err)
			}
			return
		}
		if len(n) != 10 || n[0] != '0' {
			t.Fatalf("NormalizePhone(%q) = %q", s, n)
		}
		if again, err := merchants.NormalizePhone(n); again != n || err != nil {
			t.Fatalf("NormalizePhone(%q) = %q, %v; not stable", n, again, err)
		}
	})
}

func TestFold(t *testing.T) {
	tests := map[string]string{
		"Nguyễn Thị Hà":           "nguyen thi ha",
		"Nguye\u0302\u0303n":      "nguyen",
		"  ĐẶNG   Văn  Đức ":      "dang van duc",
		"Phạm Đình Hải - Chợ 4.0": "pham dinh hai - cho 4.0",
	}
	for in, want := range tests {
		if got := merchants.Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}
