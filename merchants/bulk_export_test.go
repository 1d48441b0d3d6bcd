package merchants_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sapqr/sapqr/merchants"
	"github.com/sapqr/sapqr/merchants/gormstore"
	"github.com/sapqr/sapqr/merchants/merchantstest"
	"github.com/sapqr/sapqr/merchants/tabular"
)

var storedTime = regexp.MustCompile(`\d{4}-\d{2}-\d{2} \d{2}:\d{2}`)

// TestExportGolden pins the CSV files officers receive: columns, headers,
// masking, dates in Vietnam's time. Run with -update to rewrite
// testdata/export-*.golden.csv after a deliberate change.
func TestExportGolden(t *testing.T) {
	ctx := context.Background()
	units, err := merchants.LoadUnits(merchants.UnitEditions()[0])
	if err != nil {
		t.Fatal(err)
	}
	cfg := merchantstest.Config()
	cfg.Units = units
	cfg.Now = func() time.Time { return time.Date(2026, 3, 8, 1, 30, 0, 0, time.UTC) }
	// SQLite: a fresh file numbers rows from 1, so the IDs are stable.
	svc := merchants.NewService(merchantstest.NewStoreOn(t, gormstore.SQLite), cfg)
	admin := merchantstest.Admin()
	if _, err := svc.ImportMarkets(ctx, admin, strings.NewReader(marketsCSV), tabular.CSV, false); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.ImportVendors(ctx, admin, strings.NewReader(vendorsCSV), tabular.CSV, false); err != nil {
		t.Fatal(err)
	}
	// A vendor with two stalls: one cell, main first.
	if _, err := svc.AssignStall(ctx, admin, 2, "A-03"); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name   string
		export func(w *bytes.Buffer) (int, error)
	}{
		{"markets", func(w *bytes.Buffer) (int, error) {
			return svc.ExportMarkets(ctx, admin, w, tabular.CSV, merchants.ExportFilter{})
		}},
		{"vendors", func(w *bytes.Buffer) (int, error) {
			return svc.ExportVendors(ctx, admin, w, tabular.CSV, merchants.ExportFilter{})
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if n, err := tt.export(&buf); err != nil || n != 3 {
				t.Fatalf("export: %d rows, %v; want 3", n, err)
			}
			// The store stamps rows with its own clock; the Service's
			// (consent) is fixed.
			got := storedTime.ReplaceAllStringFunc(buf.String(), func(s string) string {
				if s == "2026-03-08 08:30" {
					return s
				}
				return "<stored>"
			})
			golden := filepath.Join("testdata", "export-"+tt.name+".golden.csv")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("export (-golden +got):\n%s", diff)
			}
		})
	}
}

func TestExportVendors(t *testing.T) { merchantstest.OnEachDatabase(t, testExportVendors) }

func testExportVendors(t *testing.T, db string) {
	ctx := context.Background()
	svc := newBulkService(t, db)
	importMarkets(t, svc)
	if _, err := svc.ImportVendors(ctx, merchantstest.Admin(), strings.NewReader(vendorsCSV), tabular.CSV, false); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		actor    merchants.Actor
		filter   merchants.ExportFilter
		format   tabular.Format
		rows     int
		accounts []string
		wantErr  error
	}{
		{name: "masked by default", actor: merchantstest.Admin(), format: tabular.CSV, rows: 3,
			accounts: []string{"•••••••••4567", "••••••••9012", "••••••4567"}},
		{name: "full for admin on request", actor: merchantstest.Admin(), format: tabular.XLSX, filter: merchants.ExportFilter{FullAccounts: true}, rows: 3,
			accounts: []string{"0011001234567", "123456789012", "0901234567"}},
		{name: "by commune", actor: merchantstest.Admin(), format: tabular.CSV, filter: merchants.ExportFilter{CommuneCode: benThanh}, rows: 1,
			accounts: []string{"••••••4567"}},
		{name: "province officer sees its province, masked", actor: merchantstest.ProvinceOfficer(hanoi), format: tabular.CSV, rows: 2,
			accounts: []string{"•••••••••4567", "••••••••9012"}},
		{name: "province officer may not see full numbers", actor: merchantstest.ProvinceOfficer(hanoi), format: tabular.CSV,
			filter: merchants.ExportFilter{FullAccounts: true}, wantErr: merchants.ErrForbidden},
		{name: "member outside its communes", actor: merchantstest.Member(ngocHa), format: tabular.CSV,
			filter: merchants.ExportFilter{CommuneCode: benThanh}, wantErr: merchants.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			n, err := svc.ExportVendors(ctx, tt.actor, &buf, tt.format, tt.filter)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("ExportVendors error = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if n != tt.rows {
				t.Errorf("wrote %d rows, want %d", n, tt.rows)
			}
			r, err := tabular.NewReader(&buf, tt.format, tabular.Schema{{Key: "account_number", Aliases: []string{"Số tài khoản"}, Required: true}})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for {
				row, err := r.Next()
				if err != nil {
					break
				}
				got = append(got, row.Get("account_number"))
			}
			if diff := cmp.Diff(tt.accounts, got); diff != "" {
				t.Errorf("account numbers (-want +got):\n%s", diff)
			}
		})
	}
}

