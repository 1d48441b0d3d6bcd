package merchants_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sapqr/sapqr/merchants"
	"github.com/sapqr/sapqr/merchants/gormstore"
	mt "github.com/sapqr/sapqr/merchants/merchantstest"
)

// TestNamesMatch: the name a bank app shows matches the holder name
// without diacritics, case, spacing or punctuation, and nothing else.
func TestNamesMatch(t *testing.T) {
	for _, tt := range []struct {
		seen, holder string
		want         bool
	}{
		{"NGUYEN THI HA", "NGUYEN THI HA", true},
		{"Nguyễn Thị Hà", "NGUYEN THI HA", true},
		{"nguyen  thi   ha", "NGUYEN THI HA", true},
		{" NGUYỄN THỊ HÀ ", "NGUYEN THI HA", true},
		{"ĐỖ VĂN ĐỨC", "DO VAN DUC", true},
		{"NGUYEN THI-HA", "NGUYEN THI HA", true},
		{"NGUYEN THI HOA", "NGUYEN THI HA", false},
		{"TRAN VAN BINH", "NGUYEN THI HA", false},
		{"NGUYEN THI", "NGUYEN THI HA", false},
		{"", "NGUYEN THI HA", false},
		{"   ", "", false},
	} {
		if got := merchants.NamesMatch(tt.seen, tt.holder); got != tt.want {
			t.Errorf("NamesMatch(%q, %q) = %v, want %v", tt.seen, tt.holder, got, tt.want)
		}
	}
}

// unverifiedVendor registers a vendor whose payee is not checked.
func unverifiedVendor(t *testing.T, s *merchants.Service, m merchants.Market, stall string, n int) merchants.Vendor {
	t.Helper()
	r, err := s.RegisterVendor(context.Background(), mt.Member(m.CommuneCode), merchants.RegisterVendorInput{
		MarketID: m.ID, StallCode: stall, FullName: "Nguyễn Thị Hà", Phone: mt.Phone(n), Consent: true, BankAccount: mt.UncheckedAccount(n)})
	if err != nil {
		t.Fatal(err)
	}
	return r.Vendor
}

func conflictRule(err error) merchants.Rule {
	var ce *merchants.ConflictError
	if errors.As(err, &ce) {
		return ce.Rule
	}
	return ""
}

// TestRegisterWithPayeeCheck: a registration with the bank app name is
// verified by its member; a different name is refused on
// bank_account.confirmation.name_seen and stores nothing; an override is
// not taken at registration.
func TestRegisterWithPayeeCheck(t *testing.T) {
	eachDB(t, func(t *testing.T, s *merchants.Service, st *gormstore.Store) {
		ctx := context.Background()
		m := mt.Market(t, s, mt.CommuneA1, 5)
		member := mt.Member(mt.CommuneA1)
		in := register(m, "A-1", 1)
		in.BankAccount = mt.UncheckedAccount(1)
		in.BankAccount.Verify = &merchants.VerifyInput{Method: merchants.VerifyBankAppName, NameSeen: "TRAN VAN BINH"}
		var ve *merchants.ValidationError
		if _, err := s.RegisterVendor(ctx, member, in); !errors.As(err, &ve) ||
			!cmp.Equal(fieldNames(ve), []string{"bank_account.confirmation.name_seen"}) {
			t.Fatalf("another holder's name: %v; want a validation error on bank_account.confirmation.name_seen", err)
		}
		if page, err := s.ListVendors(ctx, mt.Admin(), merchants.VendorFilter{MarketID: m.ID}); err != nil || len(page.Vendors) != 0 {
			t.Fatalf("after the refusal the market lists %d vendors (%v), want none", len(page.Vendors), err)
		}
		in.BankAccount.Verify = &merchants.VerifyInput{Method: merchants.VerifyOfficerOverride, Reason: "không có điện thoại"}
		if _, err := s.RegisterVendor(ctx, mt.CommuneOfficer(mt.CommuneA1), in); !errors.As(err, &ve) ||
			!cmp.Equal(fieldNames(ve), []string{"bank_account.confirmation.method"}) {
			t.Fatalf("override at registration: %v; want a validation error on bank_account.confirmation.method", err)
		}
		in.BankAccount.Verify = &merchants.VerifyInput{Method: merchants.VerifyBankAppName, NameSeen: "nguyễn thị  hà"}
		r, err := s.RegisterVendor(ctx, member, in)
		if err != nil {
			t.Fatal(err)
		}
		acc, _ := r.Vendor.PrimaryAccount()
		if acc.VerifyMethod != merchants.VerifyBankAppName || acc.VerifiedBy != member.UserID || acc.VerifiedAt == nil {
			t.Errorf("registered account verification = %q by %d at %v; want bank_app_name by %d", acc.VerifyMethod, acc.VerifiedBy, acc.VerifiedAt, member.UserID)
		}
		if _, err := s.VendorSign(ctx, member, r.Vendor.ID, 0); err != nil {
			t.Errorf("a checked account's sign: %v", err)
		}
	})
}

