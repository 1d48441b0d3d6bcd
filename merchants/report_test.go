package merchants_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"github.com/sapqr/sapqr/merchants"
	"github.com/sapqr/sapqr/merchants/tabular"
)

func day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestPeriodRange(t *testing.T) {
	at := day("2026-11-17")
	cases := []struct {
		period   string
		from, to string
	}{
		{"month", "2026-11-01", "2026-11-30"},
		{"quarter", "2026-10-01", "2026-12-31"},
		{"6months", "2026-07-01", "2026-12-31"},
		{"year", "2026-01-01", "2026-12-31"},
		{" Quarter ", "2026-10-01", "2026-12-31"},
	}
	for _, c := range cases {
		p, err := merchants.ParsePeriod(c.period)
		if err != nil {
			t.Fatalf("ParsePeriod(%q): %v", c.period, err)
		}
		from, to, err := p.Range(at)
		if err != nil || !from.Equal(day(c.from)) || !to.Equal(day(c.to)) {
			t.Errorf("%s of %s = %s…%s, %v; want %s…%s", c.period, at.Format(time.DateOnly), from.Format(time.DateOnly), to.Format(time.DateOnly), err, c.from, c.to)
		}
	}
	for _, bad := range []string{"", "week", "6 months"} {
		if _, err := merchants.ParsePeriod(bad); err == nil {
			t.Errorf("ParsePeriod(%q) accepted an unknown period", bad)
		}
	}
}

