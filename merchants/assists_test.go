package merchants_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/sapqr/sapqr/merchants"
	mt "github.com/sapqr/sapqr/merchants/merchantstest"
)

// TestAssistsInReports: what the team helped a vendor with at its
// registration (assisted) is counted in the reports of the period it
// happened in, per market and in the total, each kind once per vendor; a
// registration in another period is not; an unknown assist is refused by
// its index and nothing is registered.
func TestAssistsInReports(t *testing.T) {
	mt.OnEachDatabase(t, func(t *testing.T, db string) {
		ctx := context.Background()
		// 23:30 on 30 November in Việt Nam is still November there.
		now := time.Date(2026, 11, 30, 16, 30, 0, 0, time.UTC)
		cfg := mt.Config()
		cfg.Now = func() time.Time { return now }
		st := mt.NewStoreOn(t, db)
		s := merchants.NewService(st, cfg)
		adoption := merchants.NewAdoptionService(st, newCounters(), merchants.AdoptionConfig{
			Now: func() time.Time { return now }})
		m1, m2 := mt.Market(t, s, mt.CommuneA1, 10), mt.Market(t, s, mt.CommuneA1, 10)
		member := mt.Member(mt.CommuneA1)
		register := func(m merchants.Market, stall string, n int, assisted ...merchants.Assist) error {
			_, err := s.RegisterVendor(ctx, member, merchants.RegisterVendorInput{MarketID: m.ID, StallCode: stall,
				FullName: "Nguyễn Thị Hà", Phone: mt.Phone(n), Consent: true, BankAccount: mt.BankAccount(n), Assisted: assisted})
			return err
		}
		for n, r := range []struct {
			m        merchants.Market
			stall    string
			assisted []merchants.Assist
		}{
			{m1, "A-1", []merchants.Assist{merchants.AssistAppInstalled, merchants.AssistAccountOpened, merchants.AssistAccountOpened}},
			{m1, "A-2", []merchants.Assist{merchants.AssistAccountOpened, merchants.AssistSIMRegistered}},
			{m1, "A-3", nil},
			{m2, "B-1", []merchants.Assist{merchants.AssistAppInstalled}},
		} {
			if err := register(r.m, r.stall, n+1, r.assisted...); err != nil {
				t.Fatalf("register %s: %v", r.stall, err)
			}
		}
		var ve *merchants.ValidationError
		if err := register(m2, "B-2", 9, merchants.AssistAppInstalled, "vay_von"); !errors.As(err, &ve) || ve.Fields[0].Field != "assisted[1]" {
			t.Fatalf("an unknown assist: %v; want a validation error on assisted[1]", err)
		}
		rep, err := adoption.Report(ctx, merchants.ReportRequest{CommuneCode: mt.CommuneA1, Period: merchants.PeriodMonth,
			At: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		type counts struct{ opened, installed int64 }
		got := map[string]counts{"total": {rep.Total.AccountsOpened, rep.Total.AppsInstalled}}
		for _, r := range rep.Rows {
			got[r.Code] = counts{r.AccountsOpened, r.AppsInstalled}
		}
		want := map[string]counts{strconv.FormatInt(m1.ID, 10): {2, 1}, strconv.FormatInt(m2.ID, 10): {0, 1}, "total": {2, 2}}
		for k, w := range want {
			if got[k] != w {
				t.Errorf("November, row %s: accounts opened, apps installed = %v, want %v", k, got[k], w)
			}
		}
		now = time.Date(2026, 11, 30, 17, 30, 0, 0, time.UTC) // 00:30 on 1 December in Việt Nam
		if err := register(m2, "B-3", 10, merchants.AssistAccountOpened); err != nil {
			t.Fatal(err)
		}

		prov, err := adoption.Report(ctx, merchants.ReportRequest{ProvinceCode: mt.ProvinceA, Period: merchants.PeriodMonth,
			At: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		if prov.Total.AccountsOpened != 1 || prov.Total.AppsInstalled != 0 || len(prov.Rows) != 1 || prov.Rows[0].AccountsOpened != 1 {
			t.Errorf("December, province: total %d opened, %d installed, rows %+v; want the one account opened after midnight, in its commune's row",
				prov.Total.AccountsOpened, prov.Total.AppsInstalled, prov.Rows)
		}
	})
}
