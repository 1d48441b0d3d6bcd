package gormstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/sapqr/sapqr/merchants"
	"github.com/sapqr/sapqr/merchants/merchantstest"
)

func day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestAdoptionThresholdsAndTargets(t *testing.T) {
	ctx := context.Background()
	st := merchantstest.NewStore(t)

	if err := st.SetCho40Threshold(ctx, "01", 0.9); err != nil {
		t.Fatal(err)
	}
	if err := st.SetCho40Threshold(ctx, "01", 0.75); err != nil { // replaces
		t.Fatal(err)
	}
	if err := st.SetCho40Threshold(ctx, "79", 1.5); err == nil {
		t.Error("a threshold above 1 was stored")
	}
	thr, err := st.Cho40Thresholds(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]float64{"01": 0.75}, thr); diff != "" {
		t.Errorf("thresholds (-want +got):\n%s", diff)
	}

	targets := []merchants.AdoptionTarget{
		{ProvinceCode: "01", Cho40Share: 0.5, Due: day("2026-06-30")},
		{ProvinceCode: "01", Cho40Share: 0.8, Due: day("2026-12-31")},
		{ProvinceCode: "01", CommuneCode: "00004", Cho40Share: 0.9, Due: day("2026-12-31")},
		{ProvinceCode: "79", CommuneCode: "26734", Cho40Share: 1, Due: day("2026-12-31")},
	}
	for _, tg := range targets {
		if err := st.SetAdoptionTarget(ctx, tg); err != nil {
			t.Fatal(err)
		}
	}
	replaced := merchants.AdoptionTarget{ProvinceCode: "01", CommuneCode: "00004", Cho40Share: 1, Due: day("2026-12-31")}
	if err := st.SetAdoptionTarget(ctx, replaced); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		f    merchants.UnitFilter
		want []merchants.AdoptionTarget
	}{
		{merchants.UnitFilter{CommuneCode: "00004"}, []merchants.AdoptionTarget{replaced}},
		{merchants.UnitFilter{ProvinceCode: "01"}, []merchants.AdoptionTarget{targets[0], targets[1], replaced}},
		{merchants.UnitFilter{}, []merchants.AdoptionTarget{targets[0], targets[1], replaced, targets[3]}},
	}
	for _, c := range cases {
		got, err := st.AdoptionTargets(ctx, c.f)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("AdoptionTargets(%+v) (-want +got):\n%s", c.f, diff)
		}
	}
}

func TestAdoptionSnapshots(t *testing.T) {
	ctx := context.Background()
	st := merchantstest.NewStore(t)
	mc := func(id int64, province, commune string, vendors int64) merchants.MarketCounts {
		return merchants.MarketCounts{MarketID: id, ProvinceCode: province, CommuneCode: commune, Version: vendors,
			StallsDeclared: 50, StallsActive: 40, StallsWithQR: vendors, Vendors: vendors, VendorsWithQR: vendors, SignsPrinted: 1, VendorsTransacting: 2}
	}
	save := func(d string, counts ...merchants.MarketCounts) {
		t.Helper()
		if err := st.SaveAdoptionSnapshot(ctx, day(d), counts); err != nil {
			t.Fatal(err)
		}
	}
	save("2026-10-01", mc(1, "01", "00004", 1), mc(2, "01", "00008", 2), mc(3, "79", "26734", 3))
	save("2026-10-02", mc(1, "01", "00004", 5))
	save("2026-10-02", mc(1, "01", "00004", 6)) // the same day again replaces
	save("2026-10-05", mc(2, "01", "00008", 7), mc(3, "79", "26734", 8))

	at := []struct {
		f    merchants.UnitFilter
		day  string
		want []merchants.MarketCounts
	}{
		{merchants.UnitFilter{}, "2026-09-30", nil},
		{merchants.UnitFilter{}, "2026-10-01", []merchants.MarketCounts{mc(1, "01", "00004", 1), mc(2, "01", "00008", 2), mc(3, "79", "26734", 3)}},
		{merchants.UnitFilter{}, "2026-10-04", []merchants.MarketCounts{mc(1, "01", "00004", 6), mc(2, "01", "00008", 2), mc(3, "79", "26734", 3)}},
		{merchants.UnitFilter{ProvinceCode: "01"}, "2026-12-31", []merchants.MarketCounts{mc(1, "01", "00004", 6), mc(2, "01", "00008", 7)}},
		{merchants.UnitFilter{CommuneCode: "26734"}, "2026-10-05", []merchants.MarketCounts{mc(3, "79", "26734", 8)}},
	}
	for _, c := range at {
		got, err := st.AdoptionSnapshotAt(ctx, c.f, day(c.day))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(c.want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("AdoptionSnapshotAt(%+v, %s) (-want +got):\n%s", c.f, c.day, diff)
		}
	}

	series, err := st.AdoptionSeries(ctx, merchants.UnitFilter{ProvinceCode: "01"}, day("2026-10-02"), day("2026-10-31"))
	if err != nil {
		t.Fatal(err)
	}
	sums := func(counts ...merchants.MarketCounts) merchants.CountSums {
		var s merchants.CountSums
		for _, c := range counts {
			s.Add(c)
		}
		return s
	}
	want := []merchants.AdoptionPoint{
		{Day: day("2026-10-02"), CountSums: sums(mc(1, "01", "00004", 6))},
		{Day: day("2026-10-05"), CountSums: sums(mc(2, "01", "00008", 7))},
	}
	if diff := cmp.Diff(want, series); diff != "" {
		t.Errorf("AdoptionSeries (-want +got):\n%s", diff)
	}
}

func TestMemberAdoptionAndNames(t *testing.T) {
	ctx := context.Background()
	svc, st := merchantstest.NewService(t)
	m := merchantstest.Market(t, svc, "00004", 10)
	other := merchantstest.Market(t, svc, "26734", 10)
	admin, member := merchantstest.Admin(), merchantstest.Member("00004")
	register := func(a merchants.Actor, mk merchants.Market, stall string, n int) merchants.Vendor {
		t.Helper()
		r, err := svc.RegisterVendor(ctx, a, merchants.RegisterVendorInput{
			MarketID: mk.ID, StallCode: stall, FullName: "Trần Văn Bình", Phone: merchantstest.Phone(n), Consent: true,
			BankAccount: merchantstest.BankAccount(n),
		})
		if err != nil {
			t.Fatal(err)
		}
		return r.Vendor
	}
	v1 := register(member, m, "A-1", 1)
	register(member, m, "A-2", 2)
	gone := register(member, m, "A-3", 3)
	register(admin, m, "B-1", 4)
	register(admin, other, "C-1", 5)
	if _, err := svc.ConfirmTransacting(ctx, member, v1.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.DeactivateVendor(ctx, admin, gone.ID); err != nil {
		t.Fatal(err)
	}

	got, err := st.MemberAdoption(ctx, merchants.UnitFilter{CommuneCode: "00004"})
	if err != nil {
		t.Fatal(err)
	}
	want := []merchants.MemberAdoption{
		{UserID: admin.UserID, Vendors: 1, VendorsWithQR: 1},
		{UserID: member.UserID, Vendors: 2, VendorsWithQR: 2, VendorsTransacting: 1},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("MemberAdoption (-want +got):\n%s", diff)
	}

	names, err := st.MarketNames(ctx, merchants.UnitFilter{ProvinceCode: "79"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[int64]string{other.ID: other.Name}, names); diff != "" {
		t.Errorf("MarketNames (-want +got):\n%s", diff)
	}
}
