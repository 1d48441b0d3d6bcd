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

// eachDB runs fn on a fresh service per database: SQLite always,
// PostgreSQL when SAPQR_TEST_DATABASE_URL is set.
func eachDB(t *testing.T, fn func(t *testing.T, s *merchants.Service, st *gormstore.Store)) {
	mt.OnEachDatabase(t, func(t *testing.T, db string) {
		t.Parallel()
		s, st := mt.NewServiceOn(t, db)
		fn(t, s, st)
	})
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
