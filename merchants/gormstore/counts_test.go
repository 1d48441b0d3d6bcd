package gormstore_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sapqr/sapqr/merchants"
	mt "github.com/sapqr/sapqr/merchants/merchantstest"
)

// TestRegistrationFacts checks each fact a registration reads in its one
// query against the state the service left.
func TestRegistrationFacts(t *testing.T) {
	mt.OnEachDatabase(t, func(t *testing.T, db string) {
		t.Parallel()
		ctx := context.Background()
		s, st := mt.NewServiceOn(t, db)
		m := mt.Market(t, s, mt.CommuneA1, 10)
		v1 := mt.Vendor(t, s, m, "A-1", 1)
		v2 := mt.Vendor(t, s, m, "A-2", 2)
		if _, err := s.UpdateVendor(ctx, mt.Admin(), v2.ID, merchants.UpdateVendorInput{Phone: ptr(mt.Phone(1))}); err != nil {
			t.Fatal(err)
		}
		acc := mt.BankAccount(1)
		tests := []struct {
			name string
			q    merchants.RegistrationQuery
			want merchants.RegistrationFacts
		}{
			{"missing stall", merchants.RegistrationQuery{MarketID: m.ID, StallCode: "Z-9"},
				merchants.RegistrationFacts{MarketStalls: 2}},
			{"occupied stall", merchants.RegistrationQuery{MarketID: m.ID, StallCode: "A-1"},
				merchants.RegistrationFacts{Stall: merchants.Stall{ID: v1.StallID}, MarketStalls: 2, StallVendorID: v1.ID}},
			{"account in use", merchants.RegistrationQuery{MarketID: m.ID, StallCode: "Z-9", BIN: acc.BIN, AccountNumber: acc.AccountNumber},
				merchants.RegistrationFacts{MarketStalls: 2, AccountVendorID: v1.ID}},
			{"phone shared, by ascending ID", merchants.RegistrationQuery{MarketID: m.ID, StallCode: "Z-9", Phone: mt.Phone(1)},
				merchants.RegistrationFacts{MarketStalls: 2, PhoneVendorIDs: []int64{v1.ID, v2.ID}}},
			{"phone of another market", merchants.RegistrationQuery{MarketID: m.ID + 1000, StallCode: "A-1", Phone: mt.Phone(1)},
				merchants.RegistrationFacts{}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var got merchants.RegistrationFacts
				err := st.InTx(ctx, func(tx merchants.Tx) (err error) {
					got, err = tx.RegistrationFacts(ctx, tt.q)
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
				// Of the stall, its ID identifies it; the rest is the row.
				got.Stall = merchants.Stall{ID: got.Stall.ID}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("facts (-want +got):\n%s", diff)
				}
			})
		}
	})
}

func ptr[T any](v T) *T { return &v }

// TestEmitUnknownMarket checks that both ways of writing a market's counts
// refuse a market that does not exist and write nothing.
func TestEmitUnknownMarket(t *testing.T) {
	mt.OnEachDatabase(t, func(t *testing.T, db string) {
		t.Parallel()
		ctx := context.Background()
		st := mt.NewStoreOn(t, db)
		emits := map[string]func(merchants.Tx) error{
			"recount": func(tx merchants.Tx) error { _, err := tx.EmitMarketCounts(ctx, 4242); return err },
			"delta": func(tx merchants.Tx) error {
				_, err := tx.EmitMarketDelta(ctx, 4242, merchants.CountsDelta{Vendors: 1})
				return err
			},
		}
		for name, emit := range emits {
			if err := st.InTx(ctx, emit); !errors.Is(err, merchants.ErrNotFound) {
				t.Errorf("%s: %v, want ErrNotFound", name, err)
			}
		}
		if evs, err := st.PendingCounterEvents(ctx, 10); err != nil || len(evs) != 0 {
			t.Errorf("outbox after refused emits: %v %v", evs, err)
		}
	})
}

