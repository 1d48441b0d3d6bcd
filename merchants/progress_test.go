package merchants_test

import (
	"testing"
	"time"

	"github.com/sapqr/sapqr/merchants"
)

// TestStallProgressAndSignState: each stall a vendor holds is coloured by
// the sign printed for it, and its sign is new, outdated or current.
func TestStallProgressAndSignState(t *testing.T) {
	now := time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name     string
		v        merchants.Vendor
		h        merchants.VendorStall
		progress merchants.Progress
		sign     merchants.SignState
	}{
		{"no QR", merchants.Vendor{}, merchants.VendorStall{}, "registered", ""},
		{"QR, nothing printed", merchants.Vendor{Payload: "p", SignVersion: 1}, merchants.VendorStall{}, "qr", "none"},
		{"printed at another stall", merchants.Vendor{Payload: "p", SignVersion: 1, SignPrintedVersion: 1}, merchants.VendorStall{}, "qr", "none"},
		{"printed here", merchants.Vendor{Payload: "p", SignVersion: 1, SignPrintedVersion: 1}, merchants.VendorStall{SignPrintedVersion: 1}, "printed", "ok"},
		{"old sign here", merchants.Vendor{Payload: "p", SignVersion: 2, SignPrintedVersion: 2}, merchants.VendorStall{SignPrintedVersion: 1}, "printed", "outdated"},
		{"transacting", merchants.Vendor{Payload: "p", SignVersion: 1, TransactingAt: &now}, merchants.VendorStall{}, "transacting", "none"},
	} {
		if got := tc.v.StallProgress(tc.h); got != tc.progress {
			t.Errorf("%s: StallProgress = %q, want %q", tc.name, got, tc.progress)
		}
		if got := tc.v.SignState(tc.h); got != tc.sign {
			t.Errorf("%s: SignState = %q, want %q", tc.name, got, tc.sign)
		}
	}
}

func TestCompareStallCodes(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int // sign
	}{
		{"A-2", "A-10", -1},
		{"A-10", "A-2", 1},
		{"A-02", "A-2", 0},
		{"B-1", "A-9", 1},
		{"A", "A-1", -1},
		{"12", "9", 1},
	} {
		got := merchants.CompareStallCodes(tc.a, tc.b)
		if (got < 0) != (tc.want < 0) || (got > 0) != (tc.want > 0) {
			t.Errorf("CompareStallCodes(%q, %q) = %d, want the sign of %d", tc.a, tc.b, got, tc.want)
		}
	}
}
