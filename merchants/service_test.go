package merchants_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sapqr/sapqr/merchants"
	"github.com/sapqr/sapqr/merchants/gormstore"
	mt "github.com/sapqr/sapqr/merchants/merchantstest"
)

// eachDB runs fn on a fresh service per database: SQLite always,
// PostgreSQL when SAPQR_TEST_DATABASE_URL is set.
func eachDB(t *testing.T, fn func(t *testing.T, s *merchants.Service, st *gormstore.Store)) {
	for _, db := range mt.Databases() {
		t.Run(db, func(t *testing.T) {
			t.Parallel()
			s, st := mt.NewServiceOn(t, db)
			fn(t, s, st)
		})
	}
}

func register(m merchants.Market, stall string, n int) merchants.RegisterVendorInput {
	return merchants.RegisterVendorInput{MarketID: m.ID, StallCode: stall, FullName: "Trần Văn Bình", Phone: mt.Phone(n),
		Consent: true, BankAccount: mt.BankAccount(n)}
}

// fields returns the field names of a *ValidationError, or the error.
func fields(t *testing.T, err error) []string {
	t.Helper()
	var ve *merchants.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %v: want a *ValidationError", err)
	}
	var out []string
	for _, f := range ve.Fields {
		if f.Message == "" {
			t.Errorf("field %s has no message", f.Field)
		}
		out = append(out, f.Field)
	}
	return out
}

// checkCounts compares the market's newest outbox event and a fresh recount.
func checkCounts(t *testing.T, st *gormstore.Store, marketID int64, want merchants.MarketCounts) {
	t.Helper()
	ctx := context.Background()
	cs, err := st.RecountMarkets(ctx, merchants.UnitFilter{MarketIDs: []int64{marketID}})
	if err != nil || len(cs) != 1 {
		t.Fatalf("recount: %v %v", cs, err)
	}
	evs, err := st.PendingCounterEvents(ctx, 10_000)
	if err != nil {
		t.Fatal(err)
	}
	var last merchants.MarketCounts
	for _, e := range evs {
		if e.Counts.MarketID == marketID {
			if e.Counts.Version <= last.Version {
				t.Errorf("event versions not increasing: %d after %d", e.Counts.Version, last.Version)
			}
			last = e.Counts
		}
	}
	if diff := cmp.Diff(cs[0], last); diff != "" {
		t.Errorf("newest outbox event differs from a recount (-recount +event):\n%s", diff)
	}
	want.MarketID, want.CommuneCode, want.ProvinceCode, want.Version = marketID, cs[0].CommuneCode, cs[0].ProvinceCode, cs[0].Version
	if diff := cmp.Diff(want, cs[0]); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
}

