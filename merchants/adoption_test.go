package merchants_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/sapqr/sapqr/merchants"
	"github.com/sapqr/sapqr/merchants/rediscounters"
)

// fakeStore is the relational truth for adoption tests: market counts with
// their versions, a counter outbox, thresholds, targets and snapshots.
type fakeStore struct {
	mu         sync.Mutex
	markets    map[int64]merchants.MarketCounts
	outbox     []merchants.CounterEvent
	nextEvent  int64
	thresholds map[string]float64
	targets    []merchants.AdoptionTarget
	snapshots  map[time.Time][]merchants.MarketCounts
	names      map[int64]string
}

func newFakeStore() *fakeStore {
	return &fakeStore{
		markets:    map[int64]merchants.MarketCounts{},
		thresholds: map[string]float64{},
		snapshots:  map[time.Time][]merchants.MarketCounts{},
		names:      map[int64]string{},
	}
}

// change commits new counts for a market: the version moves on by one and
// an outbox row carries the result, as the real store does.
func (s *fakeStore) change(c merchants.MarketCounts) merchants.MarketCounts {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.Version = s.markets[c.MarketID].Version + 1
	s.markets[c.MarketID] = c
	s.nextEvent++
	s.outbox = append(s.outbox, merchants.CounterEvent{ID: s.nextEvent, Counts: c})
	return c
}

func matches(f merchants.UnitFilter, c merchants.MarketCounts) bool {
	switch {
	case f.CommuneCode != "" && c.CommuneCode != f.CommuneCode:
		return false
	case f.CommuneCode == "" && f.ProvinceCode != "" && c.ProvinceCode != f.ProvinceCode:
		return false
	case len(f.MarketIDs) > 0 && !slices.Contains(f.MarketIDs, c.MarketID):
		return false
	}
	return true
}

func (s *fakeStore) PendingCounterEvents(ctx context.Context, limit int) ([]merchants.CounterEvent, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.outbox[:min(limit, len(s.outbox))]), nil
}

func (s *fakeStore) DeleteCounterEvents(ctx context.Context, ids []int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.outbox = slices.DeleteFunc(s.outbox, func(e merchants.CounterEvent) bool { return slices.Contains(ids, e.ID) })
	return nil
}

func (s *fakeStore) HasPendingCounterEvents(ctx context.Context, f merchants.UnitFilter) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.ContainsFunc(s.outbox, func(e merchants.CounterEvent) bool { return matches(f, e.Counts) }), nil
}

func (s *fakeStore) PendingCounterMarkets(ctx context.Context, limit int) ([]merchants.MarketCounts, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []merchants.MarketCounts
	for _, e := range s.outbox[:min(limit, len(s.outbox))] {
		c := merchants.MarketCounts{MarketID: e.Counts.MarketID, CommuneCode: e.Counts.CommuneCode, ProvinceCode: e.Counts.ProvinceCode}
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out, len(s.outbox) > limit, nil
}

func (s *fakeStore) RecountMarkets(ctx context.Context, f merchants.UnitFilter) ([]merchants.MarketCounts, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []merchants.MarketCounts
	for _, c := range s.markets {
		if matches(f, c) {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b merchants.MarketCounts) int { return int(a.MarketID - b.MarketID) })
	return out, nil
}

func (s *fakeStore) Cho40Thresholds(ctx context.Context) (map[string]float64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps(s.thresholds), nil
}

func maps(m map[string]float64) map[string]float64 {
	out := make(map[string]float64, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func (s *fakeStore) SetCho40Threshold(ctx context.Context, province string, t float64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.thresholds[province] = t
	return nil
}

func (s *fakeStore) AdoptionTargets(ctx context.Context, f merchants.UnitFilter) ([]merchants.AdoptionTarget, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.targets), nil
}

func (s *fakeStore) SetAdoptionTarget(ctx context.Context, t merchants.AdoptionTarget) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.targets = append(s.targets, t)
	return nil
}

func (s *fakeStore) SaveAdoptionSnapshot(ctx context.Context, day time.Time, counts []merchants.MarketCounts) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.snapshots[day] = slices.Clone(counts)
	return nil
}

func (s *fakeStore) AdoptionSnapshotAt(ctx context.Context, f merchants.UnitFilter, day time.Time) ([]merchants.MarketCounts, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var best time.Time
	for d := range s.snapshots {
		if !d.After(day) && d.After(best) {
			best = d
		}
	}
	var out []merchants.MarketCounts
	for _, c := range s.snapshots[best] {
		if matches(f, c) {
			out = append(out, c)
		}
	}
	return out, nil
}

func (s *fakeStore) AdoptionSeries(ctx context.Context, f merchants.UnitFilter, from, to time.Time) ([]merchants.AdoptionPoint, error) {
	return nil, errors.New("not used by these tests")
}

