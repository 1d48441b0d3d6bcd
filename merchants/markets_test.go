package merchants_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sapqr/sapqr/merchants"
	"github.com/sapqr/sapqr/merchants/gormstore"
	mt "github.com/sapqr/sapqr/merchants/merchantstest"
)

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