func TestRegisterVendorValidation(t *testing.T) {
	eachDB(t, func(t *testing.T, s *merchants.Service, st *gormstore.Store) {
		ctx := context.Background()
		m := mt.Market(t, s, mt.CommuneA1, 2)
		good := register(m, "A-1", 1)
		tests := []struct {
			name   string
			edit   func(*merchants.RegisterVendorInput)
			fields []string
		}{
			{"everything missing", func(in *merchants.RegisterVendorInput) { *in = merchants.RegisterVendorInput{} },
				[]string{"market_id", "stall_code", "full_name", "phone", "consent", "bank_account.bin", "bank_account.account_number", "bank_account.holder_name"}},
			{"no consent", func(in *merchants.RegisterVendorInput) { in.Consent = false }, []string{"consent"}},
			{"landline phone", func(in *merchants.RegisterVendorInput) { in.Phone = "02438251234" }, []string{"phone"}},
			{"short phone", func(in *merchants.RegisterVendorInput) { in.Phone = "09123" }, []string{"phone"}},
			{"unknown BIN", func(in *merchants.RegisterVendorInput) { in.BankAccount.BIN = "123456" }, []string{"bank_account.bin"}},
			{"account too long", func(in *merchants.RegisterVendorInput) { in.BankAccount.AccountNumber = strings.Repeat("1", 20) }, []string{"bank_account.account_number"}},
			{"account with symbols", func(in *merchants.RegisterVendorInput) { in.BankAccount.AccountNumber = "12#34" }, []string{"bank_account.account_number"}},
			{"holder name of symbols", func(in *merchants.RegisterVendorInput) { in.BankAccount.HolderName = "😀" }, []string{"bank_account.holder_name"}},
			{"bad confirmation", func(in *merchants.RegisterVendorInput) { in.BankAccount.Confirmation = "maybe" }, []string{"bank_account.confirmation"}},
			{"invalid UTF-8 name", func(in *merchants.RegisterVendorInput) { in.FullName = "Ng\xffuyen" }, []string{"full_name"}},
			{"name too long", func(in *merchants.RegisterVendorInput) { in.FullName = strings.Repeat("Hà ", 60) }, []string{"full_name"}},
			{"unknown market", func(in *merchants.RegisterVendorInput) { in.MarketID = 9999 }, []string{"market_id"}},
			{"several at once", func(in *merchants.RegisterVendorInput) { in.Phone, in.Consent, in.BankAccount.BIN = "1", false, "" },
				[]string{"phone", "consent", "bank_account.bin"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				in := good
				tt.edit(&in)
				_, err := s.RegisterVendor(ctx, mt.Admin(), in)
				if diff := cmp.Diff(tt.fields, fields(t, err)); diff != "" {
					t.Errorf("fields (-want +got):\n%s", diff)
				}
			})
		}
		// Nothing changed: no vendor, no stall, only the market's creation counted.
		checkCounts(t, st, m.ID, merchants.MarketCounts{StallsDeclared: 2})
		page, err := s.ListVendors(ctx, mt.Admin(), merchants.VendorFilter{})
		if err != nil || len(page.Vendors) != 0 {
			t.Errorf("vendors after refused registrations: %v, %v", page.Vendors, err)
		}
	})
}

