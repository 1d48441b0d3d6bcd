package merchants_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sapqr/sapqr/merchants"
	"github.com/sapqr/sapqr/merchants/gormstore"
	mt "github.com/sapqr/sapqr/merchants/merchantstest"
)

func TestSessionExpiry(t *testing.T) {
	for _, db := range mt.Databases() {
		t.Run(db, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			now := time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC)
			cfg := mt.Config()
			cfg.Now = func() time.Time { return now }
			cfg.SessionTTL = time.Hour
			s := merchants.NewService(mt.NewStoreOn(t, db), cfg)
			if _, err := s.CreateUser(ctx, mt.Admin(), merchants.CreateUserInput{Username: "an.officer", Password: "mật khẩu dài", Role: merchants.RoleProvince, ProvinceCode: "01"}); err != nil {
				t.Fatal(err)
			}
			res, err := s.Login(ctx, "an.officer", "mật khẩu dài")
			if err != nil {
				t.Fatal(err)
			}
			if !res.ExpiresAt.Equal(now.Add(time.Hour)) {
				t.Errorf("expires at %v", res.ExpiresAt)
			}
			now = now.Add(59 * time.Minute)
			if a, err := s.Authenticate(ctx, res.Token); err != nil || a.ProvinceCode != "01" {
				t.Errorf("before expiry: %+v, %v", a, err)
			}
			now = now.Add(time.Minute)
			if _, err := s.Authenticate(ctx, res.Token); !errors.Is(err, merchants.ErrUnauthenticated) {
				t.Errorf("at expiry: %v", err)
			}
			if n, err := s.PurgeSessions(ctx); err != nil || n != 0 {
				t.Errorf("purge at the expiry instant: %d, %v; want nothing purged", n, err)
			}
			now = now.Add(time.Second)
			if n, err := s.PurgeSessions(ctx); err != nil || n != 1 {
				t.Errorf("purge after expiry: %d, %v; want 1", n, err)
			}
		})
	}
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

func TestUpdateMarketScopeAndValidation(t *testing.T) {
	eachDB(t, func(t *testing.T, s *merchants.Service, st *gormstore.Store) {
		ctx := context.Background()
		m := mt.Market(t, s, mt.CommuneA1, 5)
		name, class, count := "", 9, -3
		_, err := s.UpdateMarket(ctx, mt.CommuneOfficer(mt.CommuneA1), m.ID, merchants.UpdateMarketInput{Name: &name, Class: &class, StallsDeclared: &count})
		if got := fields(t, err); len(got) != 3 {
			t.Errorf("fields %v, want name, class and stall_count", got)
		}
		if _, err := s.UpdateMarket(ctx, mt.CommuneOfficer(mt.CommuneB1), m.ID, merchants.UpdateMarketInput{}); !errors.Is(err, merchants.ErrForbidden) {
			t.Errorf("officer of another commune: %v", err)
		}
		if _, err := s.UpdateMarket(ctx, mt.Member(mt.CommuneA1), m.ID, merchants.UpdateMarketInput{}); !errors.Is(err, merchants.ErrForbidden) {
			t.Errorf("member: %v", err)
		}
		got, err := s.Market(ctx, mt.Admin(), m.ID)
		if err != nil || got.Name != m.Name || got.Class != m.Class || got.StallsDeclared != 5 {
			t.Errorf("market changed by refused updates: %+v, %v", got, err)
		}
	})
}

func TestListMarkets(t *testing.T) {
	eachDB(t, func(t *testing.T, s *merchants.Service, st *gormstore.Store) {
		ctx := context.Background()
		var a1 []int64
		for range 5 {
			a1 = append(a1, mt.Market(t, s, mt.CommuneA1, 1).ID)
		}
		a2 := mt.Market(t, s, mt.CommuneA2, 1).ID
		b1 := mt.Market(t, s, mt.CommuneB1, 1).ID
		list := func(a merchants.Actor, f merchants.MarketFilter) ([]int64, error) {
			var out []int64
			for {
				page, err := s.ListMarkets(ctx, a, f)
				if err != nil {
					return out, err
				}
				for _, m := range page.Markets {
					out = append(out, m.ID)
				}
				if page.NextCursor == "" {
					return out, nil
				}
				f.Cursor = page.NextCursor
			}
		}
		tests := []struct {
			name string
			a    merchants.Actor
			f    merchants.MarketFilter
			want []int64
			err  error
		}{
			{"admin, pages of two", mt.Admin(), merchants.MarketFilter{Limit: 2}, append(append(a1[:5:5], a2), b1), nil},
			{"admin, one commune", mt.Admin(), merchants.MarketFilter{CommuneCode: mt.CommuneA2}, []int64{a2}, nil},
			{"member of two communes", mt.Member(mt.CommuneA2, mt.CommuneB1), merchants.MarketFilter{}, []int64{a2, b1}, nil},
			{"member asks for another commune", mt.Member(mt.CommuneA2), merchants.MarketFilter{CommuneCode: mt.CommuneA1}, nil, merchants.ErrNotFound},
			{"province officer", mt.ProvinceOfficer(mt.ProvinceB), merchants.MarketFilter{}, []int64{b1}, nil},
			{"province officer asks for another province", mt.ProvinceOfficer(mt.ProvinceB), merchants.MarketFilter{ProvinceCode: mt.ProvinceA}, nil, merchants.ErrNotFound},
			{"province officer, commune of another province", mt.ProvinceOfficer(mt.ProvinceB), merchants.MarketFilter{CommuneCode: mt.CommuneA1}, nil, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := list(tt.a, tt.f)
				if !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
					t.Fatalf("error %v, want %v", err, tt.err)
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("markets (-want +got):\n%s", diff)
				}
			})
		}
	})
}

func TestCreateMarketWithoutUnitDirectory(t *testing.T) {
	cfg := mt.Config()
	cfg.Units = nil
	s := merchants.NewService(mt.NewStore(t), cfg)
	ctx := context.Background()
	_, err := s.CreateMarket(ctx, mt.Admin(), merchants.CreateMarketInput{Name: "Chợ", CommuneCode: "00004"})
	if diff := cmp.Diff([]string{"province_code"}, fields(t, err)); diff != "" {
		t.Error(diff)
	}
	m, err := s.CreateMarket(ctx, mt.Admin(), merchants.CreateMarketInput{Name: "Chợ", CommuneCode: "00004", ProvinceCode: "01"})
	if err != nil || m.ProvinceCode != "01" {
		t.Errorf("with a province code: %+v, %v", m, err)
	}
}