func fieldNames(ve *merchants.ValidationError) []string {
	var out []string
	for _, f := range ve.Fields {
		out = append(out, f.Field)
	}
	return out
}

// TestUnverifiedSigns: an unchecked account's sign does not print from
// any route: the vendor's, its link's, a print record; a market batch
// leaves it out and lists it; after VerifyAccount all of them print.
func TestUnverifiedSigns(t *testing.T) {
	eachDB(t, func(t *testing.T, s *merchants.Service, st *gormstore.Store) {
		ctx := context.Background()
		m := mt.Market(t, s, mt.CommuneA1, 5)
		member := mt.Member(mt.CommuneA1)
		checked := mt.Vendor(t, s, m, "A-1", 1)
		v := unverifiedVendor(t, s, m, "A-2", 2)
		if acc, _ := v.PrimaryAccount(); acc.Verified() {
			t.Fatalf("an account registered without a check is verified (%q)", acc.VerifyMethod)
		}
		_, token, err := s.CreateVendorLink(ctx, member, v.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.VendorSign(ctx, member, v.ID, 0); conflictRule(err) != merchants.RuleUnverifiedAccount {
			t.Errorf("VendorSign: %v; want an unverified_account conflict", err)
		}
		if _, err := s.LinkSign(ctx, token, 0); conflictRule(err) != merchants.RuleUnverifiedAccount {
			t.Errorf("LinkSign: %v; want an unverified_account conflict", err)
		}
		if _, err := s.RecordSignPrint(ctx, member, v.ID, ""); conflictRule(err) != merchants.RuleUnverifiedAccount {
			t.Errorf("RecordSignPrint: %v; want an unverified_account conflict", err)
		}
		b, err := s.MarketSigns(ctx, member, m.ID, 10, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(b.Signs) != 1 || b.Signs[0].VendorID != checked.ID || !cmp.Equal(b.Unverified, []int64{v.ID}) {
			t.Errorf("batch = %d signs (first of vendor %v), unverified %v; want one of vendor %d, unverified [%d]",
				len(b.Signs), b.Signs, b.Unverified, checked.ID, v.ID)
		}

		got, err := s.VerifyAccount(ctx, member, v.ID, merchants.VerifyInput{Method: merchants.VerifyBankAppName, NameSeen: "Nguyen Thi Ha"})
		if err != nil {
			t.Fatal(err)
		}
		if acc, _ := got.PrimaryAccount(); acc.VerifyMethod != merchants.VerifyBankAppName || acc.VerifiedBy != member.UserID {
			t.Errorf("after VerifyAccount: %q by %d; want bank_app_name by %d", acc.VerifyMethod, acc.VerifiedBy, member.UserID)
		}
		if _, err := s.LinkSign(ctx, token, 0); err != nil {
			t.Errorf("LinkSign after the check: %v", err)
		}
		if b, err := s.MarketSigns(ctx, member, m.ID, 10, ""); err != nil || len(b.Signs) != 2 || len(b.Unverified) != 0 {
			t.Errorf("batch after the check = %d signs, unverified %v, %v; want 2 and none", len(b.Signs), b.Unverified, err)
		}
	})
}

// TestVerifyAccountRules: a wrong name changes nothing; only a commune
// officer (or admin) overrides, with a reason, and the override is audited;
// a write outside the actor's area is forbidden, as every write is.
func TestVerifyAccountRules(t *testing.T) {
	eachDB(t, func(t *testing.T, s *merchants.Service, st *gormstore.Store) {
		ctx := context.Background()
		m := mt.Market(t, s, mt.CommuneA1, 5)
		v := unverifiedVendor(t, s, m, "A-1", 1)
		member, officer := mt.Member(mt.CommuneA1), mt.CommuneOfficer(mt.CommuneA1)
		override := merchants.VerifyInput{Method: merchants.VerifyOfficerOverride, Reason: "Tiểu thương không có điện thoại để quét"}
		var ve *merchants.ValidationError
		for _, tt := range []struct {
			name  string
			a     merchants.Actor
			in    merchants.VerifyInput
			field string // the validation error's field, or empty
			err   error  // else the error
		}{
			{"another holder's name", member, merchants.VerifyInput{Method: merchants.VerifyBankAppName, NameSeen: "LE VAN AN"}, "name_seen", nil},
			{"no name", member, merchants.VerifyInput{Method: merchants.VerifyBankAppName}, "name_seen", nil},
			{"unknown method", member, merchants.VerifyInput{Method: "sms"}, "method", nil},
			{"override by a member", member, override, "", merchants.ErrForbidden},
			{"override by a province officer", mt.ProvinceOfficer(mt.ProvinceA), override, "", merchants.ErrForbidden},
			{"override without a reason", officer, merchants.VerifyInput{Method: merchants.VerifyOfficerOverride}, "reason", nil},
			{"member of another commune", mt.Member(mt.CommuneA2), merchants.VerifyInput{Method: merchants.VerifyBankAppName, NameSeen: "NGUYEN THI HA"}, "", merchants.ErrForbidden},
		} {
			_, err := s.VerifyAccount(ctx, tt.a, v.ID, tt.in)
			switch {
			case tt.field != "" && (!errors.As(err, &ve) || !cmp.Equal(fieldNames(ve), []string{tt.field})):
				t.Errorf("%s: %v; want a validation error on %s", tt.name, err, tt.field)
			case tt.err != nil && !errors.Is(err, tt.err):
				t.Errorf("%s: %v; want %v", tt.name, err, tt.err)
			}
		}
		if cur, err := s.Vendor(ctx, member, v.ID); err != nil || cur.Accounts[0].Verified() {
			t.Fatalf("refused checks verified the account (%v)", err)
		}
		got, err := s.VerifyAccount(ctx, officer, v.ID, override)
		if err != nil {
			t.Fatal(err)
		}
		if acc, _ := got.PrimaryAccount(); acc.VerifyMethod != merchants.VerifyOfficerOverride || acc.VerifiedBy != officer.UserID {
			t.Errorf("override: %q by %d; want officer_override by %d", acc.VerifyMethod, acc.VerifiedBy, officer.UserID)
		}
		page, err := s.AuditLog(ctx, mt.Admin(), merchants.AuditFilter{Entity: "bank_account", EntityID: got.Accounts[0].ID})
		if err != nil || len(page.Entries) != 1 || page.Entries[0].Action != merchants.ActionVerifyAccount ||
			page.Entries[0].ActorID != officer.UserID || !strings.Contains(string(page.Entries[0].After), "Tiểu thương không có điện thoại") {
			t.Errorf("override audit = %+v, %v; want one verify_account entry by the officer with the reason", page.Entries, err)
		}
	})
}