func TestRegisterVendorNormalises(t *testing.T) {
	eachDB(t, func(t *testing.T, s *merchants.Service, st *gormstore.Store) {
		ctx := context.Background()
		m := mt.Market(t, s, mt.CommuneA1, 5)
		decomposed := "Nguye\u0302\u0303n Thi\u0323 Ha\u0300" // NFD
		r, err := s.RegisterVendor(ctx, mt.Member(mt.CommuneA1), merchants.RegisterVendorInput{
			MarketID: m.ID, StallCode: " a-12 ", FullName: "  " + decomposed + "  ", Phone: "+84 (91) 234-5678", Consent: true,
			BankAccount: merchants.BankAccountInput{BIN: "970436", AccountNumber: "0011 0012 34567", HolderName: "nguyễn thị hà",
				Confirmation: merchants.ConfirmAppShown},
		})
		if err != nil {
			t.Fatal(err)
		}
		v := r.Vendor
		got := []string{v.StallCode, v.FullName, v.Phone, v.Accounts[0].AccountNumber, v.Accounts[0].HolderName}
		want := []string{"A-12", "Nguyễn Thị Hà", "0912345678", "0011001234567", "NGUYEN THI HA"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("normalised fields (-want +got):\n%s", diff)
		}
		const payload = "00020101021138570010A00000072701270006970436011300110012345670208QRIBFTTA53037045802VN5913NGUYEN THI HA63041765"
		if r.Payload != payload || v.Payload != payload {
			t.Errorf("payload %q, vendor payload %q; want %q", r.Payload, v.Payload, payload)
		}
		if v.ConsentBy != 2 || v.RegisteredBy != 2 || v.ConsentAt.IsZero() {
			t.Errorf("consent recorded by %d at %v, registered by %d", v.ConsentBy, v.ConsentAt, v.RegisteredBy)
		}
		got2, err := s.Vendor(ctx, mt.Admin(), v.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(v, got2); diff != "" {
			t.Errorf("vendor read back (-registered +read):\n%s", diff)
		}
		checkCounts(t, st, m.ID, merchants.MarketCounts{StallsDeclared: 5, StallsActive: 1, StallsWithQR: 1, Vendors: 1, VendorsWithQR: 1})
	})
}

func TestHolderNameOverTagLimit(t *testing.T) {
	eachDB(t, func(t *testing.T, s *merchants.Service, st *gormstore.Store) {
		m := mt.Market(t, s, mt.CommuneA1, 5)
		in := register(m, "A-1", 1)
		in.BankAccount.HolderName = "CONG TY TNHH THUONG MAI DICH VU HA NOI" // 38 characters
		r, err := s.RegisterVendor(context.Background(), mt.Admin(), in)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(r.Payload, "5938") || strings.Contains(r.Payload, "CONG TY") {
			t.Errorf("payload %q carries a holder name longer than tag 59 allows", r.Payload)
		}
		if r.Vendor.Accounts[0].HolderName != in.BankAccount.HolderName {
			t.Errorf("stored holder name %q", r.Vendor.Accounts[0].HolderName)
		}
	})
}

func TestRegistrationRules(t *testing.T) {
	eachDB(t, func(t *testing.T, s *merchants.Service, st *gormstore.Store) {
		ctx := context.Background()
		a := mt.Admin()
		m := mt.Market(t, s, mt.CommuneA1, 3)
		other := mt.Market(t, s, mt.CommuneA2, 3)
		first, err := s.RegisterVendor(ctx, a, register(m, "A-1", 1))
		if err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name string
			in   merchants.RegisterVendorInput
			want error
		}{
			{"same stall", register(m, "A-1", 2), merchants.ErrConflict},
			{"same bank account, same market", register(m, "A-2", 1), merchants.ErrConflict},
			{"same bank account, other market", register(other, "B-1", 1), merchants.ErrConflict},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if _, err := s.RegisterVendor(ctx, a, tt.in); !errors.Is(err, tt.want) {
					t.Errorf("error %v, want %v", err, tt.want)
				}
			})
		}

		t.Run("same phone at the same market is a warning", func(t *testing.T) {
			in := register(m, "A-2", 3)
			in.Phone = first.Vendor.Phone
			r, err := s.RegisterVendor(ctx, a, in)
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Warnings) != 1 || r.Warnings[0].Code != merchants.WarnDuplicatePhone || !cmp.Equal(r.Warnings[0].VendorIDs, []int64{first.Vendor.ID}) {
				t.Errorf("warnings %+v", r.Warnings)
			}
		})
		t.Run("same phone at another market is fine", func(t *testing.T) {
			in := register(other, "B-1", 4)
			in.Phone = first.Vendor.Phone
			r, err := s.RegisterVendor(ctx, a, in)
			if err != nil || len(r.Warnings) != 0 {
				t.Errorf("warnings %+v, error %v", r.Warnings, err)
			}
		})
		t.Run("stalls are created up to the declared count", func(t *testing.T) {
			if _, err := s.RegisterVendor(ctx, a, register(m, "A-3", 5)); err != nil {
				t.Fatal(err)
			}
			_, err := s.RegisterVendor(ctx, a, register(m, "A-4", 6))
			if diff := cmp.Diff([]string{"stall_code"}, fields(t, err)); diff != "" {
				t.Error(diff)
			}
		})
		checkCounts(t, st, m.ID, merchants.MarketCounts{StallsDeclared: 3, StallsActive: 3, StallsWithQR: 3, Vendors: 3, VendorsWithQR: 3})
	})
}

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

