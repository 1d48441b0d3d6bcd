package merchants

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"
)

// DemoResult is what SeedDemo created.
type DemoResult struct {
	Markets []Market
	Vendors int
	// Target is the commune's target, so "% so với chỉ tiêu" is filled
	// from the first run.
	Target AdoptionTarget
}

// demoMarkets are the demo commune's two markets: a morning market with
// some adoption, where the first vendors also sell at a second stall, and
// a smaller afternoon one just starting.
var demoMarkets = []struct {
	suffix  string
	stalls  int
	vendors int
	// twoStalls is how many of the first vendors get a second stall.
	twoStalls int
}{{"", 120, 30, 2}, {" Chiều", 60, 8, 0}}

// demoSecondStall is the code of the second stall of the n-th vendor of a
// demo market with vendors vendors: the stalls after the ones the vendors
// were registered at, so none is taken.
func demoSecondStall(vendors, n int) string {
	return fmt.Sprintf("A-%02d", vendors+n+1)
}

// SeedDemo creates the demo data of `sapqr serve --demo` in commune c:
// two markets with a few dozen vendors, two of them with a second stall,
// about two thirds with printed signs (at every stall they hold) and half
// of those confirmed transacting, so every figure of the dashboard has
// something to show. Unlike Seed it goes through the ordinary Service
// calls, so the demo data is validated, audited and counted like real
// data; a nil r draws random data. It returns the errors of CreateMarket,
// RegisterVendor, AssignStall, RecordSignPrint, ConfirmTransacting and
// SetTarget.
func (s *Service) SeedDemo(ctx context.Context, a Actor, c Commune, r *rand.Rand) (DemoResult, error) {
	g := newSeedGen(r, s.clock())
	var res DemoResult
	// Every market of the commune chợ 4.0 by the end of the year.
	target, err := s.SetTarget(ctx, a, AdoptionTarget{ProvinceCode: c.ProvinceCode, CommuneCode: c.Code, Cho40Share: 1,
		Due: time.Date(s.clock().In(Vietnam).Year(), time.December, 31, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		return res, fmt.Errorf("demo target: %w", err)
	}
	res.Target = target
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
					HolderName: sv.Account.HolderName,
					Verify:     &VerifyInput{Method: VerifyBankAppName, NameSeen: sv.Account.HolderName}},
			})
			if err != nil {
				return res, fmt.Errorf("demo vendor: %w", err)
			}
			res.Vendors++
			if n < dm.twoStalls {
				if vr, err = s.AssignStall(ctx, a, vr.Vendor.ID, demoSecondStall(dm.vendors, n)); err != nil {
					return res, fmt.Errorf("demo second stall: %w", err)
				}
			}
			if sv.Vendor.SignPrintedVersion == 0 {
				continue
			}
			held := make([]int64, len(vr.Vendor.Stalls))
			for i, h := range vr.Vendor.Stalls {
				held[i] = h.StallID
			}
			if _, err := s.RecordSignPrint(ctx, a, vr.Vendor.ID, SignNew, held...); err != nil {
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
