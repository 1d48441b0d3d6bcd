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

// keyed is register(m, stall, n) with a request key.
func keyed(m merchants.Market, stall string, n int, key string) merchants.RegisterVendorInput {
	in := register(m, stall, n)
	in.RequestKey = key
	return in
}

// activeVendors counts the active vendors of m.
func activeVendors(t *testing.T, s *merchants.Service, m merchants.Market) int {
	t.Helper()
	page, err := s.ListVendors(context.Background(), mt.Admin(), merchants.VendorFilter{MarketID: m.ID})
	if err != nil {
		t.Fatal(err)
	}
	return len(page.Vendors)
}

func TestRegisterVendorRequestKey(t *testing.T) {
	member, officer := mt.Member(mt.CommuneA1), mt.CommuneOfficer(mt.CommuneA1)
	tests := []struct {
		name string
		// first is registered, then retry; m2 is a second market.
		first, retry func(m, m2 merchants.Market) (merchants.Actor, merchants.RegisterVendorInput)
		wantSame     bool  // the retry returns the first vendor
		wantErr      error // else the retry's error
		wantVendors  int   // active vendors of m after both
	}{
		{
			name: "same user and key: the first vendor",
			first: func(m, _ merchants.Market) (merchants.Actor, merchants.RegisterVendorInput) {
				return member, keyed(m, "A-1", 1, "k-1")
			},
			retry: func(m, _ merchants.Market) (merchants.Actor, merchants.RegisterVendorInput) {
				return member, keyed(m, "A-1", 1, "k-1")
			},
			wantSame: true, wantVendors: 1,
		},
		{
			name: "same key, another user: keys are per user",
			first: func(m, _ merchants.Market) (merchants.Actor, merchants.RegisterVendorInput) {
				return member, keyed(m, "A-1", 1, "k-1")
			},
			retry: func(m, _ merchants.Market) (merchants.Actor, merchants.RegisterVendorInput) {
				return officer, keyed(m, "A-1", 1, "k-1")
			},
			wantErr: merchants.ErrConflict, wantVendors: 1,
		},
		{
			name: "no key: the stall is taken",
			first: func(m, _ merchants.Market) (merchants.Actor, merchants.RegisterVendorInput) {
				return member, register(m, "A-1", 1)
			},
			retry: func(m, _ merchants.Market) (merchants.Actor, merchants.RegisterVendorInput) {
				return member, register(m, "A-1", 1)
			},
			wantErr: merchants.ErrConflict, wantVendors: 1,
		},
		{
			name: "another key: the stall is taken",
			first: func(m, _ merchants.Market) (merchants.Actor, merchants.RegisterVendorInput) {
				return member, keyed(m, "A-1", 1, "k-1")
			},
			retry: func(m, _ merchants.Market) (merchants.Actor, merchants.RegisterVendorInput) {
				return member, keyed(m, "A-1", 1, "k-2")
			},
			wantErr: merchants.ErrConflict, wantVendors: 1,
		},
		{
			name: "same key at another stall: refused",
			first: func(m, _ merchants.Market) (merchants.Actor, merchants.RegisterVendorInput) {
				return member, keyed(m, "A-1", 1, "k-1")
			},
			retry: func(m, _ merchants.Market) (merchants.Actor, merchants.RegisterVendorInput) {
				return member, keyed(m, "A-2", 2, "k-1")
			},
			wantErr: merchants.ErrConflict, wantVendors: 1,
		},
		{
			// The stall is free, so only the unique index on the key
			// refuses the second vendor.
			name: "same key at another market: refused by the key's index",
			first: func(m, _ merchants.Market) (merchants.Actor, merchants.RegisterVendorInput) {
				return member, keyed(m, "A-1", 1, "k-1")
			},
			retry: func(_, m2 merchants.Market) (merchants.Actor, merchants.RegisterVendorInput) {
				return member, keyed(m2, "A-1", 2, "k-1")
			},
			wantErr: merchants.ErrConflict, wantVendors: 1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			eachDB(t, func(t *testing.T, s *merchants.Service, _ *gormstore.Store) {
				ctx := context.Background()
				m, m2 := mt.Market(t, s, mt.CommuneA1, 5), mt.Market(t, s, mt.CommuneA1, 5)
				a, in := tc.first(m, m2)
				first, err := s.RegisterVendor(ctx, a, in)
				if err != nil {
					t.Fatal(err)
				}
				a, in = tc.retry(m, m2)
				got, err := s.RegisterVendor(ctx, a, in)
				switch {
				case tc.wantSame && err != nil:
					t.Fatalf("retry: %v, want the first vendor", err)
				case tc.wantSame:
					if got.Vendor.ID != first.Vendor.ID || got.Payload != first.Payload || got.Payload == "" {
						t.Errorf("retry: vendor %d payload %q, want vendor %d payload %q", got.Vendor.ID, got.Payload, first.Vendor.ID, first.Payload)
					}
					if diff := cmp.Diff(first.Vendor, got.Vendor); diff != "" {
						t.Errorf("retry's vendor differs from the first (-first +retry):\n%s", diff)
					}
				case !errors.Is(err, tc.wantErr):
					t.Errorf("retry: %+v, %v; want %v", got.Vendor, err, tc.wantErr)
				}
				if n := activeVendors(t, s, m); n != tc.wantVendors {
					t.Errorf("market has %d active vendors, want %d", n, tc.wantVendors)
				}
				if n := activeVendors(t, s, m2); n != 0 && tc.wantErr != nil {
					t.Errorf("second market has %d active vendors, want 0", n)
				}
			})
		})
	}
}