func TestListVendors(t *testing.T) {
	eachDB(t, func(t *testing.T, s *merchants.Service, st *gormstore.Store) {
		ctx := context.Background()
		a := mt.Admin()
		m := mt.Market(t, s, mt.CommuneA1, 20)
		mB := mt.Market(t, s, mt.CommuneB1, 20)
		names := []string{"Nguyễn Thị Hà", "Trần Văn Đức", "Lê Hà My", "Phạm Đình Hải", "Hoàng Thu Hà"}
		var ids []int64
		for i, n := range names {
			in := register(m, fmt.Sprintf("S-%d", i), i)
			in.FullName = n
			r, err := s.RegisterVendor(ctx, a, in)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, r.Vendor.ID)
		}
		b := mt.Vendor(t, s, mB, "B-1", 99)
		list := func(f merchants.VendorFilter) []int64 {
			t.Helper()
			var out []int64
			for {
				page, err := s.ListVendors(ctx, a, f)
				if err != nil {
					t.Fatal(err)
				}
				for _, v := range page.Vendors {
					out = append(out, v.ID)
				}
				if page.NextCursor == "" {
					return out
				}
				f.Cursor = page.NextCursor
			}
		}
		tests := []struct {
			name string
			f    merchants.VendorFilter
			want []int64
		}{
			{"market, pages of two", merchants.VendorFilter{MarketID: m.ID, Limit: 2}, ids},
			{"commune", merchants.VendorFilter{CommuneCode: mt.CommuneB1}, []int64{b.ID}},
			{"province", merchants.VendorFilter{ProvinceCode: mt.ProvinceA}, ids},
			// Search folds diacritics on both sides: "Hà" also finds "Hải".
			{"name with diacritics", merchants.VendorFilter{MarketID: m.ID, Q: "Hà"}, []int64{ids[0], ids[2], ids[3], ids[4]}},
			{"name without diacritics", merchants.VendorFilter{MarketID: m.ID, Q: "ha"}, []int64{ids[0], ids[2], ids[3], ids[4]}},
			{"decomposed input", merchants.VendorFilter{MarketID: m.ID, Q: "Hoàng"}, []int64{ids[4]}},
			{"đ without diacritics", merchants.VendorFilter{Q: "duc"}, []int64{ids[1]}},
			{"full name, other case", merchants.VendorFilter{Q: "NGUYEN THI HA"}, []int64{ids[0], b.ID}},
			{"phone in another form", merchants.VendorFilter{Q: "+84 912 300 003"}, []int64{ids[3]}},
			{"wildcards are literal", merchants.VendorFilter{Q: "%"}, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if diff := cmp.Diff(tt.want, list(tt.f)); diff != "" {
					t.Errorf("vendor IDs (-want +got):\n%s", diff)
				}
			})
		}
		t.Run("bad cursor and limit", func(t *testing.T) {
			_, err := s.ListVendors(ctx, a, merchants.VendorFilter{Cursor: "nope", Limit: 100_000})
			if diff := cmp.Diff([]string{"cursor", "limit"}, fields(t, err)); diff != "" {
				t.Error(diff)
			}
		})
	})
}