func TestReport(t *testing.T) {
	ctx := context.Background()
	store := newFakeStore()
	now := day("2026-11-23").Add(10 * time.Hour)
	svc := merchants.NewAdoptionService(store, newCounters(), merchants.AdoptionConfig{Now: func() time.Time { return now }})
	store.names[1], store.names[2] = "Chợ Bến Thành", "Chợ Tân Định"

	// October's last snapshot: market 1 at 4/5 stalls (chợ 4.0), market 2
	// at 1/10, market 3 in another commune at 9/10.
	store.snapshots[day("2026-10-20")] = []merchants.MarketCounts{
		market(1, "79", "26734", 5, 4), market(2, "79", "26734", 10, 1), market(3, "79", "26740", 10, 9),
	}
	store.snapshots[day("2026-11-02")] = []merchants.MarketCounts{market(1, "79", "26734", 5, 0)} // after October: unused
	store.targets = []merchants.AdoptionTarget{
		{ProvinceCode: "79", CommuneCode: "26734", Cho40Share: 1, Due: day("2026-12-31")},
		{ProvinceCode: "79", Cho40Share: 0.5, Due: day("2026-06-30")},
		{ProvinceCode: "79", Cho40Share: 0.8, Due: day("2026-12-31")},
	}
	ptr := func(f float64) *float64 { return &f }
	due := func(s string) *time.Time { d := day(s); return &d }

	commune, err := svc.Report(ctx, merchants.ReportRequest{CommuneCode: "26734", Period: merchants.PeriodMonth, At: day("2026-10-01")})
	if err != nil {
		t.Fatal(err)
	}
	want := merchants.Report{
		ProvinceCode: "79", CommuneCode: "26734", Period: merchants.PeriodMonth,
		From: day("2026-10-01"), To: day("2026-10-31"), AsOf: day("2026-10-31"),
		Rows: []merchants.ReportRow{
			{Code: "1", Name: "Chợ Bến Thành", Markets: 1, Cho40Markets: 1, StallsActive: 5, StallsWithQR: 4, VendorsWithQR: 4, VendorsTransacting: 2, QRRate: 0.8},
			{Code: "2", Name: "Chợ Tân Định", Markets: 1, StallsActive: 10, StallsWithQR: 1, VendorsWithQR: 1, QRRate: 0.1},
		},
		Total: merchants.ReportRow{Name: "Tổng cộng", Markets: 2, Cho40Markets: 1, StallsActive: 15, StallsWithQR: 5, VendorsWithQR: 5, VendorsTransacting: 2,
			QRRate: 5.0 / 15, TargetProgress: ptr(0.5), TargetShare: ptr(1), TargetDue: due("2026-12-31")},
		// September: no snapshot by its end, so no previous figures.
		PreviousFrom: day("2026-09-01"), PreviousTo: day("2026-09-30"),
	}
	if diff := cmp.Diff(want, commune); diff != "" {
		t.Errorf("commune report (-want +got):\n%s", diff)
	}
	if got, want := commune.Total.Cells(), []any{"", "Tổng cộng", int64(2), int64(1), int64(15), int64(5), int64(2), 33.3, 50.0,
		100.0, "2026-12-31", "", "", "", "", "", "", int64(0), int64(0)}; !cmp.Equal(got, want) {
		t.Errorf("total cells = %v, want %v", got, want)
	}

	province, err := svc.Report(ctx, merchants.ReportRequest{ProvinceCode: "79", Period: merchants.PeriodQuarter, At: day("2026-08-01")})
	if err != nil {
		t.Fatal(err)
	}
	// The quarter July–September ends before the October snapshot: nothing.
	if len(province.Rows) != 0 || province.Total.Markets != 0 {
		t.Errorf("Q3 report = %+v, want no rows: no snapshot by its end", province)
	}
	store.snapshots[day("2026-09-30")] = store.snapshots[day("2026-10-20")]
	province, err = svc.Report(ctx, merchants.ReportRequest{ProvinceCode: "79", Period: merchants.PeriodQuarter, At: day("2026-08-01")})
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, r := range append(province.Rows, province.Total) {
		progress := "-"
		if r.TargetProgress != nil {
			progress = fmt.Sprintf("%.3f", *r.TargetProgress)
		}
		lines = append(lines, r.Code+" "+r.Name+" "+progress)
	}
	// Commune 26734 has its own target (1.0 by Dec 31: half met); 26740 has
	// none and takes the province's (0.8 by Dec 31: 1/1 ÷ 0.8).
	wantLines := []string{"26734 26734 0.500", "26740 26740 1.250", " Tổng cộng 0.833"}
	if diff := cmp.Diff(wantLines, lines); diff != "" {
		t.Errorf("province report lines (-want +got):\n%s", diff)
	}

	// November (live, counters cold: the database) beside October's last
	// snapshot; commune 26740 has no target and takes the province's.
	store.change(market(3, "79", "26740", 10, 7))
	nov, err := svc.Report(ctx, merchants.ReportRequest{CommuneCode: "26740", Period: merchants.PeriodMonth})
	if err != nil {
		t.Fatal(err)
	}
	wantNov := merchants.Report{
		ProvinceCode: "79", CommuneCode: "26740", Period: merchants.PeriodMonth, Source: merchants.SourceDatabase,
		From: day("2026-11-01"), To: day("2026-11-30"), AsOf: day("2026-11-23"),
		PreviousFrom: day("2026-10-01"), PreviousTo: day("2026-10-31"),
		Rows: []merchants.ReportRow{{Code: "3", Markets: 1, StallsActive: 10, StallsWithQR: 7, VendorsWithQR: 7, VendorsTransacting: 3, QRRate: 0.7,
			Previous: &merchants.ReportRow{Code: "3", Markets: 1, Cho40Markets: 1, StallsActive: 10, StallsWithQR: 9, VendorsWithQR: 9, VendorsTransacting: 4, QRRate: 0.9}}},
		Total: merchants.ReportRow{Name: "Tổng cộng", Markets: 1, StallsActive: 10, StallsWithQR: 7, VendorsWithQR: 7, VendorsTransacting: 3, QRRate: 0.7,
			TargetProgress: ptr(0), TargetShare: ptr(0.8), TargetDue: due("2026-12-31"),
			Previous: &merchants.ReportRow{Name: "Tổng cộng", Markets: 1, Cho40Markets: 1, StallsActive: 10, StallsWithQR: 9, VendorsWithQR: 9, VendorsTransacting: 4, QRRate: 0.9}},
	}
	if diff := cmp.Diff(wantNov, nov); diff != "" {
		t.Errorf("November report of a commune without a target (-want +got):\n%s", diff)
	}
	if got, want := nov.Rows[0].Cells()[11:17], []any{int64(1), int64(1), int64(10), int64(9), int64(4), 90.0}; !cmp.Equal(got, want) {
		t.Errorf("previous cells = %v, want %v", got, want)
	}

	store.change(market(1, "79", "26734", 5, 5))
	live, err := svc.Report(ctx, merchants.ReportRequest{CommuneCode: "26734", Period: merchants.PeriodYear})
	if err != nil {
		t.Fatal(err)
	}
	if !live.AsOf.Equal(day("2026-11-23")) || live.Source != merchants.SourceDatabase || live.Total.Cho40Markets != 1 {
		t.Errorf("current year report as of %s from %q, want today from the database (counters cold) with today's chợ 4.0 market", live.AsOf, live.Source)
	}
}

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func TestWriteReportGolden(t *testing.T) {
	progress, share, due := 0.5, 1.0, day("2026-12-31")
	rep := merchants.Report{
		ProvinceCode: "79", CommuneCode: "26734", Period: merchants.PeriodMonth,
		Rows: []merchants.ReportRow{
			{Code: "1", Name: "Chợ Bến Thành", Markets: 1, Cho40Markets: 1, StallsActive: 5, StallsWithQR: 4, VendorsWithQR: 4, VendorsTransacting: 2, QRRate: 0.8},
			{Code: "2", Name: "=cmd|' /C calc'!A0", Markets: 1, StallsActive: 3, StallsWithQR: 1, VendorsWithQR: 1, QRRate: 1.0 / 3,
				Previous: &merchants.ReportRow{Code: "2", Markets: 1, StallsActive: 2, StallsWithQR: 0}},
		},
		Total: merchants.ReportRow{Name: "Tổng cộng", Markets: 2, Cho40Markets: 1, StallsActive: 8, StallsWithQR: 5, VendorsWithQR: 5, VendorsTransacting: 2,
			QRRate: 5.0 / 8, TargetProgress: &progress, TargetShare: &share, TargetDue: &due},
	}
	var buf bytes.Buffer
	if err := merchants.WriteReport(&buf, tabular.CSV, rep); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "report.golden.csv")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), buf.String()); diff != "" {
		t.Errorf("CSV report (-golden +got):\n%s", diff)
	}

	buf.Reset()
	if err := merchants.WriteReport(&buf, tabular.XLSX, rep); err != nil {
		t.Fatal(err)
	}
	book, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	sheet, err := book.GetRows("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	csvRows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(want), "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	// The same cells as the CSV, but for the apostrophe CSV puts before a
	// formula-like text, and the empty trailing cells XLSX leaves out.
	for i := range csvRows {
		csvRows[i][1] = strings.TrimPrefix(csvRows[i][1], "'")
		for n := len(csvRows[i]); n > 0 && csvRows[i][n-1] == ""; n-- {
			csvRows[i] = csvRows[i][:n-1]
		}
	}
	if diff := cmp.Diff(csvRows, sheet); diff != "" {
		t.Errorf("XLSX cells against the CSV (-csv +xlsx):\n%s", diff)
	}
}

func TestReportValidation(t *testing.T) {
	ctx := context.Background()
	_, _, svc := setup(t)
	cases := []struct {
		name  string
		call  func() error
		field string
	}{
		{"report without unit", func() error {
			_, err := svc.Report(ctx, merchants.ReportRequest{Period: merchants.PeriodMonth})
			return err
		}, "unit"},
		{"report with unknown period", func() error {
			_, err := svc.Report(ctx, merchants.ReportRequest{CommuneCode: "00004", Period: "week"})
			return err
		}, "period"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var v *merchants.ValidationError
			if err := c.call(); !errors.As(err, &v) {
				t.Fatalf("err = %v, want a *ValidationError", err)
			}
			if len(v.Fields) != 1 || v.Fields[0].Field != c.field {
				t.Errorf("fields %+v, want one error on %q", v.Fields, c.field)
			}
		})
	}
}
