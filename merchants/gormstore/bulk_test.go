package gormstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/sapqr/sapqr/merchants"
	"github.com/sapqr/sapqr/merchants/merchantstest"
)

// TestLoadVendors checks the bulk loader on its own: rows read back as
// the Store reads registered vendors, and a batch that breaks a unique
// index loads nothing.
func TestLoadVendors(t *testing.T) { merchantstest.OnEachDatabase(t, testLoadVendors) }

func testLoadVendors(t *testing.T, db string) {
	ctx := context.Background()
	st := merchantstest.NewStoreOn(t, db)
	now := time.Now().UTC().Truncate(time.Microsecond)
	ids, err := st.LoadMarkets(ctx, []merchants.Market{{
		Code: "M1", Name: "Chợ Ba Đình", CommuneCode: merchantstest.CommuneA1, ProvinceCode: merchantstest.ProvinceA,
		StallsDeclared: 10, Status: merchants.MarketActive, CreatedAt: now, UpdatedAt: now,
	}})
	if err != nil || len(ids) != 1 || ids[0] == 0 {
		t.Fatalf("LoadMarkets = %v, %v", ids, err)
	}
	vendor := func(stall, account string) merchants.SeedVendor {
		return merchants.SeedVendor{
			Stall: merchants.Stall{MarketID: ids[0], Code: stall, Status: merchants.StallActive, CreatedAt: now, UpdatedAt: now},
			Vendor: merchants.Vendor{MarketID: ids[0], CommuneCode: merchantstest.CommuneA1, ProvinceCode: merchantstest.ProvinceA,
				FullName: "Nguyễn Thị Hà", Phone: "0912345678", Status: merchants.VendorActive, ConsentAt: now, SignVersion: 1,
				SignPrintedVersion: 1, CreatedAt: now, UpdatedAt: now},
			Account: merchants.BankAccount{BIN: "970436", AccountNumber: account, HolderName: "NGUYEN THI HA",
				Active: true, Primary: true, CreatedAt: now},
			Payload: "payload-" + account,
		}
	}
	if err := st.LoadVendors(ctx, []merchants.SeedVendor{vendor("A-01", "111"), vendor("A-02", "222")}); err != nil {
		t.Fatal(err)
	}
	// The second batch reuses account 111: the whole batch is refused.
	err = st.LoadVendors(ctx, []merchants.SeedVendor{vendor("A-03", "333"), vendor("A-04", "111")})
	if !errors.Is(err, merchants.ErrConflict) {
		t.Fatalf("duplicate account: err = %v, want ErrConflict", err)
	}
	if err := st.Analyze(ctx); err != nil {
		t.Fatal(err)
	}
	vs, err := st.ListVendors(ctx, merchants.VendorQuery{MarketID: ids[0], Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 2 {
		t.Fatalf("%d vendors stored, want the 2 of the first batch", len(vs))
	}
	for i, v := range vs {
		acc, ok := v.PrimaryAccount()
		if !ok || v.StallCode != []string{"A-01", "A-02"}[i] || acc.AccountNumber != []string{"111", "222"}[i] || v.SignPrintedVersion != 1 {
			t.Errorf("vendor %d: stall %q account %+v printed %d", i, v.StallCode, acc, v.SignPrintedVersion)
		}
		recs, err := st.SignRecords(ctx, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 2 || recs[0].Printed || !recs[1].Printed || recs[1].Payload != "payload-"+acc.AccountNumber {
			t.Errorf("vendor %d sign records %+v: want one issued and one printed", i, recs)
		}
	}
}