func TestScope(t *testing.T) {
	eachDB(t, func(t *testing.T, s *merchants.Service, st *gormstore.Store) {
		ctx := context.Background()
		mA := mt.Market(t, s, mt.CommuneA1, 5)
		mB := mt.Market(t, s, mt.CommuneB1, 5)
		vA := mt.Vendor(t, s, mA, "A-1", 1)
		vB := mt.Vendor(t, s, mB, "B-1", 2)
		memberA := mt.Member(mt.CommuneA1)
		tests := []struct {
			name string
			call func() error
			want error
		}{
			{"member reads own vendor", func() error { _, err := s.Vendor(ctx, memberA, vA.ID); return err }, nil},
			{"member reads other commune's vendor", func() error { _, err := s.Vendor(ctx, memberA, vB.ID); return err }, merchants.ErrNotFound},
			{"member reads other commune's market", func() error { _, err := s.Market(ctx, memberA, mB.ID); return err }, merchants.ErrNotFound},
			{"member lists other commune", func() error {
				_, err := s.ListVendors(ctx, memberA, merchants.VendorFilter{CommuneCode: mt.CommuneB1})
				return err
			}, merchants.ErrNotFound},
			{"member lists other commune's market", func() error {
				_, err := s.ListVendors(ctx, memberA, merchants.VendorFilter{MarketID: mB.ID})
				return err
			}, merchants.ErrNotFound},
			{"member registers in other commune", func() error { _, err := s.RegisterVendor(ctx, memberA, register(mB, "B-2", 3)); return err }, merchants.ErrForbidden},
			{"member edits other commune's vendor", func() error {
				_, err := s.ConfirmTransacting(ctx, memberA, vB.ID)
				return err
			}, merchants.ErrForbidden},
			{"member creates a market", func() error {
				_, err := s.CreateMarket(ctx, memberA, merchants.CreateMarketInput{Name: "Chợ", CommuneCode: mt.CommuneA1})
				return err
			}, merchants.ErrForbidden},
			{"officer creates a market in other commune", func() error {
				_, err := s.CreateMarket(ctx, mt.CommuneOfficer(mt.CommuneA1), merchants.CreateMarketInput{Name: "Chợ", CommuneCode: mt.CommuneB1})
				return err
			}, merchants.ErrForbidden},
			{"province reads in province", func() error { _, err := s.Vendor(ctx, mt.ProvinceOfficer(mt.ProvinceA), vA.ID); return err }, nil},
			{"province reads other province", func() error { _, err := s.Vendor(ctx, mt.ProvinceOfficer(mt.ProvinceA), vB.ID); return err }, merchants.ErrNotFound},
			{"province edits a vendor", func() error {
				_, err := s.ConfirmTransacting(ctx, mt.ProvinceOfficer(mt.ProvinceA), vA.ID)
				return err
			}, merchants.ErrForbidden},
			{"nobody", func() error { _, err := s.Vendor(ctx, merchants.Actor{}, vA.ID); return err }, merchants.ErrUnauthenticated},
			{"non-admin creates a user", func() error {
				_, err := s.CreateUser(ctx, mt.CommuneOfficer(mt.CommuneA1), merchants.CreateUserInput{Username: "x", Password: "long enough pw", Role: merchants.RoleMember})
				return err
			}, merchants.ErrForbidden},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if err := tt.call(); !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
					t.Errorf("error %v, want %v", err, tt.want)
				}
			})
		}
		t.Run("lists keep to the scope", func(t *testing.T) {
			for _, a := range []merchants.Actor{memberA, mt.ProvinceOfficer(mt.ProvinceA)} {
				page, err := s.ListVendors(ctx, a, merchants.VendorFilter{})
				if err != nil || len(page.Vendors) != 1 || page.Vendors[0].ID != vA.ID {
					t.Errorf("%s lists %+v, %v", a.Role, page.Vendors, err)
				}
				mp, err := s.ListMarkets(ctx, a, merchants.MarketFilter{})
				if err != nil || len(mp.Markets) != 1 || mp.Markets[0].ID != mA.ID {
					t.Errorf("%s lists markets %+v, %v", a.Role, mp.Markets, err)
				}
			}
		})
	})
}

