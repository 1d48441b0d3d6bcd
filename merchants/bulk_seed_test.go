package merchants_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"golang.org/x/text/unicode/norm"

	"github.com/sapqr/sapqr/merchants"
	"github.com/sapqr/sapqr/merchants/gormstore"
	"github.com/sapqr/sapqr/merchants/merchantstest"
	"github.com/sapqr/sapqr/qr"
)

func TestSeed(t *testing.T) { merchantstest.OnEachDatabase(t, testSeed) }

func testSeed(t *testing.T, db string) {
	ctx := context.Background()
	svc, st, units := realUnitsService(t, db)
	communes, err := units.Communes("01")
	if err != nil {
		t.Fatal(err)
	}
	admin := merchantstest.Admin()

	// Two runs into one store: the second must not collide with the first.
	for run := range 2 {
		var progress []int
		res, err := svc.Seed(ctx, admin, st, merchants.SeedOptions{
			Markets: 3, Vendors: 250, Communes: communes, Batch: 100,
			Rand:     rand.New(rand.NewPCG(uint64(run), 1)),
			Progress: func(n int) { progress = append(progress, n) },
		})
		if err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		if len(res.MarketIDs) != 3 || res.Vendors != 250 {
			t.Errorf("run %d: %d markets, %d vendors; want 3, 250", run, len(res.MarketIDs), res.Vendors)
		}
		// Three batches (100, 100, 50) load two at a time, in any order.
		if len(progress) != 3 || !slices.IsSorted(progress) || progress[2] != 250 {
			t.Errorf("run %d: progress %v, want three rising counts ending at 250", run, progress)
		}
	}

	counts, err := st.RecountMarkets(ctx, merchants.UnitFilter{ProvinceCode: "01"})
	if err != nil {
		t.Fatal(err)
	}
	var sum merchants.CountSums
	for _, c := range counts {
		sum.Add(c)
		if c.Version == 0 {
			t.Errorf("market %d: counter version 0; seeding must write the counter outbox", c.MarketID)
		}
		if c.StallsActive > c.StallsDeclared {
			t.Errorf("market %d: %d active stalls over %d declared", c.MarketID, c.StallsActive, c.StallsDeclared)
		}
	}
	if len(counts) != 6 || sum.Vendors != 500 || sum.VendorsWithQR != 500 || sum.StallsActive != 500 {
		t.Errorf("after two runs: %d markets, %+v; want 6 markets, 500 vendors with QR on 500 active stalls", len(counts), sum)
	}
	if sum.SignsPrinted < 200 || sum.SignsPrinted > 400 || sum.VendorsTransacting >= sum.SignsPrinted {
		t.Errorf("signs printed %d, transacting %d: want about 60%% printed, fewer transacting", sum.SignsPrinted, sum.VendorsTransacting)
	}

	seededHoldings(t, svc, st)

	// Every seeded vendor reads back as a valid registration would leave it.
	page, err := svc.ListVendors(ctx, admin, merchants.VendorFilter{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	withDiacritics := 0
	for _, v := range page.Vendors {
		if !norm.NFC.IsNormalString(v.FullName) {
			t.Errorf("vendor %d name %q is not NFC", v.ID, v.FullName)
		}
		if utf8.RuneCountInString(v.FullName) < len(v.FullName) {
			withDiacritics++
		}
		if _, err := merchants.NormalizePhone(v.Phone); err != nil {
			t.Errorf("vendor %d phone %q: %v", v.ID, v.Phone, err)
		}
		d, err := qr.Decode(v.Payload)
		if err != nil {
			t.Errorf("vendor %d payload: %v", v.ID, err)
			continue
		}
		acc, _ := v.PrimaryAccount()
		if d.BIN != acc.BIN || d.Account != acc.AccountNumber {
			t.Errorf("vendor %d payload is for %s %s, account is %s %s", v.ID, d.BIN, d.Account, acc.BIN, acc.AccountNumber)
		}
		if _, ok := qr.BankByBIN(acc.BIN); !ok {
			t.Errorf("vendor %d bank %s not in the directory", v.ID, acc.BIN)
		}
	}
	if withDiacritics < len(page.Vendors)/2 {
		t.Errorf("%d of %d names have diacritics; want most", withDiacritics, len(page.Vendors))
	}
}

func TestSeedRefuses(t *testing.T) { merchantstest.OnEachDatabase(t, testSeedRefuses) }

func testSeedRefuses(t *testing.T, db string) {
	ctx := context.Background()
	svc, st := merchantstest.NewServiceOn(t, db)
	communes := []merchants.Commune{{Code: merchantstest.CommuneA1, ProvinceCode: merchantstest.ProvinceA, Name: "A1", Type: merchants.UnitWard}}
	tests := []struct {
		name  string
		actor merchants.Actor
		opt   merchants.SeedOptions
		want  string
	}{
		{"not an admin", merchantstest.CommuneOfficer(merchantstest.CommuneA1), merchants.SeedOptions{Markets: 1, Communes: communes}, "forbidden"},
		{"no markets", merchantstest.Admin(), merchants.SeedOptions{Markets: 0, Vendors: 5, Communes: communes}, "markets: must be between 1 and 1000000"},
		{"no communes", merchantstest.Admin(), merchants.SeedOptions{Markets: 1, Vendors: 5}, "communes: at least one commune"},
		{"negative vendors", merchantstest.Admin(), merchants.SeedOptions{Markets: 1, Vendors: -1, Communes: communes}, "vendors: must be between 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := svc.Seed(ctx, tt.actor, st, tt.opt)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Seed error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

// realUnitsService opens a fresh store on db with a Service that knows the
// real administrative units, as seeding needs.
func realUnitsService(t *testing.T, db string) (*merchants.Service, *gormstore.Store, *merchants.Units) {
	t.Helper()
	units, err := merchants.LoadUnits(merchants.UnitEditions()[0])
	if err != nil {
		t.Fatal(err)
	}
	st := merchantstest.NewStoreOn(t, db)
	cfg := merchantstest.Config()
	cfg.Units = units
	return merchants.NewService(st, cfg), st, units
}

// stallsWithQRBeforeStallHoldings is how stalls_with_qr was counted before
// vendors could hold several stalls (migration 0005): active stalls that
// are the stall of an active vendor with an active account.
const stallsWithQRBeforeStallHoldings = `SELECT m.id, (SELECT COUNT(*) FROM vendors v JOIN stalls s ON s.id = v.stall_id
	WHERE v.market_id = m.id AND v.status = 'active' AND s.status = 'active'
	AND EXISTS (SELECT 1 FROM bank_accounts b WHERE b.vendor_id = v.id AND b.active)) FROM markets m ORDER BY m.id`

// seededHoldings checks the stall holdings a seed leaves: every vendor
// holds exactly its stall while active and none once inactive, the rules
// of holdings hold, and the counts are those of the time before a vendor
// could hold several stalls (the other counts' formulas did not change).
func seededHoldings(t *testing.T, svc *merchants.Service, st *gormstore.Store) {
	t.Helper()
	ctx := context.Background()
	merchantstest.CheckHoldings(t, st.DB())
	vendors := 0
	for _, status := range []merchants.VendorStatus{merchants.VendorActive, merchants.VendorInactive} {
		for f := (merchants.VendorFilter{Status: status, Limit: 200}); ; {
			page, err := svc.ListVendors(ctx, merchantstest.Admin(), f)
			if err != nil {
				t.Fatal(err)
			}
			for _, listed := range page.Vendors {
				vendors++
				v, err := svc.Vendor(ctx, merchantstest.Admin(), listed.ID)
				if err != nil {
					t.Fatal(err)
				}
				want := []merchants.VendorStall{{VendorID: v.ID, StallID: v.StallID, StallCode: v.StallCode, MarketID: v.MarketID, Active: true,
					SignPrintedVersion: v.SignPrintedVersion}}
				if status == merchants.VendorInactive {
					want = nil
				}
				got := v.Stalls
				for i := range got {
					if got[i].ID == 0 || got[i].AssignedAt.IsZero() {
						t.Errorf("vendor %d: holding %+v has no ID or assignment time", v.ID, got[i])
					}
					got[i].ID, got[i].AssignedBy, got[i].AssignedAt = 0, 0, time.Time{}
				}
				if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("%s vendor %d stalls (-want +got):\n%s", status, v.ID, diff)
				}
				if diff := cmp.Diff(v.StallCodes(), listed.StallCodes(), cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("vendor %d stalls listed and read differ (-read +listed):\n%s", v.ID, diff)
				}
			}
			if page.NextCursor == "" {
				break
			}
			f.Cursor = page.NextCursor
		}
	}
	rows, err := merchantstest.Rows(st.DB(), "SELECT COUNT(*) FROM vendor_stalls")
	if err != nil {
		t.Fatal(err)
	}
	if rows[0] != fmt.Sprint(vendors) {
		t.Errorf("%s stall holdings for %d vendors; want one each", rows[0], vendors)
	}
	counts, err := st.RecountMarkets(ctx, merchants.UnitFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var now []string
	for _, c := range counts {
		now = append(now, fmt.Sprintf("%d %d", c.MarketID, c.StallsWithQR))
	}
	before, err := merchantstest.Rows(st.DB(), stallsWithQRBeforeStallHoldings)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(before, now); diff != "" {
		t.Errorf("stalls with QR per market, counted as before stall holdings and now (-before +now):\n%s", diff)
	}
	for _, c := range counts {
		if kept, current := merchantstest.KeptCounts(t, st, c.MarketID); current && !cmp.Equal(kept, c) {
			t.Errorf("market %d: kept counts differ from a recount (-recount +kept):\n%s", c.MarketID, cmp.Diff(c, kept))
		}
	}
}
