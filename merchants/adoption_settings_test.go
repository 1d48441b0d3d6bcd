package merchants_test

import (
	"context"
	"testing"

	"github.com/sapqr/sapqr/merchants"
	"github.com/sapqr/sapqr/merchants/rediscounters"
)

// TestThresholdMovesEveryReplicaAtOnce: two services over one store stand
// for two replicas. Once a threshold is committed, the next read on either
// — even one that read a moment before — applies it, to the market and to
// the unit's count of chợ 4.0 markets: nothing waits for a cache to expire.
func TestThresholdMovesEveryReplicaAtOnce(t *testing.T) {
	ctx := context.Background()
	store := newFakeStore()
	// 4 of 5 active stalls with QR: chợ 4.0 at the default 0.8, not at 0.9.
	store.change(merchants.MarketCounts{MarketID: 1, CommuneCode: "26734", ProvinceCode: "79", StallsActive: 5, StallsWithQR: 4})
	replicas := []*merchants.AdoptionService{
		merchants.NewAdoptionService(store, rediscounters.NewMemory(), merchants.AdoptionConfig{}),
		merchants.NewAdoptionService(store, rediscounters.NewMemory(), merchants.AdoptionConfig{}),
	}
	steps := []struct {
		threshold float64 // 0: none set
		cho40     bool
		markets   int64
	}{
		{0, true, 1},
		{0.9, false, 0},
		{0.8, true, 1},
		{1, false, 0},
	}
	for _, st := range steps {
		if st.threshold > 0 {
			if err := store.SetCho40Threshold(ctx, "79", st.threshold); err != nil {
				t.Fatal(err)
			}
		}
		for i, r := range replicas {
			m, err := r.Market(ctx, 1)
			if err != nil {
				t.Fatal(err)
			}
			u, err := r.Unit(ctx, merchants.UnitFilter{CommuneCode: "26734"})
			if err != nil {
				t.Fatal(err)
			}
			if m.Cho40 != st.cho40 || u.Cho40Markets != st.markets {
				t.Errorf("threshold %v, replica %d: market cho40 %v, unit cho40_markets %d; want %v, %d",
					st.threshold, i, m.Cho40, u.Cho40Markets, st.cho40, st.markets)
			}
		}
	}
}
