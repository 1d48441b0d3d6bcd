package merchants_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/sapqr/sapqr/merchants"
	"github.com/sapqr/sapqr/merchants/gormstore"
	mt "github.com/sapqr/sapqr/merchants/merchantstest"
)

// cmpIgnorePrinted leaves out the print date, which is the clock's.
var cmpIgnorePrinted = cmpopts.IgnoreFields(merchants.StallSign{}, "Printed")

// TestVendorSign: a vendor's sign at each stall it holds carries the
// market, the stall, the vendor and its full account; a stall it does
// not hold, a role that may not see account numbers and a vendor without
// a QR are refused, each with its own error.
func TestVendorSign(t *testing.T) {
	eachDB(t, func(t *testing.T, s *merchants.Service, _ *gormstore.Store) {
		ctx := context.Background()
		m := mt.Market(t, s, mt.CommuneA1, 5)
		v := mt.Vendor(t, s, m, "A-1", 7)
		r, err := s.AssignStall(ctx, mt.Admin(), v.ID, "A-2")
		if err != nil {
			t.Fatal(err)
		}
		second := r.Vendor.Stalls[1].StallID
		member := mt.Member(mt.CommuneA1)

		got, err := s.VendorSign(ctx, member, v.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		want := merchants.StallSign{VendorID: v.ID, StallID: v.StallID, Market: "Chợ 00004", Stall: "A-1", Vendor: "Nguyễn Thị Hà",
			BIN: "970436", Account: "0011001200007", Holder: "NGUYEN THI HA", Version: 1}
		if diff := cmp.Diff(want, got, cmpIgnorePrinted); diff != "" {
			t.Errorf("main stall's sign (-want +got):\n%s", diff)
		}
		if got, err := s.VendorSign(ctx, member, v.ID, second); err != nil || got.Stall != "A-2" || got.StallID != second {
			t.Errorf("second stall's sign = %+v, %v; want stall A-2", got, err)
		}

		var ve *merchants.ValidationError
		if _, err := s.VendorSign(ctx, member, v.ID, second+100); !errors.As(err, &ve) || ve.Fields[0].Field != "stall_id" {
			t.Errorf("a stall the vendor does not hold: %v; want a validation error on stall_id", err)
		}
		if _, err := s.VendorSign(ctx, mt.ProvinceOfficer(mt.ProvinceA), v.ID, 0); !errors.Is(err, merchants.ErrForbidden) {
			t.Errorf("province officer: %v; want ErrForbidden (no account numbers)", err)
		}
		if _, err := s.VendorSign(ctx, mt.Member(mt.CommuneA2), v.ID, 0); !errors.Is(err, merchants.ErrNotFound) {
			t.Errorf("member of another commune: %v; want ErrNotFound", err)
		}
		if _, err := s.DeactivateVendor(ctx, mt.Admin(), v.ID); err != nil {
			t.Fatal(err)
		}
		var ce *merchants.ConflictError
		if _, err := s.VendorSign(ctx, member, v.ID, 0); !errors.As(err, &ce) || ce.Rule != merchants.RuleNoQR {
			t.Errorf("removed vendor: %v; want a no_qr conflict", err)
		}
	})
}

// TestLinkSign: the private link gives the sign with the full account
// (the QR shows it anyway) although the link's vendor view is masked; a
// revoked link gives nothing.
func TestLinkSign(t *testing.T) {
	eachDB(t, func(t *testing.T, s *merchants.Service, _ *gormstore.Store) {
		ctx := context.Background()
		m := mt.Market(t, s, mt.CommuneA1, 5)
		v := mt.Vendor(t, s, m, "A-3", 8)
		link, token, err := s.CreateVendorLink(ctx, mt.Member(mt.CommuneA1), v.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		masked, err := s.VendorByLink(ctx, token)
		if err != nil || masked.Accounts[0].AccountNumber == "0011001200008" {
			t.Fatalf("VendorByLink = %+v, %v; want the account masked", masked.Accounts, err)
		}
		sign, err := s.LinkSign(ctx, token, 0)
		if err != nil || sign.Account != "0011001200008" || sign.Stall != "A-3" || sign.Market != "Chợ 00004" {
			t.Fatalf("LinkSign = %+v, %v; want stall A-3 with the full account", sign, err)
		}
		if err := s.RevokeVendorLink(ctx, mt.Member(mt.CommuneA1), link.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.LinkSign(ctx, token, 0); !errors.Is(err, merchants.ErrNotFound) {
			t.Errorf("revoked link: %v; want ErrNotFound", err)
		}
	})
}

// TestMarketSignsAndRecordPrinted: a market's batch has one sign per stall
// held, vendors without a QR left out; it is refused past the limit, and
// recording it brings every stall's sign up to date with the right reason.
func TestMarketSignsAndRecordPrinted(t *testing.T) {
	eachDB(t, func(t *testing.T, s *merchants.Service, _ *gormstore.Store) {
		ctx := context.Background()
		member := mt.Member(mt.CommuneA1)
		m := mt.Market(t, s, mt.CommuneA1, 6)
		if _, err := s.MarketSigns(ctx, member, m.ID, 10, ""); !isNoQR(err) {
			t.Fatalf("empty market: %v; want a no_qr conflict", err)
		}
		v1 := mt.Vendor(t, s, m, "A-1", 1)
		v2 := mt.Vendor(t, s, m, "A-2", 2)
		if _, err := s.AssignStall(ctx, member, v1.ID, "A-3"); err != nil {
			t.Fatal(err)
		}
		gone := mt.Vendor(t, s, m, "A-4", 3)
		if _, err := s.DeactivateVendor(ctx, mt.Admin(), gone.ID); err != nil {
			t.Fatal(err)
		}

		batch, err := s.MarketSigns(ctx, member, m.ID, 10, "")
		if err != nil {
			t.Fatal(err)
		}
		signs := batch.Signs
		var got []string
		for _, sg := range signs {
			got = append(got, sg.Stall)
		}
		if diff := cmp.Diff([]string{"A-1", "A-3", "A-2"}, got); diff != "" {
			t.Errorf("batch stalls (-want +got):\n%s", diff)
		}
		var ve *merchants.ValidationError
		if _, err := s.MarketSigns(ctx, member, m.ID, 2, ""); !errors.As(err, &ve) {
			t.Errorf("three signs with a limit of two: %v; want a validation error", err)
		}
		if _, err := s.MarketSigns(ctx, mt.ProvinceOfficer(mt.ProvinceA), m.ID, 10, ""); !errors.Is(err, merchants.ErrForbidden) {
			t.Errorf("province officer: %v; want ErrForbidden", err)
		}

		if n, err := s.RecordPrinted(ctx, member, signs...); err != nil || n != 2 {
			t.Fatalf("RecordPrinted = %d, %v; want 2 vendors recorded", n, err)
		}
		for _, id := range []int64{v1.ID, v2.ID} {
			v, err := s.Vendor(ctx, member, id)
			if err != nil {
				t.Fatal(err)
			}
			if v.SignOutdated() {
				t.Errorf("vendor %d: signs outdated after the batch was recorded: %+v", id, v.Stalls)
			}
			recs, err := s.SignRecords(ctx, member, id)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range recs {
				if r.Printed && r.Reason != merchants.SignNew {
					t.Errorf("vendor %d: first print recorded as %q; want new", id, r.Reason)
				}
			}
		}
	})
}

func isNoQR(err error) bool {
	var ce *merchants.ConflictError
	return errors.As(err, &ce) && ce.Rule == merchants.RuleNoQR
}

func TestSignReason(t *testing.T) {
	v := merchants.Vendor{StallID: 1, SignVersion: 3, SignPrintedVersion: 3, Stalls: []merchants.VendorStall{
		{StallID: 1, SignPrintedVersion: 3}, {StallID: 2, SignPrintedVersion: 2}, {StallID: 3}}}
	for _, tt := range []struct {
		name   string
		stalls []int64
		want   merchants.SignReason
	}{
		{"main stall, current sign", nil, merchants.SignReprint},
		{"a stall with an older sign", []int64{2}, merchants.SignBankChanged},
		{"a stall that never had one", []int64{3}, merchants.SignNew},
		{"several: the one furthest behind decides", []int64{1, 2}, merchants.SignBankChanged},
	} {
		if got := v.SignReason(tt.stalls...); got != tt.want {
			t.Errorf("%s: SignReason(%v) = %q; want %q", tt.name, tt.stalls, got, tt.want)
		}
	}
}

// TestUnprintableStoredNames: a vendor stored before the sign rules with
// a name no sign can print gets a conflict naming the field and the
// character, never a printer failure; a market's batch prints the others
// and lists it.
func TestUnprintableStoredNames(t *testing.T) {
	eachDB(t, func(t *testing.T, s *merchants.Service, st *gormstore.Store) {
		ctx := context.Background()
		member := mt.Member(mt.CommuneA1)
		m := mt.Market(t, s, mt.CommuneA1, 5)
		bad := mt.Vendor(t, s, m, "A-1", 1)
		good := mt.Vendor(t, s, m, "A-2", 2)
		// What an older version accepted: a right-to-left override.
		update := "UPDATE vendors SET full_name = ? WHERE id = ?"
		if st.Dialect() == gormstore.Postgres {
			update = "UPDATE vendors SET full_name = $1 WHERE id = $2"
		}
		if _, err := st.DB().ExecContext(ctx, update, "Hà\u202eNội", bad.ID); err != nil {
			t.Fatal(err)
		}
		_, err := s.VendorSign(ctx, member, bad.ID, 0)
		var ce *merchants.ConflictError
		if !errors.As(err, &ce) || ce.Rule != merchants.RuleUnprintable ||
			!strings.Contains(ce.Detail, "full_name") || !strings.Contains(ce.Detail, "U+202E") {
			t.Fatalf("VendorSign of an unprintable name: %v; want an unprintable conflict naming full_name and U+202E", err)
		}
		b, err := s.MarketSigns(ctx, member, m.ID, 10, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(b.Signs) != 1 || b.Signs[0].VendorID != good.ID {
			t.Errorf("batch signs %+v; want only vendor %d's", b.Signs, good.ID)
		}
		if len(b.Unprintable) != 1 || b.Unprintable[0].VendorID != bad.ID || !strings.Contains(b.Unprintable[0].Reason, "U+202E") {
			t.Errorf("left out %+v; want vendor %d, naming U+202E", b.Unprintable, bad.ID)
		}
	})
}

// TestMarketSignsOnly: a market's batch can hold just the stalls whose
// sign is new (never printed there) or outdated (an old QR): what the
// market still needs; none left is a conflict, an unknown state refused.
func TestMarketSignsOnly(t *testing.T) {
	eachDB(t, func(t *testing.T, s *merchants.Service, _ *gormstore.Store) {
		ctx := context.Background()
		member := mt.Member(mt.CommuneA1)
		m := mt.Market(t, s, mt.CommuneA1, 6)
		printed := mt.Vendor(t, s, m, "A-1", 1)
		mt.Vendor(t, s, m, "A-2", 2)
		if _, err := s.RecordSignPrint(ctx, member, printed.ID, ""); err != nil {
			t.Fatal(err)
		}
		// A new account makes A-1's printed sign outdated.
		if _, err := s.AddBankAccount(ctx, member, printed.ID, merchants.AddBankAccountInput{BankAccountInput: mt.BankAccount(9), Primary: true}); err != nil {
			t.Fatal(err)
		}
		stalls := func(only merchants.SignState) []string {
			t.Helper()
			b, err := s.MarketSigns(ctx, member, m.ID, 10, only)
			if err != nil {
				t.Fatalf("only %q: %v", only, err)
			}
			var out []string
			for _, sg := range b.Signs {
				out = append(out, sg.Stall)
			}
			return out
		}
		for only, want := range map[merchants.SignState][]string{"": {"A-1", "A-2"}, merchants.SignNone: {"A-2"}, merchants.SignOutdated: {"A-1"}} {
			if got := stalls(only); !cmp.Equal(got, want) {
				t.Errorf("only %q: stalls %v, want %v", only, got, want)
			}
		}
		if _, _, err := s.RecordMarketPrint(ctx, member, m.ID, 10, merchants.SignOutdated); err != nil {
			t.Fatal(err)
		}
		var ce *merchants.ConflictError
		if _, err := s.MarketSigns(ctx, member, m.ID, 10, merchants.SignOutdated); !errors.As(err, &ce) || ce.Rule != merchants.RuleNothingToPrint {
			t.Errorf("no outdated sign left: %v; want a nothing_to_print conflict", err)
		}
		var ve *merchants.ValidationError
		if _, err := s.MarketSigns(ctx, member, m.ID, 10, "ok"); !errors.As(err, &ve) || ve.Fields[0].Field != "only" {
			t.Errorf("only=ok: %v; want a validation error on only", err)
		}
	})
}
