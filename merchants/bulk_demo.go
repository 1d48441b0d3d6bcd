package merchants

import (
	"context"
	"fmt"
	"math/rand/v2"
)

// DemoResult is what SeedDemo created.
type DemoResult struct {
	Markets []Market
	Vendors int
}

// demoMarkets are the demo commune's two markets: a morning market with
// some adoption and a smaller afternoon one just starting.
var demoMarkets = []struct {
	suffix  string
	stalls  int
	vendors int
}{{"", 120, 30}, {" Chiều", 60, 8}}

// SeedDemo creates the demo data of `sapqr serve --demo` in commune c:
// two markets with a few dozen vendors, about two thirds of them with a
// printed sign and half of those confirmed transacting, so every figure
// of the dashboard has something to show. Unlike Seed it goes through the
// ordinary Service calls, so the demo data is validated, audited and
// counted like real data; a nil r draws random data. It returns the errors
// of CreateMarket, RegisterVendor, RecordSignPrint and ConfirmTransacting.
func (s *Service) SeedDemo(ctx context.Context, a Actor, c Commune, r *rand.Rand) (DemoResult, error) {
	g := newSeedGen(r, s.clock())
	var res DemoResult
	for _, dm := range demoMarkets {
		m, err := s.CreateMarket(ctx, a, CreateMarketInput{
			Name: "Chợ " + c.Name + dm.suffix, CommuneCode: c.Code, ProvinceCode: c.ProvinceCode,
			Address: "Trung tâm " + c.FullName(), Class: 2, StallsDeclared: dm.stalls,
		})
		if err != nil {
			return res, fmt.Errorf("demo market: %w", err)
		}
		res.Markets = append(res.Markets, m)
		for n := range dm.vendors {
			sv, err := g.vendor(m, n)
			if err != nil {
				return res, err
			}
			vr, err := s.RegisterVendor(ctx, a, RegisterVendorInput{
				MarketID: m.ID, StallCode: sv.Stall.Code, FullName: sv.Vendor.FullName, Phone: sv.Vendor.Phone, Consent: true,
				BankAccount: BankAccountInput{BIN: sv.Account.BIN, AccountNumber: sv.Account.AccountNumber,
					HolderName: sv.Account.HolderName, Confirmation: ConfirmAppShown},
			})
			if err != nil {
				return res, fmt.Errorf("demo vendor: %w", err)
			}
			res.Vendors++
			if sv.Vendor.SignPrintedVersion == 0 {
				continue
			}
			if _, err := s.RecordSignPrint(ctx, a, vr.Vendor.ID, SignNew); err != nil {
				return res, fmt.Errorf("demo sign: %w", err)
			}
			if sv.Vendor.TransactingAt != nil {
				if _, err := s.ConfirmTransacting(ctx, a, vr.Vendor.ID); err != nil {
					return res, fmt.Errorf("demo payment: %w", err)
				}
			}
		}
	}
	return res, nil
}
