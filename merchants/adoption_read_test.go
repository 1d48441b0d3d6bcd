package merchants_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/sapqr/sapqr/merchants"
)

func TestAdoptionSources(t *testing.T) {
	ctx := context.Background()
	a := market(1, "01", "00004", 10, 8)
	scenarios := []struct {
		name    string
		prepare func(store *fakeStore, c *countingCounters, svc *merchants.AdoptionService)
		want    merchants.Source
	}{
		{"cold counters read the database", func(*fakeStore, *countingCounters, *merchants.AdoptionService) {}, merchants.SourceDatabase},
		{"built and drained counters are the cache", func(s *fakeStore, c *countingCounters, svc *merchants.AdoptionService) {
			svc.Rebuild(ctx)
		}, merchants.SourceCache},
		{"a few pending events are laid over the cache", func(s *fakeStore, c *countingCounters, svc *merchants.AdoptionService) {
			svc.Rebuild(ctx)
			s.change(market(1, "01", "00004", 10, 9))
			s.change(market(1, "01", "00004", 10, 10))
		}, merchants.SourceCache},
		{"a backlog of a batch or more reads the database", func(s *fakeStore, c *countingCounters, svc *merchants.AdoptionService) {
			svc.Rebuild(ctx)
			s.change(market(1, "01", "00004", 10, 9))
			s.change(market(2, "79", "26734", 10, 9))
			s.change(market(1, "01", "00004", 10, 10))
		}, merchants.SourceDatabase},
		{"pending events elsewhere do not matter", func(s *fakeStore, c *countingCounters, svc *merchants.AdoptionService) {
			svc.Rebuild(ctx)
			s.change(market(2, "79", "26734", 10, 9))
		}, merchants.SourceCache},
		{"the market's row behind a batch of others' is still seen", func(s *fakeStore, c *countingCounters, svc *merchants.AdoptionService) {
			svc.Rebuild(ctx)
			for i := range 3 {
				s.change(market(2, "79", "26734", 10, int64(i)))
			}
			s.change(market(1, "01", "00004", 10, 9))
		}, merchants.SourceDatabase},
		{"a backlog of other markets only is the cache", func(s *fakeStore, c *countingCounters, svc *merchants.AdoptionService) {
			svc.Rebuild(ctx)
			for i := range 4 {
				s.change(market(2, "79", "26734", 10, int64(i)))
			}
		}, merchants.SourceCache},
		{"unreachable counters read the database", func(s *fakeStore, c *countingCounters, svc *merchants.AdoptionService) {
			svc.Rebuild(ctx)
			c.down = true
		}, merchants.SourceDatabase},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			store, counters, svc := setup(t)
			store.change(a)
			store.outbox = nil // applied by the rebuild of the scenario, if any
			sc.prepare(store, counters, svc)
			got, err := svc.Market(ctx, 1)
			if err != nil {
				t.Fatal(err)
			}
			if got.Source != sc.want {
				t.Errorf("source = %q, want %q", got.Source, sc.want)
			}
			// Whatever the source, the figures are the database's.
			db, _ := store.RecountMarkets(ctx, merchants.UnitFilter{MarketIDs: []int64{1}})
			want := db[0]
			if got.Vendors != want.Vendors || got.StallsWithQR != want.StallsWithQR {
				t.Errorf("figures %+v, want those of %+v", got, want)
			}
		})
	}
	_, _, svc := setup(t)
	if _, err := svc.Market(ctx, 404); !errors.Is(err, merchants.ErrNotFound) {
		t.Errorf("Market(404) error = %v, want ErrNotFound", err)
	}
}

func TestDerivedFigures(t *testing.T) {
	ctx := context.Background()
	store, _, svc := setup(t)
	store.thresholds["79"] = 0.5
	for _, c := range []merchants.MarketCounts{
		market(1, "01", "00004", 5, 4),    // 4 of 5 = 0.8: reaches the default threshold exactly
		market(2, "01", "00004", 100, 79), // 0.79: does not
		market(3, "01", "00008", 0, 0),    // no active stall: rate 0, never chợ 4.0
		market(4, "79", "26734", 10, 5),   // 0.5 reaches province 79's threshold
	} {
		store.change(c)
	}
	store.outbox = nil
	if _, err := svc.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	rows, err := svc.Markets(ctx, merchants.UnitFilter{})
	if err != nil {
		t.Fatal(err)
	}
	type derived struct {
		ID        int64
		QRRate    float64
		Cho40     bool
		Threshold float64
	}
	var got []derived
	for _, r := range rows {
		got = append(got, derived{r.MarketID, r.QRRate, r.Cho40, r.Threshold})
	}
	want := []derived{{1, 0.8, true, 0.8}, {2, 0.79, false, 0.8}, {3, 0, false, 0.8}, {4, 0.5, true, 0.5}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("derived figures (-want +got):\n%s", diff)
	}

	units := []struct {
		f    merchants.UnitFilter
		want merchants.UnitAdoption
	}{
		{merchants.UnitFilter{CommuneCode: "00004"}, merchants.UnitAdoption{
			CommuneCode: "00004", ProvinceCode: "01",
			CountSums:    merchants.CountSums{Markets: 2, StallsDeclared: 200, StallsActive: 105, StallsWithQR: 83, Vendors: 105, VendorsWithQR: 83, SignsPrinted: 83, VendorsTransacting: 41},
			Cho40Markets: 1, QRRate: 83.0 / 105, TransactingRate: 41.0 / 105, Cho40: false, Threshold: 0.8, Source: merchants.SourceCache,
		}},
		{merchants.UnitFilter{ProvinceCode: "79"}, merchants.UnitAdoption{
			ProvinceCode: "79",
			CountSums:    merchants.CountSums{Markets: 1, StallsDeclared: 100, StallsActive: 10, StallsWithQR: 5, Vendors: 10, VendorsWithQR: 5, SignsPrinted: 5, VendorsTransacting: 2},
			Cho40Markets: 1, QRRate: 0.5, TransactingRate: 0.2, Cho40: true, Threshold: 0.5, Source: merchants.SourceCache,
		}},
		{merchants.UnitFilter{}, merchants.UnitAdoption{
			CountSums:    merchants.CountSums{Markets: 4, StallsDeclared: 400, StallsActive: 115, StallsWithQR: 88, Vendors: 115, VendorsWithQR: 88, SignsPrinted: 88, VendorsTransacting: 43},
			Cho40Markets: 2, QRRate: 88.0 / 115, TransactingRate: 43.0 / 115, Cho40: false, Threshold: 0.8, Source: merchants.SourceCache,
		}},
	}
	for _, u := range units {
		got, err := svc.Unit(ctx, u.f)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(u.want, got, cmpopts.EquateApprox(0, 1e-12)); diff != "" {
			t.Errorf("Unit(%+v) (-want +got):\n%s", u.f, diff)
		}
	}

	members, err := svc.Members(ctx, merchants.UnitFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var order []int64
	for _, m := range members {
		order = append(order, m.UserID)
	}
	if diff := cmp.Diff([]int64{2, 1, 3}, order); diff != "" {
		t.Errorf("members order (most vendors first, then by ID) (-want +got):\n%s", diff)
	}
}