func TestMarketsAndStalls(t *testing.T) {
	eachDB(t, func(t *testing.T, s *merchants.Service, st *gormstore.Store) {
		ctx := context.Background()
		officer := mt.CommuneOfficer(mt.CommuneA1)
		m, err := s.CreateMarket(ctx, officer, merchants.CreateMarketInput{Code: "cho-a", Name: "Chợ  Đồng Xuân", CommuneCode: mt.CommuneA1,
			Class: 1, StallsDeclared: 2, FeeAccount: &merchants.PayeeAccount{BIN: "970436", AccountNumber: "1234567890", HolderName: "BQL cho Dong Xuan"}})
		if err != nil {
			t.Fatal(err)
		}
		if m.ProvinceCode != mt.ProvinceA || m.Name != "Chợ Đồng Xuân" || m.Code != "CHO-A" || m.FeeAccount.HolderName != "BQL CHO DONG XUAN" {
			t.Errorf("market %+v", m)
		}
		_, err = s.CreateMarket(ctx, officer, merchants.CreateMarketInput{Code: "CHO-A", Name: "Chợ", CommuneCode: mt.CommuneA1})
		if !errors.Is(err, merchants.ErrConflict) {
			t.Errorf("same code twice: %v", err)
		}
		_, err = s.CreateMarket(ctx, mt.Admin(), merchants.CreateMarketInput{CommuneCode: "99999", Class: 7, StallsDeclared: -1})
		if diff := cmp.Diff([]string{"name", "commune_code", "class", "stall_count"}, fields(t, err)); diff != "" {
			t.Error(diff)
		}
		_, err = s.CreateMarket(ctx, mt.Admin(), merchants.CreateMarketInput{Name: "Chợ", CommuneCode: mt.CommuneA1, ProvinceCode: mt.ProvinceB})
		if diff := cmp.Diff([]string{"province_code"}, fields(t, err)); diff != "" {
			t.Error(diff)
		}
		n := 5
		m, err = s.UpdateMarket(ctx, officer, m.ID, merchants.UpdateMarketInput{StallsDeclared: &n})
		if err != nil || m.StallsDeclared != 5 {
			t.Fatalf("update: %+v %v", m, err)
		}
		page, err := s.ListMarkets(ctx, officer, merchants.MarketFilter{Q: "dong xuan"})
		if err != nil || len(page.Markets) != 1 {
			t.Errorf("search markets: %+v %v", page, err)
		}

		member := mt.Member(mt.CommuneA1)
		stall, err := s.CreateStall(ctx, member, merchants.CreateStallInput{MarketID: m.ID, Code: "rau-1", Category: "Rau củ"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateStall(ctx, member, merchants.CreateStallInput{MarketID: m.ID, Code: "RAU-1"}); !errors.Is(err, merchants.ErrConflict) {
			t.Errorf("same stall code twice: %v", err)
		}
		v := mt.Vendor(t, s, m, "RAU-1", 1)
		closed := merchants.StallClosed
		_, err = s.UpdateStall(ctx, member, stall.ID, merchants.UpdateStallInput{Status: &closed})
		if diff := cmp.Diff([]string{"status"}, fields(t, err)); diff != "" {
			t.Errorf("closing an occupied stall: %s", diff)
		}
		if _, err := s.DeactivateVendor(ctx, officer, v.ID); err != nil {
			t.Fatal(err)
		}
		if _, err = s.UpdateStall(ctx, member, stall.ID, merchants.UpdateStallInput{Status: &closed}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RegisterVendor(ctx, member, register(m, "RAU-1", 2)); len(fields(t, err)) != 1 {
			t.Errorf("registering on a closed stall: %v", err)
		}
		sp, err := s.ListStalls(ctx, member, merchants.StallFilter{MarketID: m.ID})
		if err != nil || len(sp.Stalls) != 1 || sp.Stalls[0].Status != merchants.StallClosed {
			t.Errorf("stalls %+v %v", sp, err)
		}
		checkCounts(t, st, m.ID, merchants.MarketCounts{StallsDeclared: 5})
	})
}

func TestUsersAndSessions(t *testing.T) {
	eachDB(t, func(t *testing.T, s *merchants.Service, st *gormstore.Store) {
		ctx := context.Background()
		u, err := s.CreateUser(ctx, mt.Admin(), merchants.CreateUserInput{Username: "Lan.Member", Password: "mật khẩu dài", DisplayName: "Lan",
			Role: merchants.RoleMember, CommuneCodes: []string{mt.CommuneA1, mt.CommuneA2, mt.CommuneA1}})
		if err != nil {
			t.Fatal(err)
		}
		if u.Username != "lan.member" || !cmp.Equal(u.CommuneCodes, []string{mt.CommuneA1, mt.CommuneA2}) {
			t.Errorf("user %+v", u)
		}
		_, err = s.CreateUser(ctx, mt.Admin(), merchants.CreateUserInput{Username: "lan.member", Password: "another long one", Role: merchants.RoleAdmin})
		if !errors.Is(err, merchants.ErrConflict) {
			t.Errorf("same username: %v", err)
		}
		_, err = s.CreateUser(ctx, mt.Admin(), merchants.CreateUserInput{Username: "x", Password: "short", Role: "boss", CommuneCodes: []string{"x"}})
		if diff := cmp.Diff([]string{"username", "password", "role"}, fields(t, err)); diff != "" {
			t.Error(diff)
		}
		_, err = s.CreateUser(ctx, mt.Admin(), merchants.CreateUserInput{Username: "prov", Password: "long enough pw", Role: merchants.RoleProvince})
		if diff := cmp.Diff([]string{"province_code"}, fields(t, err)); diff != "" {
			t.Error(diff)
		}

		for _, tt := range []struct{ name, user, pass string }{
			{"wrong password", "lan.member", "mật khẩu sai"},
			{"unknown user", "nobody", "mật khẩu dài"},
		} {
			if _, err := s.Login(ctx, tt.user, tt.pass); !errors.Is(err, merchants.ErrUnauthenticated) {
				t.Errorf("%s: %v", tt.name, err)
			}
		}
		res, err := s.Login(ctx, "LAN.MEMBER", "mật khẩu dài")
		if err != nil {
			t.Fatal(err)
		}
		actor, err := s.Authenticate(ctx, res.Token)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(u.Actor(), actor); diff != "" {
			t.Errorf("actor (-want +got):\n%s", diff)
		}
		if _, err := s.Authenticate(ctx, res.Token+"x"); !errors.Is(err, merchants.ErrUnauthenticated) {
			t.Errorf("altered token: %v", err)
		}
		if err := s.Logout(ctx, res.Token); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, res.Token); !errors.Is(err, merchants.ErrUnauthenticated) {
			t.Errorf("token after logout: %v", err)
		}
	})
}

func TestVendorLinks(t *testing.T) {
	eachDB(t, func(t *testing.T, s *merchants.Service, st *gormstore.Store) {
		ctx := context.Background()
		member := mt.Member(mt.CommuneA1)
		m := mt.Market(t, s, mt.CommuneA1, 5)
		v := mt.Vendor(t, s, m, "A-1", 1)
		link, token, err := s.CreateVendorLink(ctx, member, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(token) < 40 {
			t.Errorf("token %q is too short to be unguessable", token)
		}
		got, err := s.VendorByLink(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != v.ID || got.Payload != v.Payload || strings.Contains(got.Accounts[0].AccountNumber, "00110012") {
			t.Errorf("vendor by link: id %d, payload %q, account %q", got.ID, got.Payload, got.Accounts[0].AccountNumber)
		}
		if err := s.RevokeVendorLink(ctx, mt.Member(mt.CommuneB1), link.ID); !errors.Is(err, merchants.ErrForbidden) {
			t.Errorf("revoking out of scope: %v", err)
		}
		if err := s.RevokeVendorLink(ctx, member, link.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.VendorByLink(ctx, token); !errors.Is(err, merchants.ErrNotFound) {
			t.Errorf("revoked link: %v", err)
		}
		if _, err := s.VendorByLink(ctx, "guess"); !errors.Is(err, merchants.ErrNotFound) {
			t.Errorf("unknown token: %v", err)
		}
	})
}

func TestListVendorLinks(t *testing.T) {
	// linkView is what the list shows of a link: no token, no hash.
	type linkView struct {
		ID, VendorID, CreatedBy int64
		Revoked                 bool
	}
	view := func(ls []merchants.VendorLink) []linkView {
		var out []linkView
		for _, l := range ls {
			out = append(out, linkView{ID: l.ID, VendorID: l.VendorID, CreatedBy: l.CreatedBy, Revoked: l.RevokedAt != nil})
		}
		return out
	}
	eachDB(t, func(t *testing.T, s *merchants.Service, st *gormstore.Store) {
		ctx := context.Background()
		member := mt.Member(mt.CommuneA1)
		m := mt.Market(t, s, mt.CommuneA1, 5)
		v := mt.Vendor(t, s, m, "A-1", 1)
		other := mt.Vendor(t, s, m, "A-2", 2)
		bare := mt.Vendor(t, s, m, "A-3", 3)
		var ids []int64
		for range 2 {
			l, _, err := s.CreateVendorLink(ctx, member, v.ID)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, l.ID)
		}
		otherLink, _, err := s.CreateVendorLink(ctx, member, other.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.RevokeVendorLink(ctx, member, ids[0]); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name    string
			actor   merchants.Actor
			vendor  int64
			want    []linkView
			wantErr error
		}{
			{"revoked and active, oldest first", member, v.ID, []linkView{{ids[0], v.ID, member.UserID, true}, {ids[1], v.ID, member.UserID, false}}, nil},
			{"only the vendor's own links", member, other.ID, []linkView{{otherLink.ID, other.ID, member.UserID, false}}, nil},
			{"a vendor without links", member, bare.ID, nil, nil},
			{"a commune officer reads them too", mt.CommuneOfficer(mt.CommuneA1), other.ID, []linkView{{otherLink.ID, other.ID, member.UserID, false}}, nil},
			{"out of scope is not found", mt.Member(mt.CommuneB1), v.ID, nil, merchants.ErrNotFound},
			{"unknown vendor is not found", member, 1 << 40, nil, merchants.ErrNotFound},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				got, err := s.VendorLinks(ctx, tc.actor, tc.vendor)
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("error %v, want %v", err, tc.wantErr)
				}
				if diff := cmp.Diff(tc.want, view(got)); diff != "" {
					t.Errorf("links (-want +got):\n%s", diff)
				}
			})
		}
	})
}

func TestAuditMasksAccounts(t *testing.T) {
	eachDB(t, func(t *testing.T, s *merchants.Service, st *gormstore.Store) {
		ctx := context.Background()
		m := mt.Market(t, s, mt.CommuneA1, 5)
		v := mt.Vendor(t, s, m, "A-1", 1)
		if _, err := s.DeactivateVendor(ctx, mt.CommuneOfficer(mt.CommuneA1), v.ID); err != nil {
			t.Fatal(err)
		}
		page, err := s.AuditLog(ctx, mt.CommuneOfficer(mt.CommuneA1), merchants.AuditFilter{MarketID: m.ID})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range page.Entries {
			got = append(got, e.Action+" "+e.Entity)
			for _, j := range [][]byte{e.Before, e.After} {
				if strings.Contains(string(j), mt.BankAccount(1).AccountNumber) {
					t.Errorf("audit entry %d holds the full account number: %s", e.ID, j)
				}
			}
		}
		want := []string{"deactivate vendor", "register vendor", "create stall", "create market"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("audit (-want +got):\n%s", diff)
		}
		last := page.Entries[0]
		if !strings.Contains(string(last.Before), `"status":"active"`) || !strings.Contains(string(last.After), `"status":"inactive"`) ||
			!strings.Contains(string(last.After), "•4567") && !strings.Contains(string(last.After), "•0001") {
			t.Errorf("deactivation before %s after %s", last.Before, last.After)
		}
		if _, err := s.AuditLog(ctx, mt.Member(mt.CommuneA1), merchants.AuditFilter{}); !errors.Is(err, merchants.ErrForbidden) {
			t.Errorf("member reading the whole log: %v", err)
		}
	})
}

// TestConcurrentRegistration registers the same stall, and the same bank
// account at different markets, from many goroutines at once: exactly one
// wins, every other gets ErrConflict.
func TestConcurrentRegistration(t *testing.T) {
	eachDB(t, func(t *testing.T, s *merchants.Service, st *gormstore.Store) {
		ctx := context.Background()
		const n = 8
		var markets []merchants.Market
		for range n {
			markets = append(markets, mt.Market(t, s, mt.CommuneA1, 10))
		}
		tests := []struct {
			name string
			in   func(i int) merchants.RegisterVendorInput
		}{
			{"same stall", func(i int) merchants.RegisterVendorInput { return register(markets[0], "X-1", 100+i) }},
			{"same bank account", func(i int) merchants.RegisterVendorInput { return register(markets[i], "Y-1", 7) }},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var wg sync.WaitGroup
				errs := make([]error, n)
				for i := range n {
					wg.Go(func() {
						_, errs[i] = s.RegisterVendor(ctx, mt.Admin(), tt.in(i))
					})
				}
				wg.Wait()
				wins := 0
				for _, err := range errs {
					switch {
					case err == nil:
						wins++
					case !errors.Is(err, merchants.ErrConflict):
						t.Errorf("error %v, want ErrConflict", err)
					}
				}
				if wins != 1 {
					t.Errorf("%d registrations won, want exactly 1", wins)
				}
			})
		}
		for _, m := range markets {
			cs, err := st.RecountMarkets(ctx, merchants.UnitFilter{MarketIDs: []int64{m.ID}})
			if err != nil {
				t.Fatal(err)
			}
			checkCounts(t, st, m.ID, merchants.MarketCounts{StallsDeclared: 10, StallsActive: cs[0].StallsActive,
				StallsWithQR: cs[0].Vendors, Vendors: cs[0].Vendors, VendorsWithQR: cs[0].Vendors})
		}
	})
}