func (s *fakeStore) MemberAdoption(ctx context.Context, f merchants.UnitFilter) ([]merchants.MemberAdoption, error) {
	return []merchants.MemberAdoption{{UserID: 1, Vendors: 3}, {UserID: 2, Vendors: 9}, {UserID: 3, Vendors: 3}}, nil
}

func (s *fakeStore) MarketNames(ctx context.Context, f merchants.UnitFilter) (map[int64]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[int64]string{}
	for id, n := range s.names {
		out[id] = n
	}
	return out, nil
}

// countingCounters counts the Apply round trips and can be switched off,
// as an unreachable Redis.
type countingCounters struct {
	merchants.AdoptionCounters
	mu      sync.Mutex
	applies int
	down    bool
}

func (c *countingCounters) Apply(ctx context.Context, counts []merchants.MarketCounts) error {
	c.mu.Lock()
	c.applies++
	down := c.down
	c.mu.Unlock()
	if down {
		return merchants.ErrCountersUnavailable
	}
	return c.AdoptionCounters.Apply(ctx, counts)
}

func (c *countingCounters) Markets(ctx context.Context, f merchants.UnitFilter) ([]merchants.MarketCounts, error) {
	c.mu.Lock()
	down := c.down
	c.mu.Unlock()
	if down {
		return nil, merchants.ErrCountersUnavailable
	}
	return c.AdoptionCounters.Markets(ctx, f)
}

func market(id int64, province, commune string, active, withQR int64) merchants.MarketCounts {
	return merchants.MarketCounts{
		MarketID: id, ProvinceCode: province, CommuneCode: commune,
		StallsDeclared: 100, StallsActive: active, StallsWithQR: withQR,
		Vendors: active, VendorsWithQR: withQR, SignsPrinted: withQR, VendorsTransacting: withQR / 2,
	}
}

func newCounters() merchants.AdoptionCounters { return rediscounters.NewMemory() }

func setup(t *testing.T) (*fakeStore, *countingCounters, *merchants.AdoptionService) {
	t.Helper()
	store := newFakeStore()
	counters := &countingCounters{AdoptionCounters: rediscounters.NewMemory()}
	svc := merchants.NewAdoptionService(store, counters, merchants.AdoptionConfig{BatchSize: 3})
	return store, counters, svc
}

func TestDrain(t *testing.T) {
	ctx := context.Background()
	store, counters, svc := setup(t)
	if _, err := svc.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	var last merchants.MarketCounts
	for i := range 7 { // 7 events in batches of 3: three round trips
		last = store.change(market(1, "01", "00004", 10, int64(i)))
	}
	n, err := svc.Drain(ctx)
	if err != nil || n != 7 {
		t.Fatalf("Drain = %d, %v; want 7, nil", n, err)
	}
	if counters.applies != 3 {
		t.Errorf("Drain used %d Apply round trips for 7 events in batches of 3, want 3", counters.applies)
	}
	if len(store.outbox) != 0 {
		t.Errorf("outbox still holds %d rows after a drain", len(store.outbox))
	}
	held, err := counters.Markets(ctx, merchants.UnitFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]merchants.MarketCounts{last}, held); diff != "" {
		t.Errorf("held after drain (-want +got):\n%s", diff)
	}

	// Unreachable counters: the rows stay for the next drain.
	store.change(market(1, "01", "00004", 10, 9))
	counters.down = true
	if _, err := svc.Drain(ctx); !errors.Is(err, merchants.ErrCountersUnavailable) {
		t.Fatalf("Drain with counters down: err = %v, want ErrCountersUnavailable", err)
	}
	if len(store.outbox) != 1 {
		t.Fatalf("a failed drain deleted outbox rows: %d left, want 1", len(store.outbox))
	}
	counters.down = false
	if n, err := svc.Drain(ctx); err != nil || n != 1 {
		t.Fatalf("Drain after recovery = %d, %v; want 1, nil", n, err)
	}
}

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