// TestRegisterVendorRequestKeyRace sends one registration several times at
// once, as a client retrying before its first attempt answered: every
// attempt gets the one vendor.
func TestRegisterVendorRequestKeyRace(t *testing.T) {
	eachDB(t, func(t *testing.T, s *merchants.Service, _ *gormstore.Store) {
		ctx := context.Background()
		a := mt.Member(mt.CommuneA1)
		m := mt.Market(t, s, mt.CommuneA1, 5)
		const n = 6
		ids := make([]int64, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				res, err := s.RegisterVendor(ctx, a, keyed(m, "A-1", 1, "race"))
				ids[i], errs[i] = res.Vendor.ID, err
			})
		}
		wg.Wait()
		for i := range n {
			if errs[i] != nil {
				t.Errorf("attempt %d: %v", i, errs[i])
			} else if ids[i] != ids[0] {
				t.Errorf("attempt %d: vendor %d, attempt 0: vendor %d", i, ids[i], ids[0])
			}
		}
		if got := activeVendors(t, s, m); got != 1 {
			t.Errorf("market has %d active vendors, want 1", got)
		}
	})
}

func TestRegisterVendorRequestKeyTooLong(t *testing.T) {
	eachDB(t, func(t *testing.T, s *merchants.Service, _ *gormstore.Store) {
		m := mt.Market(t, s, mt.CommuneA1, 5)
		_, err := s.RegisterVendor(context.Background(), mt.Member(mt.CommuneA1), keyed(m, "A-1", 1, strings.Repeat("k", 256)))
		if diff := cmp.Diff([]string{"request_key"}, fields(t, err)); diff != "" {
			t.Errorf("fields (-want +got):\n%s", diff)
		}
		if n := activeVendors(t, s, m); n != 0 {
			t.Errorf("market has %d active vendors, want 0", n)
		}
	})
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
		in.BankAccount.Verify = nil                                          // the fixture's name check is for another holder
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

// TestRegisterVendorCountsByDelta walks one market through every state a
// registration can meet, mixed with the changes that recount the market,
// and checks after each step that the newest outbox event, which a
// registration computes from the counts kept with the market plus its
// delta, equals a fresh recount from the base tables. Stalls assigned to
// and released from a vendor with several are among those states.
func TestRegisterVendorCountsByDelta(t *testing.T) {
	eachDB(t, func(t *testing.T, s *merchants.Service, st *gormstore.Store) {
		ctx := context.Background()
		a := mt.Admin()
		m := mt.Market(t, s, mt.CommuneA1, 6)
		vacant, closed := merchants.StallVacant, merchants.StallClosed
		var first, second, multi merchants.Vendor
		steps := []struct {
			name string
			run  func() error
		}{
			{"new stall created", func() (err error) {
				r, err := s.RegisterVendor(ctx, a, register(m, "A-1", 1))
				first = r.Vendor
				return err
			}},
			{"existing active stall", func() error {
				if _, err := s.CreateStall(ctx, a, merchants.CreateStallInput{MarketID: m.ID, Code: "A-2"}); err != nil {
					return err
				}
				r, err := s.RegisterVendor(ctx, a, register(m, "A-2", 2))
				second = r.Vendor
				return err
			}},
			{"vacant stall reopened", func() error {
				if _, err := s.CreateStall(ctx, a, merchants.CreateStallInput{MarketID: m.ID, Code: "A-3", Status: vacant}); err != nil {
					return err
				}
				_, err := s.RegisterVendor(ctx, a, register(m, "A-3", 3))
				return err
			}},
			{"after a confirmed payment and a printed sign", func() error {
				if _, err := s.ConfirmTransacting(ctx, a, first.ID); err != nil {
					return err
				}
				if _, err := s.RecordSignPrint(ctx, a, second.ID, merchants.SignNew); err != nil {
					return err
				}
				_, err := s.RegisterVendor(ctx, a, register(m, "A-4", 4))
				return err
			}},
			{"stall and account freed by a removal", func() error {
				if _, err := s.DeactivateVendor(ctx, a, first.ID); err != nil {
					return err
				}
				_, err := s.RegisterVendor(ctx, a, register(m, "A-1", 1))
				return err
			}},
			{"after a stall closed and the declared count raised", func() error {
				st5, err := s.CreateStall(ctx, a, merchants.CreateStallInput{MarketID: m.ID, Code: "A-5"})
				if err != nil {
					return err
				}
				if _, err := s.UpdateStall(ctx, a, st5.ID, merchants.UpdateStallInput{Status: &closed}); err != nil {
					return err
				}
				n := 8
				if _, err := s.UpdateMarket(ctx, a, m.ID, merchants.UpdateMarketInput{StallsDeclared: &n}); err != nil {
					return err
				}
				_, err = s.RegisterVendor(ctx, a, register(m, "A-6", 6))
				return err
			}},
			{"vendor moved to another stall", func() error {
				code := "A-7"
				if _, err := s.UpdateVendor(ctx, a, second.ID, merchants.UpdateVendorInput{StallCode: &code}); err != nil {
					return err
				}
				_, err := s.RegisterVendor(ctx, a, register(m, "A-2", 7))
				return err
			}},
			{"after a vendor was given a new stall and a free one", func() (err error) {
				n := 14
				if _, err := s.UpdateMarket(ctx, a, m.ID, merchants.UpdateMarketInput{StallsDeclared: &n}); err != nil {
					return err
				}
				r, err := s.RegisterVendor(ctx, a, register(m, "M-1", 11))
				if err != nil {
					return err
				}
				multi = r.Vendor
				if _, err := s.AssignStall(ctx, a, multi.ID, "M-2"); err != nil {
					return err
				}
				if _, err := s.CreateStall(ctx, a, merchants.CreateStallInput{MarketID: m.ID, Code: "M-0"}); err != nil {
					return err
				}
				if _, err := s.AssignStall(ctx, a, multi.ID, "M-0"); err != nil {
					return err
				}
				_, err = s.RegisterVendor(ctx, a, register(m, "M-3", 12))
				return err
			}},
			{"on the main stall a vendor released", func() error {
				if _, err := s.ReleaseStall(ctx, a, multi.ID, multi.StallID); err != nil {
					return err
				}
				_, err := s.RegisterVendor(ctx, a, register(m, "M-1", 13))
				return err
			}},
			{"after a held stall became main", func() error {
				code := "M-0"
				if _, err := s.UpdateVendor(ctx, a, multi.ID, merchants.UpdateVendorInput{StallCode: &code}); err != nil {
					return err
				}
				_, err := s.RegisterVendor(ctx, a, register(m, "M-4", 14))
				return err
			}},
			{"on a stall of a removed vendor with several", func() error {
				vacant := merchants.StallVacant
				if _, err := s.AssignStall(ctx, a, multi.ID, "M-5"); err != nil {
					return err
				}
				if _, err := s.DeactivateVendor(ctx, a, multi.ID); err != nil {
					return err
				}
				m5 := stallOf(t, s, m, "M-5")
				if _, err := s.UpdateStall(ctx, a, m5.ID, merchants.UpdateStallInput{Status: &vacant}); err != nil {
					return err
				}
				if _, err := s.RegisterVendor(ctx, a, register(m, "M-2", 15)); err != nil {
					return err
				}
				_, err := s.RegisterVendor(ctx, a, register(m, "M-5", 16))
				return err
			}},
			{"after a writer that bumps the version without keeping the counts", func() error {
				// What a replica running the code from before the kept
				// counts does during a rolling upgrade: it changes a market
				// and bumps its version, and leaves the kept counts alone.
				for _, q := range []string{
					fmt.Sprintf("UPDATE vendors SET status = 'inactive' WHERE id = %d", second.ID),
					fmt.Sprintf("UPDATE bank_accounts SET active = FALSE WHERE vendor_id = %d", second.ID),
					fmt.Sprintf("UPDATE markets SET counter_version = counter_version + 1 WHERE id = %d", m.ID),
				} {
					if _, err := st.DB().ExecContext(ctx, q); err != nil {
						return err
					}
				}
				_, err := s.RegisterVendor(ctx, a, register(m, "A-8", 8))
				return err
			}},
		}
		for i, step := range steps {
			if err := step.run(); err != nil {
				t.Fatalf("%s: %v", step.name, err)
			}
			newestIsRecount(t, st, m.ID, step.name)
			if i < len(steps)-1 { // the last step's writer knows no stall holdings
				mt.CheckHoldings(t, st.DB())
			}
		}
	})
}

// newestIsRecount compares the market's newest outbox event with a fresh
// recount of the base tables.
func newestIsRecount(t *testing.T, st *gormstore.Store, marketID int64, step string) {
	t.Helper()
	ctx := context.Background()
	cs, err := st.RecountMarkets(ctx, merchants.UnitFilter{MarketIDs: []int64{marketID}})
	if err != nil || len(cs) != 1 {
		t.Fatalf("%s: recount: %v %v", step, cs, err)
	}
	evs, err := st.PendingCounterEvents(ctx, 10_000)
	if err != nil {
		t.Fatal(err)
	}
	var newest merchants.MarketCounts
	for _, e := range evs {
		if e.Counts.MarketID == marketID && e.Counts.Version > newest.Version {
			newest = e.Counts
		}
	}
	if diff := cmp.Diff(cs[0], newest); diff != "" {
		t.Errorf("%s: newest outbox event differs from a recount (-recount +event):\n%s", step, diff)
	}
}
