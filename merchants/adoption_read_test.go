package merchants_test

import (
	"context"
	"errors"
	"testing"
	"time"

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

// TestAdoptionReadsThroughOutage: while the database cannot be reached, a
// read answers from the counters, marked stale as of the last moment they
// were known in step with the database (a drain that emptied the outbox,
// or a read that found it empty), and only then.
func TestAdoptionReadsThroughOutage(t *testing.T) {
	ctx := context.Background()
	drainedAt := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	readAt := time.Date(2026, 12, 7, 9, 0, 30, 0, time.UTC)
	scenarios := []struct {
		name    string
		prepare func(store *fakeStore, c *countingCounters, svc *merchants.AdoptionService, clock *time.Time)
		// wantErr: the read fails with ErrUnavailable; else wantWithQR
		// (the counters' 8; the database has 9 after the change), stale
		// and as_of.
		wantErr    bool
		wantWithQR int64
		wantStale  bool
		wantAsOf   time.Time
	}{
		{"database up: fresh from the cache", func(s *fakeStore, c *countingCounters, svc *merchants.AdoptionService, clock *time.Time) {
			drain(t, svc)
		}, false, 8, false, time.Time{}},
		{"drained, then the database goes: the counters, stale as of the drain", func(s *fakeStore, c *countingCounters, svc *merchants.AdoptionService, clock *time.Time) {
			drain(t, svc)
			*clock = readAt
			s.down = true
		}, false, 8, true, drainedAt},
		{"a change committed after the drain is not in them: still as of the drain", func(s *fakeStore, c *countingCounters, svc *merchants.AdoptionService, clock *time.Time) {
			drain(t, svc)
			*clock = readAt
			s.change(market(1, "01", "00004", 10, 9))
			s.down = true
		}, false, 8, true, drainedAt},
		{"a read that found the outbox empty moves as_of on", func(s *fakeStore, c *countingCounters, svc *merchants.AdoptionService, clock *time.Time) {
			drain(t, svc)
			*clock = readAt
			if _, err := svc.Market(ctx, 1); err != nil {
				t.Fatal(err)
			}
			s.down = true
		}, false, 8, true, readAt},
		{"thresholds never read: 503", func(s *fakeStore, c *countingCounters, svc *merchants.AdoptionService, clock *time.Time) {
			if _, err := svc.Rebuild(ctx); err != nil {
				t.Fatal(err)
			}
			drainOnly(t, svc)
			s.down = true
		}, true, 0, false, time.Time{}},
		{"never known in step: 503 as before", func(s *fakeStore, c *countingCounters, svc *merchants.AdoptionService, clock *time.Time) {
			s.down = true
		}, true, 0, false, time.Time{}},
		{"counters unreachable too: 503", func(s *fakeStore, c *countingCounters, svc *merchants.AdoptionService, clock *time.Time) {
			drain(t, svc)
			s.down, c.down = true, true
		}, true, 0, false, time.Time{}},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			clock := drainedAt
			store := newFakeStore()
			counters := &countingCounters{AdoptionCounters: newCounters()}
			svc := merchants.NewAdoptionService(store, counters, merchants.AdoptionConfig{
				BatchSize: 3, Now: func() time.Time { return clock },
			})
			store.change(market(1, "01", "00004", 10, 8))
			sc.prepare(store, counters, svc, &clock)

			m, err := svc.Market(ctx, 1)
			u, uerr := svc.Unit(ctx, merchants.UnitFilter{CommuneCode: "00004"})
			if sc.wantErr {
				if !errors.Is(err, merchants.ErrUnavailable) || !errors.Is(uerr, merchants.ErrUnavailable) {
					t.Fatalf("errors %v / %v, want ErrUnavailable", err, uerr)
				}
				return
			}
			if err != nil || uerr != nil {
				t.Fatal(err, uerr)
			}
			type seen struct {
				Vendors int64
				Source  merchants.Source
				Stale   bool
				AsOf    time.Time
			}
			want := seen{sc.wantWithQR, merchants.SourceCache, sc.wantStale, sc.wantAsOf}
			if diff := cmp.Diff(want, seen{m.VendorsWithQR, m.Source, m.Stale, m.AsOf}); diff != "" {
				t.Errorf("market (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(want, seen{u.VendorsWithQR, u.Source, u.Stale, u.AsOf}); diff != "" {
				t.Errorf("commune (-want +got):\n%s", diff)
			}
		})
	}
}

func drainOnly(t *testing.T, svc *merchants.AdoptionService) {
	t.Helper()
	if _, err := svc.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// drain builds the counters and drains the outbox into them, then reads.
func drain(t *testing.T, svc *merchants.AdoptionService) {
	t.Helper()
	if _, err := svc.Rebuild(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	// A first read loads the provinces' thresholds, which a stale read
	// reuses.
	if _, err := svc.Market(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
}
