package merchants_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sapqr/sapqr/merchants"
	"github.com/sapqr/sapqr/merchants/gormstore"
	mt "github.com/sapqr/sapqr/merchants/merchantstest"
)

func TestVendorLifecycle(t *testing.T) {
	eachDB(t, func(t *testing.T, s *merchants.Service, st *gormstore.Store) {
		ctx := context.Background()
		member := mt.Member(mt.CommuneA1)
		officer := mt.CommuneOfficer(mt.CommuneA1)
		m := mt.Market(t, s, mt.CommuneA1, 10)
		v := mt.Vendor(t, s, m, "A-1", 1)

		if _, err := s.RecordSignPrint(ctx, member, v.ID, merchants.SignNew); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ConfirmTransacting(ctx, member, v.ID); err != nil {
			t.Fatal(err)
		}
		checkCounts(t, st, m.ID, merchants.MarketCounts{StallsDeclared: 10, StallsActive: 1, StallsWithQR: 1, Vendors: 1,
			VendorsWithQR: 1, SignsPrinted: 1, VendorsTransacting: 1})

		// A new primary account changes the payload: the printed sign is outdated.
		r, err := s.AddBankAccount(ctx, member, v.ID, merchants.AddBankAccountInput{BankAccountInput: mt.BankAccount(2), Primary: true})
		if err != nil {
			t.Fatal(err)
		}
		if r.Vendor.SignVersion != 2 || !r.Vendor.SignOutdated() || r.Payload == v.Payload {
			t.Errorf("after a bank change: sign version %d, outdated %v, payload changed %v", r.Vendor.SignVersion, r.Vendor.SignOutdated(), r.Payload != v.Payload)
		}
		if p, _ := r.Vendor.PrimaryAccount(); p.AccountNumber != mt.BankAccount(2).AccountNumber || len(r.Vendor.Accounts) != 2 {
			t.Errorf("accounts %+v", r.Vendor.Accounts)
		}
		checkCounts(t, st, m.ID, merchants.MarketCounts{StallsDeclared: 10, StallsActive: 1, StallsWithQR: 1, Vendors: 1,
			VendorsWithQR: 1, SignsPrinted: 0, VendorsTransacting: 1})
		printed, err := s.RecordSignPrint(ctx, member, v.ID, merchants.SignBankChanged)
		if err != nil {
			t.Fatal(err)
		}
		if rec := printed[0]; len(printed) != 1 || rec.Version != 2 || rec.Payload != r.Payload || !rec.Printed || rec.StallID != v.StallID {
			t.Errorf("sign records %+v", printed)
		}
		recs, err := s.SignRecords(ctx, member, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, r := range recs {
			kinds = append(kinds, fmt.Sprintf("v%d %s printed=%v", r.Version, r.Reason, r.Printed))
		}
		want := []string{"v1 new printed=false", "v1 new printed=true", "v2 bank_changed printed=false", "v2 bank_changed printed=true"}
		if diff := cmp.Diff(want, kinds); diff != "" {
			t.Errorf("sign records (-want +got):\n%s", diff)
		}

		// A member may not remove a vendor; an officer may.
		if _, err := s.DeactivateVendor(ctx, member, v.ID); !errors.Is(err, merchants.ErrForbidden) {
			t.Errorf("member deactivating: %v, want ErrForbidden", err)
		}
		d, err := s.DeactivateVendor(ctx, officer, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		if d.Status != merchants.VendorInactive || d.Payload != "" || d.DeactivatedAt == nil {
			t.Errorf("deactivated vendor %+v", d)
		}
		checkCounts(t, st, m.ID, merchants.MarketCounts{StallsDeclared: 10, StallsActive: 1})
		// The stall and both bank accounts are free again.
		in := register(m, "A-1", 2)
		if _, err := s.RegisterVendor(ctx, member, in); err != nil {
			t.Fatalf("registering on the freed stall with the freed account: %v", err)
		}
		if _, err := s.AddBankAccount(ctx, member, d.ID, merchants.AddBankAccountInput{BankAccountInput: mt.BankAccount(3)}); len(fields(t, err)) != 1 {
			t.Errorf("adding an account to an inactive vendor: %v", err)
		}
		// Deactivated vendors stay readable, and listed when asked for.
		page, err := s.ListVendors(ctx, officer, merchants.VendorFilter{Status: merchants.VendorInactive})
		if err != nil || len(page.Vendors) != 1 || page.Vendors[0].ID != v.ID {
			t.Errorf("inactive vendors: %+v, %v", page.Vendors, err)
		}
	})
}

func TestUpdateVendor(t *testing.T) {
	eachDB(t, func(t *testing.T, s *merchants.Service, st *gormstore.Store) {
		ctx := context.Background()
		a := mt.Member(mt.CommuneA1)
		m := mt.Market(t, s, mt.CommuneA1, 3)
		v1 := mt.Vendor(t, s, m, "A-1", 1)
		v2 := mt.Vendor(t, s, m, "A-2", 2)
		name, phone, stall, taken, bad := "Lê Thị Thu", "0987654321", "A-3", "A-1", "12"
		r, err := s.UpdateVendor(ctx, a, v2.ID, merchants.UpdateVendorInput{FullName: &name, Phone: &phone, StallCode: &stall})
		if err != nil {
			t.Fatal(err)
		}
		if got := []string{r.Vendor.FullName, r.Vendor.Phone, r.Vendor.StallCode}; !cmp.Equal(got, []string{name, phone, stall}) {
			t.Errorf("updated %v", got)
		}
		if _, err := s.UpdateVendor(ctx, a, v2.ID, merchants.UpdateVendorInput{StallCode: &taken}); !errors.Is(err, merchants.ErrConflict) {
			t.Errorf("moving onto an occupied stall: %v", err)
		}
		_, err = s.UpdateVendor(ctx, a, v2.ID, merchants.UpdateVendorInput{Phone: &bad, FullName: new(string)})
		if diff := cmp.Diff([]string{"full_name", "phone"}, fields(t, err)); diff != "" {
			t.Error(diff)
		}
		r, err = s.UpdateVendor(ctx, a, v2.ID, merchants.UpdateVendorInput{Phone: &v1.Phone})
		if err != nil || len(r.Warnings) != 1 {
			t.Errorf("phone of another vendor: warnings %v, error %v", r.Warnings, err)
		}
		// A2 was left: three stalls exist, all active, two with vendors.
		checkCounts(t, st, m.ID, merchants.MarketCounts{StallsDeclared: 3, StallsActive: 3, StallsWithQR: 2, Vendors: 2, VendorsWithQR: 2})
	})
}

func TestSecondBankAccount(t *testing.T) {
	eachDB(t, func(t *testing.T, s *merchants.Service, st *gormstore.Store) {
		ctx := context.Background()
		a := mt.Member(mt.CommuneA1)
		m := mt.Market(t, s, mt.CommuneA1, 5)
		v := mt.Vendor(t, s, m, "A-1", 1)
		mt.Vendor(t, s, m, "A-2", 2)

		r, err := s.AddBankAccount(ctx, a, v.ID, merchants.AddBankAccountInput{BankAccountInput: merchants.BankAccountInput{
			BIN: "970422", AccountNumber: "0123456789", HolderName: "Nguyễn Thị Hà", Confirmation: merchants.ConfirmTestTransfer}})
		if err != nil {
			t.Fatal(err)
		}
		if r.Payload != v.Payload || r.Vendor.SignVersion != 1 || len(r.Vendor.Accounts) != 2 {
			t.Errorf("a secondary account changed the sign: version %d, payload %q, %d accounts", r.Vendor.SignVersion, r.Payload, len(r.Vendor.Accounts))
		}
		if p, _ := r.Vendor.PrimaryAccount(); p.BIN != "970436" {
			t.Errorf("primary is now %+v", p)
		}
		tests := []struct {
			name string
			in   merchants.BankAccountInput
			want error
		}{
			{"active on another vendor", mt.BankAccount(2), merchants.ErrConflict},
			{"already the vendor's", mt.BankAccount(1), &merchants.ValidationError{}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := s.AddBankAccount(ctx, a, v.ID, merchants.AddBankAccountInput{BankAccountInput: tt.in})
				var ve *merchants.ValidationError
				if _, isVE := tt.want.(*merchants.ValidationError); isVE && !errors.As(err, &ve) || !isVE && !errors.Is(err, tt.want) {
					t.Errorf("error %v, want %T %v", err, tt.want, tt.want)
				}
			})
		}
		checkCounts(t, st, m.ID, merchants.MarketCounts{StallsDeclared: 5, StallsActive: 2, StallsWithQR: 2, Vendors: 2, VendorsWithQR: 2})
	})
}
