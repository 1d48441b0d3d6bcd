package merchants_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/sapqr/sapqr/merchants"
	mt "github.com/sapqr/sapqr/merchants/merchantstest"
	"github.com/sapqr/sapqr/merchants/rediscounters"
)

// realUnits is the unit directory in force, in which the test units of
// merchantstest exist: communes 00004 and 00008 of province 01, 26734 of
// province 79.
func realUnits(t testing.TB) *merchants.Units {
	t.Helper()
	u, err := merchants.LoadUnits(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// newAdoption returns a domain service and an adoption service over one
// fresh store, with in-memory counters.
func newAdoption(t testing.TB) (*merchants.Service, *merchants.AdoptionService) {
	t.Helper()
	svc, store := mt.NewService(t)
	return svc, merchants.NewAdoptionService(store, rediscounters.NewMemory(), merchants.AdoptionConfig{Units: realUnits(t)})
}

func TestAdoptionScope(t *testing.T) {
	_, ad := newAdoption(t)
	const hcm = "25747" // Phường Thủ Dầu Một, of province 79 (ProvinceB)
	twoCommunes := mt.Member(mt.CommuneA1, mt.CommuneA2)
	notFound, invalid := errors.New("not found"), errors.New("invalid")
	tests := []struct {
		name              string
		a                 merchants.Actor
		province, commune string
		want              merchants.UnitFilter
		err               error // notFound, invalid or nil
	}{
		{"admin, nothing asked: the country", mt.Admin(), "", "", merchants.UnitFilter{}, nil},
		{"admin asks a commune: its province is found", mt.Admin(), "", hcm, merchants.UnitFilter{ProvinceCode: mt.ProvinceB, CommuneCode: hcm}, nil},
		{"admin, commune named with another province", mt.Admin(), mt.ProvinceA, hcm, merchants.UnitFilter{}, invalid},
		{"admin, unknown commune", mt.Admin(), "", "99999", merchants.UnitFilter{}, notFound},
		{"admin, unknown province", mt.Admin(), "00", "", merchants.UnitFilter{}, notFound},
		{"province officer, nothing asked: its province", mt.ProvinceOfficer(mt.ProvinceA), "", "", merchants.UnitFilter{ProvinceCode: mt.ProvinceA}, nil},
		{"province officer, a commune of its province", mt.ProvinceOfficer(mt.ProvinceA), "", mt.CommuneA2, merchants.UnitFilter{ProvinceCode: mt.ProvinceA, CommuneCode: mt.CommuneA2}, nil},
		{"province officer, another province", mt.ProvinceOfficer(mt.ProvinceA), mt.ProvinceB, "", merchants.UnitFilter{}, notFound},
		{"province officer, a commune elsewhere", mt.ProvinceOfficer(mt.ProvinceA), "", hcm, merchants.UnitFilter{}, notFound},
		{"member of one commune, nothing asked: it", mt.Member(mt.CommuneA1), "", "", merchants.UnitFilter{ProvinceCode: mt.ProvinceA, CommuneCode: mt.CommuneA1}, nil},
		{"member of two communes must choose", twoCommunes, "", "", merchants.UnitFilter{}, invalid},
		{"member of two communes chooses one", twoCommunes, "", mt.CommuneA2, merchants.UnitFilter{ProvinceCode: mt.ProvinceA, CommuneCode: mt.CommuneA2}, nil},
		{"member asks its province", mt.Member(mt.CommuneA1), mt.ProvinceA, "", merchants.UnitFilter{}, notFound},
		{"commune officer, another commune", mt.CommuneOfficer(mt.CommuneA1), "", mt.CommuneA2, merchants.UnitFilter{}, notFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ad.Scope(tt.a, tt.province, tt.commune)
			var ve *merchants.ValidationError
			switch {
			case tt.err == notFound && !errors.Is(err, merchants.ErrNotFound),
				tt.err == invalid && !errors.As(err, &ve),
				tt.err == nil && err != nil:
				t.Fatalf("Scope = %+v, %v; want error %v", got, err, tt.err)
			case tt.err == nil && (got.ProvinceCode != tt.want.ProvinceCode || got.CommuneCode != tt.want.CommuneCode):
				t.Fatalf("Scope = %+v; want %+v", got, tt.want)
			}
		})
	}
}

// TestAdoptionForActors: a market's figures, a unit's and a report are
// answered within the actor's area only, and reports only to officers.
func TestAdoptionForActors(t *testing.T) {
	ctx := context.Background()
	svc, ad := newAdoption(t)
	m := mt.Market(t, svc, mt.CommuneA1, 4)
	mt.Vendor(t, svc, m, "A-1", 1)
	if _, err := ad.Drain(ctx); err != nil {
		t.Fatal(err)
	}

	got, err := ad.MarketFor(ctx, mt.Member(mt.CommuneA1), m.ID)
	if err != nil || got.MarketID != m.ID || got.Vendors != 1 || got.StallsActive != 1 {
		t.Fatalf("MarketFor in area = %+v, %v; want market %d with 1 vendor on 1 active stall", got, err, m.ID)
	}
	for _, a := range []merchants.Actor{mt.Member(mt.CommuneA2), mt.ProvinceOfficer(mt.ProvinceB)} {
		if _, err := ad.MarketFor(ctx, a, m.ID); !errors.Is(err, merchants.ErrNotFound) {
			t.Errorf("MarketFor by %s of %v %s: %v; want ErrNotFound", a.Role, a.CommuneCodes, a.ProvinceCode, err)
		}
	}
	if _, err := ad.MarketFor(ctx, mt.Admin(), m.ID+1000); !errors.Is(err, merchants.ErrNotFound) {
		t.Errorf("MarketFor of a market that does not exist: %v; want ErrNotFound", err)
	}

	u, err := ad.UnitFor(ctx, mt.ProvinceOfficer(mt.ProvinceA), "", "")
	if err != nil || u.ProvinceCode != mt.ProvinceA || u.Markets != 1 || u.Vendors != 1 {
		t.Fatalf("UnitFor province officer = %+v, %v; want province %s with 1 market, 1 vendor", u, err, mt.ProvinceA)
	}

	if _, err := ad.ReportFor(ctx, mt.Member(mt.CommuneA1), "", mt.CommuneA1, merchants.PeriodMonth, time.Time{}); !errors.Is(err, merchants.ErrForbidden) {
		t.Errorf("ReportFor member: %v; want ErrForbidden", err)
	}
	var ve *merchants.ValidationError
	if _, err := ad.ReportFor(ctx, mt.Admin(), "", "", merchants.PeriodMonth, time.Time{}); !errors.As(err, &ve) || ve.Fields[0].Field != "province" {
		t.Errorf("ReportFor the whole country: %v; want a validation error on province", err)
	}
	rep, err := ad.ReportFor(ctx, mt.CommuneOfficer(mt.CommuneA1), "", "", merchants.PeriodMonth, time.Time{})
	if err != nil || rep.CommuneCode != mt.CommuneA1 || len(rep.Rows) != 1 || rep.Total.VendorsWithQR != 1 {
		t.Fatalf("ReportFor commune officer = %+v, %v; want commune %s, one market row, 1 vendor with QR", rep, err, mt.CommuneA1)
	}
}