func TestReconcile(t *testing.T) {
	ctx := context.Background()
	a, b, c, d := market(1, "01", "00004", 10, 5), market(2, "01", "00008", 20, 10), market(3, "79", "26734", 30, 30), market(4, "79", "26734", 5, 1)

	t.Run("cold counters are rebuilt", func(t *testing.T) {
		store, counters, svc := setup(t)
		store.change(a)
		rep, err := svc.Reconcile(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !rep.WasCold || rep.Markets != 1 || len(rep.Drift) != 0 {
			t.Errorf("report %+v, want was_cold with 1 market and no drift", rep)
		}
		if _, err := counters.Markets(ctx, merchants.UnitFilter{}); err != nil {
			t.Errorf("counters after reconcile: %v", err)
		}
	})

	t.Run("drift is reported and repaired", func(t *testing.T) {
		store, counters, svc := setup(t)
		a1, b1, c1, d1 := store.change(a), store.change(b), store.change(c), store.change(d)
		store.outbox = nil
		if _, err := svc.Rebuild(ctx); err != nil {
			t.Fatal(err)
		}
		// Market 1: wrong numbers at the database's version.
		wrong := a1
		wrong.Vendors += 3
		counters.AdoptionCounters.Rebuild(ctx, []merchants.MarketCounts{wrong})
		// Market 2: an update lost (committed, never reached the counters).
		b2 := store.change(market(2, "01", "00008", 20, 15))
		store.outbox = nil
		// Market 3: an update waiting in the outbox: not drift.
		store.change(market(3, "79", "26734", 30, 29))
		// Market 4: the counters are ahead of the recount (a change after
		// its snapshot): kept.
		d2 := d1
		d2.Version++
		d2.Vendors = 99
		counters.Apply(ctx, []merchants.MarketCounts{d2})
		_ = c1

		rep, err := svc.Reconcile(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := merchants.DriftReport{
			At: rep.At, Markets: 4, Pending: 1, Ahead: 1,
			Drift: []merchants.MarketDrift{
				{MarketID: 1, Kind: merchants.DriftCounts, Held: &wrong, Database: a1},
				{MarketID: 2, Kind: merchants.DriftStale, Held: &b1, Database: b2},
			},
		}
		if diff := cmp.Diff(want, rep); diff != "" {
			t.Errorf("report (-want +got):\n%s", diff)
		}
		held, _ := counters.Markets(ctx, merchants.UnitFilter{})
		db, _ := store.RecountMarkets(ctx, merchants.UnitFilter{})
		db[3] = d2 // newer held counts are kept
		if diff := cmp.Diff(db, held); diff != "" {
			t.Errorf("held after repair (-want +got):\n%s", diff)
		}
		again, err := svc.Reconcile(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(again.Drift) != 0 {
			t.Errorf("second reconcile still finds drift: %+v", again.Drift)
		}
	})
}

func TestRunCatchesUp(t *testing.T) {
	store := newFakeStore()
	counters := rediscounters.NewMemory()
	svc := merchants.NewAdoptionService(store, counters, merchants.AdoptionConfig{
		DrainEvery: time.Millisecond, ProbeEvery: time.Millisecond,
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- svc.Run(ctx) }()
	for i := range 50 {
		store.change(market(int64(i%7+1), "01", "00004", 10, int64(i%10)))
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		held, err := counters.Markets(context.Background(), merchants.UnitFilter{})
		db, _ := store.RecountMarkets(context.Background(), merchants.UnitFilter{})
		if err == nil && cmp.Equal(held, db) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Run did not bring the counters to the database's counts: err %v\n%s", err, cmp.Diff(db, held))
		}
		time.Sleep(5 * time.Millisecond)
	}
	if len(store.snapshots) != 1 {
		t.Errorf("Run recorded %d snapshots at start, want 1", len(store.snapshots))
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run returned %v after cancel, want nil", err)
	}
}

func TestAdoptionValidation(t *testing.T) {
	ctx := context.Background()
	_, _, svc := setup(t)
	due := time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name  string
		call  func() error
		field string
	}{
		{"threshold above 1", func() error { return svc.SetThreshold(ctx, "01", 1.5) }, "threshold"},
		{"threshold zero", func() error { return svc.SetThreshold(ctx, "01", 0) }, "threshold"},
		{"threshold without province", func() error { return svc.SetThreshold(ctx, "", 0.9) }, "province_code"},
		{"target share above 1", func() error {
			return svc.SetTarget(ctx, merchants.AdoptionTarget{ProvinceCode: "01", Cho40Share: 2, Due: due})
		}, "cho40_share"},
		{"target without due date", func() error { return svc.SetTarget(ctx, merchants.AdoptionTarget{ProvinceCode: "01", Cho40Share: 1}) }, "due"},
		{"report without unit", func() error {
			_, err := svc.Report(ctx, merchants.ReportRequest{Period: merchants.PeriodMonth})
			return err
		}, "unit"},
		{"report with unknown period", func() error {
			_, err := svc.Report(ctx, merchants.ReportRequest{CommuneCode: "00004", Period: "week"})
			return err
		}, "period"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var v *merchants.ValidationError
			if err := c.call(); !errors.As(err, &v) {
				t.Fatalf("err = %v, want a *ValidationError", err)
			}
			if len(v.Fields) != 1 || v.Fields[0].Field != c.field {
				t.Errorf("fields %+v, want one error on %q", v.Fields, c.field)
			}
		})
	}
}
