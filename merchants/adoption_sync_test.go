package merchants_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sapqr/sapqr/merchants"
	"github.com/sapqr/sapqr/merchants/rediscounters"
)

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
