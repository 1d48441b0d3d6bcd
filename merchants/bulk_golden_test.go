package merchants_test

import (
	"bytes"
	"context"
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