// TestPendingCounterMarkets checks that the markets waiting in the outbox
// are listed once each, with their units, that a limit shorter than the
// outbox says more wait, and that none are listed once drained.
func TestPendingCounterMarkets(t *testing.T) {
	mt.OnEachDatabase(t, func(t *testing.T, db string) {
		t.Parallel()
		ctx := context.Background()
		s, st := mt.NewServiceOn(t, db)
		// Outbox: a1 created, b1 created, a1 and a1 again registered.
		a1 := mt.Market(t, s, mt.CommuneA1, 5)
		b1 := mt.Market(t, s, mt.CommuneB1, 5)
		mt.Vendor(t, s, a1, "1", 1)
		mt.Vendor(t, s, a1, "2", 2)
		ua1 := merchants.MarketCounts{MarketID: a1.ID, CommuneCode: mt.CommuneA1, ProvinceCode: mt.ProvinceA}
		ub1 := merchants.MarketCounts{MarketID: b1.ID, CommuneCode: mt.CommuneB1, ProvinceCode: mt.ProvinceB}
		tests := []struct {
			name     string
			limit    int
			want     []merchants.MarketCounts
			wantMore bool
		}{
			{"whole outbox", 100, []merchants.MarketCounts{ua1, ub1}, false},
			{"exactly the outbox", 4, []merchants.MarketCounts{ua1, ub1}, false},
			{"oldest rows only", 1, []merchants.MarketCounts{ua1}, true},
		}
		for _, tt := range tests {
			got, more, err := st.PendingCounterMarkets(ctx, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			slices.SortFunc(got, func(a, b merchants.MarketCounts) int { return int(a.MarketID - b.MarketID) })
			if diff := cmp.Diff(tt.want, got); diff != "" || more != tt.wantMore {
				t.Errorf("%s: more %v, want %v; markets (-want +got):\n%s", tt.name, more, tt.wantMore, diff)
			}
		}
		evs, err := st.PendingCounterEvents(ctx, 100)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, e := range evs {
			ids = append(ids, e.ID)
		}
		if err := st.DeleteCounterEvents(ctx, ids); err != nil {
			t.Fatal(err)
		}
		if got, more, err := st.PendingCounterMarkets(ctx, 100); err != nil || len(got) != 0 || more {
			t.Errorf("pending markets after the drain: %v, more %v, %v", got, more, err)
		}
	})
}

// TestRecountMarkets checks the filters of the recount and that it agrees
// with the outbox.
func TestRecountMarkets(t *testing.T) {
	mt.OnEachDatabase(t, func(t *testing.T, db string) {
		t.Parallel()
		ctx := context.Background()
		s, st := mt.NewServiceOn(t, db)
		a1 := mt.Market(t, s, mt.CommuneA1, 5)
		a2 := mt.Market(t, s, mt.CommuneA2, 5)
		b1 := mt.Market(t, s, mt.CommuneB1, 5)
		mt.Vendor(t, s, a1, "1", 1)
		mt.Vendor(t, s, a1, "2", 2)
		mt.Vendor(t, s, b1, "1", 3)
		ids := func(f merchants.UnitFilter) []int64 {
			cs, err := st.RecountMarkets(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			var out []int64
			for _, c := range cs {
				out = append(out, c.MarketID)
			}
			return out
		}
		tests := []struct {
			name string
			f    merchants.UnitFilter
			want []int64
		}{
			{"all", merchants.UnitFilter{}, []int64{a1.ID, a2.ID, b1.ID}},
			{"province", merchants.UnitFilter{ProvinceCode: mt.ProvinceA}, []int64{a1.ID, a2.ID}},
			{"commune wins", merchants.UnitFilter{ProvinceCode: mt.ProvinceB, CommuneCode: mt.CommuneA2}, []int64{a2.ID}},
			{"market IDs", merchants.UnitFilter{MarketIDs: []int64{b1.ID, a1.ID}}, []int64{a1.ID, b1.ID}},
			{"no market IDs", merchants.UnitFilter{MarketIDs: []int64{}}, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if diff := cmp.Diff(tt.want, ids(tt.f)); diff != "" {
					t.Errorf("markets (-want +got):\n%s", diff)
				}
			})
		}
		for _, f := range []merchants.UnitFilter{{CommuneCode: mt.CommuneA1}, {ProvinceCode: mt.ProvinceB}, {MarketIDs: []int64{a2.ID}}} {
			if ok, err := st.HasPendingCounterEvents(ctx, f); err != nil || !ok {
				t.Errorf("pending for %+v: %v %v", f, ok, err)
			}
		}
		evs, err := st.PendingCounterEvents(ctx, 100)
		if err != nil {
			t.Fatal(err)
		}
		var evIDs []int64
		for _, e := range evs {
			evIDs = append(evIDs, e.ID)
		}
		if err := st.DeleteCounterEvents(ctx, append(evIDs, 99999)); err != nil {
			t.Fatal(err)
		}
		if ok, err := st.HasPendingCounterEvents(ctx, merchants.UnitFilter{}); err != nil || ok {
			t.Errorf("pending after delete: %v %v", ok, err)
		}
	})
}
