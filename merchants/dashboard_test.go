package merchants_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	mt "github.com/sapqr/sapqr/merchants/merchantstest"
)

// TestDashboardFor: the country's table has a row per province with its
// full name and its markets summed; a commune's has a row per market; a
// member of several communes starts on the first.
func TestDashboardFor(t *testing.T) {
	ctx := context.Background()
	svc, ad := newAdoption(t)
	a1 := mt.Market(t, svc, mt.CommuneA1, 4)
	a2 := mt.Market(t, svc, mt.CommuneA2, 2)
	b1 := mt.Market(t, svc, mt.CommuneB1, 3)
	mt.Vendor(t, svc, a1, "A-1", 1)
	mt.Vendor(t, svc, a1, "A-2", 2)
	mt.Vendor(t, svc, a2, "B-1", 3)
	mt.Vendor(t, svc, b1, "C-1", 4)
	if _, err := ad.Drain(ctx); err != nil {
		t.Fatal(err)
	}

	d, err := ad.DashboardFor(ctx, mt.Admin(), "", "", 30)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Code          string
		Markets       int64
		VendorsWithQR int64
		StallsActive  int64
	}
	var got []row
	for _, r := range d.Rows {
		got = append(got, row{r.Code, r.Markets, r.VendorsWithQR, r.StallsActive})
	}
	// Sorted by full name: "Thành phố Hà Nội" (01) before "Thành phố Hồ Chí Minh" (79).
	want := []row{{mt.ProvinceA, 2, 3, 3}, {mt.ProvinceB, 1, 1, 1}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("country rows (-want +got):\n%s", diff)
	}
	if d.Rows[0].Name != "Thành phố Hà Nội" {
		t.Errorf("province row named %q; want its full name", d.Rows[0].Name)
	}
	if d.Totals.Markets != 3 || d.Totals.VendorsWithQR != 4 {
		t.Errorf("country totals %+v; want 3 markets, 4 vendors with QR", d.Totals)
	}
	if len(d.Members) != 1 || d.Members[0].Vendors != 4 {
		t.Errorf("members %+v; want the admin with 4 vendors", d.Members)
	}

	d, err = ad.DashboardFor(ctx, mt.Member(mt.CommuneA2, mt.CommuneA1), "", "", 30)
	if err != nil {
		t.Fatal(err)
	}
	if d.Unit.CommuneCode != mt.CommuneA2 || len(d.Rows) != 1 || d.Rows[0].Markets != 1 || d.Rows[0].VendorsWithQR != 1 {
		t.Errorf("member of two communes: unit %+v rows %+v; want commune %s with its one market", d.Unit, d.Rows, mt.CommuneA2)
	}
	if _, err := ad.DashboardFor(ctx, mt.Member(mt.CommuneA1), mt.ProvinceB, "", 30); err == nil {
		t.Error("a member asking another province's dashboard got it")
	}
}
