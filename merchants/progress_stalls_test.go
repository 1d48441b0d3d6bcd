package merchants_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sapqr/sapqr/merchants"
	mt "github.com/sapqr/sapqr/merchants/merchantstest"
)

// TestMarketStallsFree: a stall is free for a registration when it is
// active and no active vendor holds it; a vacant stall, a held one (main
// or second) and a closed one (not listed) are not; a removed vendor's
// stall is free again. Outside the actor's area the market is not found.
func TestMarketStallsFree(t *testing.T) {
	mt.OnEachDatabase(t, func(t *testing.T, db string) {
		ctx := context.Background()
		s, _ := mt.NewServiceOn(t, db)
		m := mt.Market(t, s, mt.CommuneA1, 10)
		admin := mt.Admin()
		for _, st := range []struct {
			code   string
			status merchants.StallStatus
		}{{"A-1", merchants.StallActive}, {"A-2", merchants.StallActive}, {"A-3", merchants.StallVacant},
			{"A-4", merchants.StallClosed}, {"A-10", merchants.StallActive}, {"B-1", merchants.StallActive}} {
			if _, err := s.CreateStall(ctx, admin, merchants.CreateStallInput{MarketID: m.ID, Code: st.code, Status: st.status}); err != nil {
				t.Fatal(err)
			}
		}
		held := mt.Vendor(t, s, m, "A-2", 1)
		if _, err := s.AssignStall(ctx, admin, held.ID, "B-1"); err != nil {
			t.Fatal(err)
		}
		gone := mt.Vendor(t, s, m, "A-10", 2)
		if _, err := s.DeactivateVendor(ctx, admin, gone.ID); err != nil {
			t.Fatal(err)
		}
		_, stalls, err := s.MarketStalls(ctx, mt.Member(mt.CommuneA1), m.ID)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		for _, o := range stalls {
			got[o.Code] = o.Free
		}
		want := map[string]bool{"A-1": true, "A-2": false, "A-3": false, "A-10": true, "B-1": false}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("free stalls (-want +got):\n%s", diff)
		}
		if _, _, err := s.MarketStalls(ctx, mt.Member(mt.CommuneB1), m.ID); !errors.Is(err, merchants.ErrNotFound) {
			t.Errorf("another commune's member: %v, want ErrNotFound", err)
		}
	})
}
