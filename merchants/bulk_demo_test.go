package merchants_test

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sapqr/sapqr/merchants"
	"github.com/sapqr/sapqr/merchants/merchantstest"
)

// TestSeedDemoSeveralStalls: two demo vendors sell at a second stall,
// assigned through the Service, so the counts and the audit log know it.
func TestSeedDemoSeveralStalls(t *testing.T) {
	merchantstest.OnEachDatabase(t, testSeedDemoSeveralStalls)
}

func testSeedDemoSeveralStalls(t *testing.T, db string) {
	ctx := context.Background()
	svc, st, units := realUnitsService(t, db)
	c, err := units.Commune("00004")
	if err != nil {
		t.Fatal(err)
	}
	res, err := svc.SeedDemo(ctx, merchantstest.Admin(), c, rand.New(rand.NewPCG(3, 4)))
	if err != nil {
		t.Fatal(err)
	}
	vp, err := svc.ListVendors(ctx, merchantstest.Admin(), merchants.VendorFilter{MarketID: res.Markets[0].ID, Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	var several []string
	held := 0
	for _, v := range vp.Vendors {
		held += len(v.Stalls)
		if len(v.Stalls) > 1 {
			several = append(several, strings.Join(v.StallCodes(), ", "))
			if v.SignPrintedVersion > 0 && v.SignOutdated() {
				t.Errorf("vendor %d's sign was printed, but not at each of its stalls %v", v.ID, v.StallCodes())
			}
		}
	}
	if diff := cmp.Diff([]string{"A-01, A-31", "A-02, A-32"}, several); diff != "" {
		t.Errorf("demo vendors with several stalls (-want +got):\n%s", diff)
	}
	counts, err := st.RecountMarkets(ctx, merchants.UnitFilter{CommuneCode: c.Code})
	if err != nil {
		t.Fatal(err)
	}
	for _, mc := range counts {
		if mc.MarketID == res.Markets[0].ID && (mc.StallsActive != int64(held) || mc.StallsWithQR != int64(held) || held != 32) {
			t.Errorf("first demo market: %d stalls active, %d with QR; want the %d its vendors hold (32)", mc.StallsActive, mc.StallsWithQR, held)
		}
	}
	assigned := 0
	for f := (merchants.AuditFilter{MarketID: res.Markets[0].ID, Limit: 200}); ; {
		page, err := svc.AuditLog(ctx, merchantstest.Admin(), f)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Entries {
			if e.Action == "assign_stall" {
				assigned++
			}
		}
		if page.NextCursor == "" {
			break
		}
		f.Cursor = page.NextCursor
	}
	if assigned != 2 {
		t.Errorf("%d assign_stall audit entries in the first demo market, want 2", assigned)
	}
}

func TestSeedDemo(t *testing.T) { merchantstest.OnEachDatabase(t, testSeedDemo) }

func testSeedDemo(t *testing.T, db string) {
	ctx := context.Background()
	svc, st, units := realUnitsService(t, db)
	c, err := units.Commune("00004")
	if err != nil {
		t.Fatal(err)
	}
	res, err := svc.SeedDemo(ctx, merchantstest.Admin(), c, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Markets) != 2 || res.Vendors != 38 {
		t.Fatalf("demo: %d markets, %d vendors; want 2, 38", len(res.Markets), res.Vendors)
	}
	// The demo commune has a target (every market chợ 4.0 by 31 December),
	// so the report's "% so với chỉ tiêu" is never blank on a first run.
	targets, err := svc.Targets(ctx, merchantstest.Admin(), "", c.Code)
	if err != nil || len(targets) != 1 || targets[0].Cho40Share != 1 || targets[0].Due.Month() != time.December || targets[0].Due.Day() != 31 {
		t.Errorf("demo targets %+v, %v; want one: 1 by 31 December", targets, err)
	}
	if res.Markets[0].Name != "Chợ Ba Đình" || res.Markets[1].Name != "Chợ Ba Đình Chiều" {
		t.Errorf("demo markets %q, %q", res.Markets[0].Name, res.Markets[1].Name)
	}
	counts, err := st.RecountMarkets(ctx, merchants.UnitFilter{CommuneCode: c.Code})
	if err != nil {
		t.Fatal(err)
	}
	var sum merchants.CountSums
	for _, c := range counts {
		sum.Add(c)
	}
	if sum.Vendors != 38 || sum.VendorsWithQR != 38 || sum.SignsPrinted == 0 || sum.VendorsTransacting == 0 ||
		sum.VendorsTransacting > sum.SignsPrinted || sum.SignsPrinted == sum.Vendors {
		t.Errorf("demo counts %+v: want 38 vendors with QR, some but not all signs printed, fewer transacting", sum)
	}
	// Two demo vendors hold a second stall (TestSeedDemoSeveralStalls), so
	// not every vendor holds exactly its stall; the rules of holdings and
	// the kept counts still hold.
	merchantstest.CheckHoldings(t, st.DB())
	for _, c := range counts {
		if kept, current := merchantstest.KeptCounts(t, st, c.MarketID); current && !cmp.Equal(kept, c) {
			t.Errorf("market %d: kept counts differ from a recount (-recount +kept):\n%s", c.MarketID, cmp.Diff(c, kept))
		}
	}
	audit, err := svc.AuditLog(ctx, merchantstest.Admin(), merchants.AuditFilter{MarketID: res.Markets[1].ID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(audit.Entries) < 9 {
		t.Errorf("second demo market has %d audit entries; want its creation and every registration", len(audit.Entries))
	}
}