// TestExportImportRoundTrip re-imports full exports into the store they
// came from: every row is unchanged, a vendor with several stalls too.
func TestExportImportRoundTrip(t *testing.T) {
	merchantstest.OnEachDatabase(t, testExportImportRoundTrip)
}

func testExportImportRoundTrip(t *testing.T, db string) {
	ctx := context.Background()
	svc := newBulkService(t, db)
	admin := merchantstest.Admin()
	importMarkets(t, svc)
	if _, err := svc.ImportVendors(ctx, admin, strings.NewReader(vendorsCSV), tabular.CSV, false); err != nil {
		t.Fatal(err)
	}
	// Hà also sells at became her main stall: the
	// export lists it first, not in assignment order.
	for _, code := range []string{"A-03", "A-04"} {
		if _, err := svc.AssignStall(ctx, admin, 1, code); err != nil {
			t.Fatal(err)
		}
	}
	main := "A-04"
	if _, err := svc.UpdateVendor(ctx, admin, 1, merchants.UpdateVendorInput{StallCode: &main}); err != nil {
		t.Fatal(err)
	}
	wantStalls := []string{"Nguyễn Thị Hà: A-04, A-01, A-03", "Trần Văn Bình: A-02", "Lê Thị Cúc: B-01"}
	if diff := cmp.Diff(wantStalls, vendorStalls(t, svc)); diff != "" {
		t.Fatalf("stalls before the round trip (-want +got):\n%s", diff)
	}
	before := readState(t, svc)
	for _, f := range []tabular.Format{tabular.CSV, tabular.XLSX} {
		var markets, vendors bytes.Buffer
		if _, err := svc.ExportMarkets(ctx, admin, &markets, f, merchants.ExportFilter{}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.ExportVendors(ctx, admin, &vendors, f, merchants.ExportFilter{FullAccounts: true}); err != nil {
			t.Fatal(err)
		}
		rep, err := svc.ImportMarkets(ctx, admin, &markets, f, true)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(summary{Unchanged: 3}, summarize(rep)); diff != "" {
			t.Errorf("%s markets round trip (-want +got):\n%s", f, diff)
		}
		if f == tabular.CSV && !strings.Contains(vendors.String(), `"A-04, A-01, A-03"`) {
			t.Errorf("the CSV export does not list Hà's stalls main first in one cell:\n%s", vendors.String())
		}
		// A real run: nothing to apply, nothing changes.
		rep, err = svc.ImportVendors(ctx, admin, &vendors, f, false)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(summary{Applied: true, Unchanged: 3}, summarize(rep)); diff != "" {
			t.Errorf("%s vendors round trip (-want +got):\n%s", f, diff)
		}
		if diff := cmp.Diff(before, readState(t, svc)); diff != "" {
			t.Errorf("%s vendors round trip changed the store (-before +after):\n%s", f, diff)
		}
		if diff := cmp.Diff(wantStalls, vendorStalls(t, svc)); diff != "" {
			t.Errorf("%s vendors round trip changed the stalls (-want +got):\n%s", f, diff)
		}
	}
}
