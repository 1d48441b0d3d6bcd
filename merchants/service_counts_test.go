package merchants_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sapqr/sapqr/merchants"
	"github.com/sapqr/sapqr/merchants/gormstore"
	mt "github.com/sapqr/sapqr/merchants/merchantstest"
)

// TestRegisterVendorCountsByDelta walks one market through every state a
// registration can meet, mixed with the changes that recount the market,
// and checks after each step that the newest outbox event, which a
// registration computes from the counts kept with the market plus its
// delta, equals a fresh recount from the base tables. Stalls assigned to
// and released from a vendor with several are among those states.
func TestRegisterVendorCountsByDelta(t *testing.T) {
	eachDB(t, func(t *testing.T, s *merchants.Service, st *gormstore.Store) {
		ctx := context.Background()
		a := mt.Admin()
		m := mt.Market(t, s, mt.CommuneA1, 6)
		vacant, closed := merchants.StallVacant, merchants.StallClosed
		var first, second, multi merchants.Vendor
		steps := []struct {
			name string
			run  func() error
		}{
			{"new stall created", func() (err error) {
				r, err := s.RegisterVendor(ctx, a, register(m, "A-1", 1))
				first = r.Vendor
				return err
			}},
			{"existing active stall", func() error {
				if _, err := s.CreateStall(ctx, a, merchants.CreateStallInput{MarketID: m.ID, Code: "A-2"}); err != nil {
					return err
				}
				r, err := s.RegisterVendor(ctx, a, register(m, "A-2", 2))
				second = r.Vendor
				return err
			}},
			{"vacant stall reopened", func() error {
				if _, err := s.CreateStall(ctx, a, merchants.CreateStallInput{MarketID: m.ID, Code: "A-3", Status: vacant}); err != nil {
					return err
				}
				_, err := s.RegisterVendor(ctx, a, register(m, "A-3", 3))
				return err
			}},
			{"after a confirmed payment and a printed sign", func() error {
				if _, err := s.ConfirmTransacting(ctx, a, first.ID); err != nil {
					return err
				}
				if _, err := s.RecordSignPrint(ctx, a, second.ID, merchants.SignNew); err != nil {
					return err
				}
				_, err := s.RegisterVendor(ctx, a, register(m, "A-4", 4))
				return err
			}},
			{"stall and account freed by a removal", func() error {
				if _, err := s.DeactivateVendor(ctx, a, first.ID); err != nil {
					return err
				}
				_, err := s.RegisterVendor(ctx, a, register(m, "A-1", 1))
				return err
			}},
			{"after a stall closed and the declared count raised", func() error {
				st5, err := s.CreateStall(ctx, a, merchants.CreateStallInput{MarketID: m.ID, Code: "A-5"})
				if err != nil {
					return err
				}
				if _, err := s.UpdateStall(ctx, a, st5.ID, merchants.UpdateStallInput{Status: &closed}); err != nil {
					return err
				}
				n := 8
				if _, err := s.UpdateMarket(ctx, a, m.ID, merchants.UpdateMarketInput{StallsDeclared: &n}); err != nil {
					return err
				}
				_, err = s.RegisterVendor(ctx, a, register(m, "A-6", 6))
				return err
			}},
			{"vendor moved to another stall", func() error {
				code := "A-7"
				if _, err := s.UpdateVendor(ctx, a, second.ID, merchants.UpdateVendorInput{StallCode: &code}); err != nil {
					return err
				}
				_, err := s.RegisterVendor(ctx, a, register(m, "A-2", 7))
				return err
			}},
			{"after a vendor was given a new stall and a free one", func() (err error) {
				n := 14
				if _, err := s.UpdateMarket(ctx, a, m.ID, merchants.UpdateMarketInput{StallsDeclared: &n}); err != nil {
					return err
				}
				r, err := s.RegisterVendor(ctx, a, register(m, "M-1", 11))
				if err != nil {
					return err
				}
				multi = r.Vendor
				if _, err := s.AssignStall(ctx, a, multi.ID, "M-2"); err != nil {
					return err
				}
				if _, err := s.CreateStall(ctx, a, merchants.CreateStallInput{MarketID: m.ID, Code: "M-0"}); err != nil {
					return err
				}
				if _, err := s.AssignStall(ctx, a, multi.ID, "M-0"); err != nil {
					return err
				}
				_, err = s.RegisterVendor(ctx, a, register(m, "M-3", 12))
				return err
			}},
			{"on the main stall a vendor released", func() error {
				if _, err := s.ReleaseStall(ctx, a, multi.ID, multi.StallID); err != nil {
					return err
				}
				_, err := s.RegisterVendor(ctx, a, register(m, "M-1", 13))
				return err
			}},
			{"after a held stall became main", func() error {
				code := "M-0"
				if _, err := s.UpdateVendor(ctx, a, multi.ID, merchants.UpdateVendorInput{StallCode: &code}); err != nil {
					return err
				}
				_, err := s.RegisterVendor(ctx, a, register(m, "M-4", 14))
				return err
			}},
			{"on a stall of a removed vendor with several", func() error {
				vacant := merchants.StallVacant
				if _, err := s.AssignStall(ctx, a, multi.ID, "M-5"); err != nil {
					return err
				}
				if _, err := s.DeactivateVendor(ctx, a, multi.ID); err != nil {
					return err
				}
				m5 := stallOf(t, s, m, "M-5")
				if _, err := s.UpdateStall(ctx, a, m5.ID, merchants.UpdateStallInput{Status: &vacant}); err != nil {
					return err
				}
				if _, err := s.RegisterVendor(ctx, a, register(m, "M-2", 15)); err != nil {
					return err
				}
				_, err := s.RegisterVendor(ctx, a, register(m, "M-5", 16))
				return err
			}},
			{"after a writer that bumps the version without keeping the counts", func() error {
				// What a replica running the code from before the kept
				// counts does during a rolling upgrade: it changes a market
				// and bumps its version, and leaves the kept counts alone.
				for _, q := range []string{
					fmt.Sprintf("UPDATE vendors SET status = 'inactive' WHERE id = %d", second.ID),
					fmt.Sprintf("UPDATE bank_accounts SET active = FALSE WHERE vendor_id = %d", second.ID),
					fmt.Sprintf("UPDATE markets SET counter_version = counter_version + 1 WHERE id = %d", m.ID),
				} {
					if _, err := st.DB().ExecContext(ctx, q); err != nil {
						return err
					}
				}
				_, err := s.RegisterVendor(ctx, a, register(m, "A-8", 8))
				return err
			}},
		}
		for i, step := range steps {
			if err := step.run(); err != nil {
				t.Fatalf("%s: %v", step.name, err)
			}
			newestIsRecount(t, st, m.ID, step.name)
			if i < len(steps)-1 { // the last step's writer knows no stall holdings
				mt.CheckHoldings(t, st.DB())
			}
		}
	})
}

// newestIsRecount compares the market's newest outbox event with a fresh
// recount of the base tables.
func newestIsRecount(t *testing.T, st *gormstore.Store, marketID int64, step string) {
	t.Helper()
	ctx := context.Background()
	cs, err := st.RecountMarkets(ctx, merchants.UnitFilter{MarketIDs: []int64{marketID}})
	if err != nil || len(cs) != 1 {
		t.Fatalf("%s: recount: %v %v", step, cs, err)
	}
	evs, err := st.PendingCounterEvents(ctx, 10_000)
	if err != nil {
		t.Fatal(err)
	}
	var newest merchants.MarketCounts
	for _, e := range evs {
		if e.Counts.MarketID == marketID && e.Counts.Version > newest.Version {
			newest = e.Counts
		}
	}
	if diff := cmp.Diff(cs[0], newest); diff != "" {
		t.Errorf("%s: newest outbox event differs from a recount (-recount +event):\n%s", step, diff)
	}
}
