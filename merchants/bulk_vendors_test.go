package merchants_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sapqr/sapqr/merchants"
	"github.com/sapqr/sapqr/merchants/merchantstest"
	"github.com/sapqr/sapqr/merchants/tabular"
)

func TestImportVendors(t *testing.T) { merchantstest.OnEachDatabase(t, testImportVendors) }

func testImportVendors(t *testing.T, db string) {
	ctx := context.Background()
	admin := merchantstest.Admin()
	tests := []struct {
		name    string
		actor   merchants.Actor
		in      []byte
		format  tabular.Format
		dryRun  bool
		want    summary
		wantErr string
		vendors int
	}{
		{
			name: "vietnamese headers", actor: admin, in: []byte(vendorsCSV), format: tabular.CSV,
			want: summary{Applied: true, Created: 3}, vendors: 3,
		},
		{
			name: "xlsx with english headers", actor: admin, format: tabular.XLSX,
			in: xlsx(t, [][]any{
				{"market_code", "commune_code", "stall_code", "full_name", "phone", "bank", "account_number", "holder_name", "consent"},
				{"BD", "00004", "A-01", "Nguyễn Thị Hà", 912345678, "VCB", "0011001234567", "NGUYEN THI HA", "yes"},
			}),
			want: summary{Applied: true, Created: 1}, vendors: 1,
		},
		{
			name: "dry run changes nothing", actor: admin, in: []byte(vendorsCSV), format: tabular.CSV, dryRun: true,
			want: summary{Created: 3}, vendors: 0,
		},
		{
			name: "bad rows: all or nothing", actor: admin, format: tabular.CSV,
			in: []byte(vendorsHeader +
				"BD,00004,A-01,Rau củ,Nguyễn Thị Hà,0912345678,Vietcombank,0011001234567,NGUYEN THI HA,có\n" +
				"BD,00004,A-02,,Trần Văn Bình,0123,Ngân hàng X,12,TRAN VAN BINH,không\n" +
				"ZZ,00004,A-03,,Lê Văn C,0987654321,970436,99,LE VAN C,có\n"),
			want: summary{Created: 1, Failed: 2, Errors: []string{
				"line 3: phone: must be a Vietnamese mobile number of ten digits such as 0912345678 (or +84 912345678)",
				"line 3: bank: \"Ngân hàng X\" is not a bank of the VietQR directory; give its BIN (6 digits), code or short name",
				"line 3: consent: must be yes (có, x): the vendor agrees to the storage of their name, phone and bank account",
				"line 4: market: there is no market ZZ in commune 00004 in your area; import the markets first",
			}},
			wantErr: "line 3: phone", vendors: 0,
		},
		{
			name: "the same stall twice in one file", actor: admin, format: tabular.CSV,
			in: []byte(vendorsHeader +
				"BD,00004,A-01,,Nguyễn Thị Hà,0912345678,VCB,0011001234567,NGUYEN THI HA,có\n" +
				"BD,00004,A-01,,Trần Văn Bình,0987654321,VCB,0011009999999,TRAN VAN BINH,có\n"),
			want: summary{Created: 1, Failed: 1, Errors: []string{
				"line 3: row: conflict: stall A-01 already has vendor 1 (Nguyễn Thị Hà, phone 0912345678); deactivate that vendor first",
			}},
			wantErr: "line 3: row: conflict", vendors: 0,
		},
		{
			name: "the same bank account twice in one file", actor: admin, format: tabular.CSV,
			in: []byte(vendorsHeader +
				"BD,00004,A-01,,Nguyễn Thị Hà,0912345678,VCB,0011001234567,NGUYEN THI HA,có\n" +
				"BD,00004,A-02,,Trần Văn Bình,0987654321,970436,0011001234567,NGUYEN THI HA,có\n"),
			want: summary{Created: 1, Failed: 1, Errors: []string{
				"line 3: row: conflict: bank account 970436 •••••••••4567 is already registered to another vendor",
			}},
			wantErr: "line 3: row: conflict", vendors: 0,
		},
		{
			name: "member outside its communes sees no such market", actor: merchantstest.Member(baDinh), in: []byte(vendorsCSV), format: tabular.CSV,
			want:    summary{Created: 2, Failed: 1, Errors: []string{"line 4: market: there is no market BT in commune 26743 in your area; import the markets first"}},
			wantErr: "line 4: market", vendors: 0,
		},
		{
			// The same answer as for a market that does not exist: an
			// import tells nobody what lies outside their area.
			name: "a market elsewhere answers like a market that does not exist", actor: merchantstest.Member(baDinh), format: tabular.CSV,
			in: []byte(vendorsHeader +
				"BT,26743,B-01,,Lê Thị Cúc,0901234567,MB,0901234567,LE THI CUC,yes\n" +
				"QQ,26743,B-02,,Lê Thị Dung,0901234568,MB,0901234568,LE THI DUNG,yes\n"),
			want: summary{Failed: 2, Errors: []string{
				"line 2: market: there is no market BT in commune 26743 in your area; import the markets first",
				"line 3: market: there is no market QQ in commune 26743 in your area; import the markets first",
			}},
			wantErr: "line 2: market", vendors: 0,
		},
		{
			name: "province officers register nobody", actor: merchantstest.ProvinceOfficer(hanoi), in: []byte(vendorsCSV), format: tabular.CSV,
			wantErr: "forbidden",
		},
		{
			name: "not an xlsx file", actor: admin, in: []byte(vendorsCSV), format: tabular.XLSX,
			wantErr: "file: not a readable XLSX file",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := newBulkService(t, db)
			importMarkets(t, svc)
			rep, err := svc.ImportVendors(ctx, tt.actor, bytes.NewReader(tt.in), tt.format, tt.dryRun)
			if tt.wantErr == "" && err != nil {
				t.Fatalf("ImportVendors: %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("ImportVendors error = %v, want it to contain %q", err, tt.wantErr)
			}
			var verr *merchants.ValidationError
			if tt.want.Failed > 0 && !errors.As(err, &verr) {
				t.Errorf("error %T, want *merchants.ValidationError", err)
			}
			if diff := cmp.Diff(tt.want, summarize(rep)); diff != "" {
				t.Errorf("report (-want +got):\n%s", diff)
			}
			if got := len(readState(t, svc).Vendors); got != tt.vendors {
				t.Errorf("%d vendors stored, want %d", got, tt.vendors)
			}
		})
	}
}

func TestImportVendorsIdempotent(t *testing.T) {
	merchantstest.OnEachDatabase(t, testImportVendorsIdempotent)
}

func testImportVendorsIdempotent(t *testing.T, db string) {
	ctx := context.Background()
	svc := newBulkService(t, db)
	admin := merchantstest.Admin()
	importMarkets(t, svc)
	if _, err := svc.ImportVendors(ctx, admin, strings.NewReader(vendorsCSV), tabular.CSV, false); err != nil {
		t.Fatal(err)
	}
	before := readState(t, svc)
	want := []string{
		"market 1 A-01 Nguyễn Thị Hà 0912345678 970436 0011001234567 NGUYEN THI HA",
		"market 1 A-02 Trần Văn Bình 0987654321 970415 123456789012 TRAN VAN BINH",
		"market 3 B-01 Lê Thị Cúc 0901234567 970422 0901234567 LE THI CUC",
	}
	if diff := cmp.Diff(want, before.Vendors); diff != "" {
		t.Errorf("stored vendors (-want +got):\n%s", diff)
	}
	for _, dry := range []bool{true, false} {
		rep, err := svc.ImportVendors(ctx, admin, strings.NewReader(vendorsCSV), tabular.CSV, dry)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(summary{Applied: !dry, Unchanged: 3}, summarize(rep)); diff != "" {
			t.Errorf("re-import (dry run %v) report (-want +got):\n%s", dry, diff)
		}
		if diff := cmp.Diff(before, readState(t, svc)); diff != "" {
			t.Errorf("re-import (dry run %v) changed the store (-before +after):\n%s", dry, diff)
		}
	}
	renamed := strings.Replace(vendorsCSV, "Lê Thị Cúc", "Lê Thị Cúc Hoa", 1)
	rep, err := svc.ImportVendors(ctx, admin, strings.NewReader(renamed), tabular.CSV, false)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(summary{Applied: true, Updated: 1, Unchanged: 2}, summarize(rep)); diff != "" {
		t.Errorf("renamed report (-want +got):\n%s", diff)
	}
	otherAccount := strings.Replace(vendorsCSV, "MB,0901234567", "MB,0901234568", 1)
	_, err = svc.ImportVendors(ctx, admin, strings.NewReader(otherAccount), tabular.CSV, false)
	if err == nil || !strings.Contains(err.Error(), "line 4: account_number: vendor") {
		t.Errorf("another account: err = %v, want a line 4 account_number error", err)
	}
}

// rowActions lists a report's rows as "line action id".
func rowActions(rep merchants.ImportReport) []string {
	var out []string
	for _, r := range rep.Rows {
		out = append(out, fmt.Sprintf("%d %s %d", r.Line, r.Action, r.ID))
	}
	return out
}

// Rows of Chợ Ba Đình for the several-stalls tests: Hà's phone and
// account, and Bình's.
const (
	haRow   = "BD,00004,%s,,Nguyễn Thị Hà,0912345678,VCB,0011001234567,NGUYEN THI HA,có\n"
	binhRow = "BD,00004,%s,,Trần Văn Bình,0987654321,970415,123456789012,TRAN VAN BINH,có\n"
)

func ha(stalls string) string { return fmt.Sprintf(haRow, stalls) }

func binh(stalls string) string { return fmt.Sprintf(binhRow, stalls) }

func TestImportVendorsSeveralStalls(t *testing.T) {
	merchantstest.OnEachDatabase(t, testImportVendorsSeveralStalls)
}

func testImportVendorsSeveralStalls(t *testing.T, db string) {
	ctx := context.Background()
	admin := merchantstest.Admin()
	tests := []struct {
		name string
		// before is imported first, and must apply.
		before  string
		in      string
		dryRun  bool
		want    summary
		actions []string // "line action id"
		wantErr string
		stalls  []string // vendorStalls after the import
		// stallsWithQR is the market's recount after the import.
		stallsWithQR int64
	}{
		{
			name: "one cell lists the stalls, main first", in: ha(`"A-01, A-02; a-03"`),
			want: summary{Applied: true, Created: 1}, actions: []string{"2 create 1"},
			stalls: []string{"Nguyễn Thị Hà: A-01, A-02, A-03"}, stallsWithQR: 3,
		},
		{
			name: "separators and repeats are forgiven", in: ha(`"A-02 ;A-01,, A-02,"`),
			want: summary{Applied: true, Created: 1}, actions: []string{"2 create 1"},
			stalls: []string{"Nguyễn Thị Hà: A-02, A-01"}, stallsWithQR: 2,
		},
		{
			name: "one row per stall", in: ha("A-01") + binh("A-05") + ha("A-02") + ha("A-03"),
			want:    summary{Applied: true, Created: 2, Updated: 2},
			actions: []string{"2 create 1", "3 create 2", "4 update 1", "5 update 1"},
			stalls:  []string{"Nguyễn Thị Hà: A-01, A-02, A-03", "Trần Văn Bình: A-05"}, stallsWithQR: 4,
		},
		{
			name: "one row per stall, dry run", in: ha("A-01") + ha("A-02"), dryRun: true,
			want: summary{Created: 1, Updated: 1}, actions: []string{"2 create 0", "3 update 0"},
		},
		{
			name: "one row per stall onto a stored vendor", before: ha("A-01"), in: ha("A-02"),
			want: summary{Applied: true, Updated: 1}, actions: []string{"2 update 1"},
			stalls: []string{"Nguyễn Thị Hà: A-01, A-02"}, stallsWithQR: 2,
		},
		{
			name: "one row per stall, dry run onto a stored vendor", before: ha("A-01"), in: ha("A-02"), dryRun: true,
			want: summary{Updated: 1}, actions: []string{"2 update 1"},
			stalls: []string{"Nguyễn Thị Hà: A-01"}, stallsWithQR: 1,
		},
		{
			name: "a stall held by another vendor is refused", before: binh("A-02"), in: ha(`"A-01, A-02, A-03"`),
			want: summary{Failed: 1, Errors: []string{
				"line 2: stall_code: stall A-02 is held by vendor 1 (Trần Văn Bình, phone 0987654321); release it from that vendor in the app first",
			}},
			actions: []string{"2 error 0"}, wantErr: "line 2: stall_code",
			stalls: []string{"Trần Văn Bình: A-02"}, stallsWithQR: 1,
		},
		{
			name: "a stall held by another vendor, for a stored vendor", before: ha("A-01") + binh("A-02"), in: ha(`"A-01, A-02"`),
			want: summary{Failed: 1, Errors: []string{
				"line 2: stall_code: stall A-02 is held by vendor 2 (Trần Văn Bình, phone 0987654321); release it from that vendor in the app first",
			}},
			actions: []string{"2 error 0"}, wantErr: "line 2: stall_code",
			stalls: []string{"Nguyễn Thị Hà: A-01", "Trần Văn Bình: A-02"}, stallsWithQR: 2,
		},
		{
			name: "all or nothing: a bad stall row stores no row", in: ha("A-01") + ha("A-02") + binh(`"A-03, A-02"`),
			want: summary{Created: 1, Updated: 1, Failed: 1, Errors: []string{
				"line 4: stall_code: stall A-02 is held by vendor 1 (Nguyễn Thị Hà, phone 0912345678); release it from that vendor in the app first",
			}},
			actions: []string{"2 create 1", "3 update 1", "4 error 0"}, wantErr: "line 4: stall_code",
		},
		{
			name: "the same account with another phone is another vendor", in: ha("A-01") +
				"BD,00004,A-02,,Nguyễn Thị Hà,0900000000,VCB,0011001234567,NGUYEN THI HA,có\n",
			want: summary{Created: 1, Failed: 1, Errors: []string{
				"line 3: row: conflict: bank account 970436 •••••••••4567 is already registered to another vendor",
			}},
			actions: []string{"2 create 1", "3 error 0"}, wantErr: "line 3: row: conflict",
		},
		{
			name: "the first of several stalls becomes the main one", before: ha(`"A-01, A-02"`), in: ha(`"A-02, A-01"`),
			want: summary{Applied: true, Updated: 1}, actions: []string{"2 update 1"},
			stalls: []string{"Nguyễn Thị Hà: A-02, A-01"}, stallsWithQR: 2,
		},
		{
			name: "a row of one stall keeps the main stall", before: ha(`"A-01, A-02"`), in: ha("A-02"),
			want: summary{Applied: true, Unchanged: 1}, actions: []string{"2 unchanged 1"},
			stalls: []string{"Nguyễn Thị Hà: A-01, A-02"}, stallsWithQR: 2,
		},
		{
			name: "a bad code in the list is named", in: ha(`"A-01, ` + strings.Repeat("X", 21) + `"`),
			want: summary{Failed: 1, Errors: []string{
				`line 2: stall_code: "XXXXXXXXXXXXXXXXXXXXX" is longer than 16 characters`,
			}},
			actions: []string{"2 error 0"}, wantErr: "line 2: stall_code",
		},
		{
			name: "an empty list is no stall", in: ha(`" , ;"`),
			want:    summary{Failed: 1, Errors: []string{"line 2: stall_code: is required"}},
			actions: []string{"2 error 0"}, wantErr: "line 2: stall_code",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc, st := newBulkServiceStore(t, db)
			importMarkets(t, svc)
			if tt.before != "" {
				if _, err := svc.ImportVendors(ctx, admin, strings.NewReader(vendorsHeader+tt.before), tabular.CSV, false); err != nil {
					t.Fatalf("import before: %v", err)
				}
			}
			auditBefore := readState(t, svc).Audit
			rep, err := svc.ImportVendors(ctx, admin, strings.NewReader(vendorsHeader+tt.in), tabular.CSV, tt.dryRun)
			if tt.wantErr == "" && err != nil {
				t.Fatalf("ImportVendors: %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("ImportVendors error = %v, want it to contain %q", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, summarize(rep)); diff != "" {
				t.Errorf("report (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.actions, rowActions(rep)); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.stalls, vendorStalls(t, svc)); diff != "" {
				t.Errorf("stored stalls (-want +got):\n%s", diff)
			}
			if !rep.Applied {
				if got := readState(t, svc).Audit; got != auditBefore {
					t.Errorf("an import not applied wrote %d audit entries", got-auditBefore)
				}
			}
			if got := stallsWithQR(t, st); got != tt.stallsWithQR {
				t.Errorf("market recount: %d stalls with QR, want %d", got, tt.stallsWithQR)
			}
			if !rep.Applied {
				return
			}
			// The same file again changes nothing.
			before := readState(t, svc)
			for _, dry := range []bool{true, false} {
				again, err := svc.ImportVendors(ctx, admin, strings.NewReader(vendorsHeader+tt.in), tabular.CSV, dry)
				if err != nil {
					t.Fatalf("re-import (dry run %v): %v", dry, err)
				}
				if diff := cmp.Diff(summary{Applied: !dry, Unchanged: len(rep.Rows)}, summarize(again)); diff != "" {
					t.Errorf("re-import (dry run %v) report (-want +got):\n%s", dry, diff)
				}
			}
			if diff := cmp.Diff(before, readState(t, svc)); diff != "" {
				t.Errorf("re-import changed the store (-before +after):\n%s", diff)
			}
			if diff := cmp.Diff(tt.stalls, vendorStalls(t, svc)); diff != "" {
				t.Errorf("re-import changed the stalls (-want +got):\n%s", diff)
			}
		})
	}
}

func TestImportVendorsFailedRowLeavesNothing(t *testing.T) {
	merchantstest.OnEachDatabase(t, testImportVendorsFailedRowLeavesNothing)
}

// testImportVendorsFailedRowLeavesNothing checks that a row refused for
// its second stall (closed) leaves nothing in the import's transaction for
// the rows after it: the next row finds its first stall free, and Hà is
// still a new vendor, not one the failed row created.
func testImportVendorsFailedRowLeavesNothing(t *testing.T, db string) {
	ctx := context.Background()
	admin := merchantstest.Admin()
	svc := newBulkService(t, db)
	importMarkets(t, svc)
	mp, err := svc.ListMarkets(ctx, admin, merchants.MarketFilter{})
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(mp.Markets, func(m merchants.Market) bool { return m.Code == "BD" })
	if i < 0 {
		t.Fatal("no market BD")
	}
	if _, err := svc.CreateStall(ctx, admin, merchants.CreateStallInput{MarketID: mp.Markets[i].ID, Code: "A-09", Status: merchants.StallClosed}); err != nil {
		t.Fatal(err)
	}
	in := vendorsHeader + ha(`"A-01, A-09"`) + binh("A-01") + ha("A-02")
	for _, dry := range []bool{true, false} {
		rep, err := svc.ImportVendors(ctx, admin, strings.NewReader(in), tabular.CSV, dry)
		if dry != (err == nil) {
			t.Errorf("dry run %v: error %v", dry, err)
		}
		want := summary{Created: 2, Failed: 1, Errors: []string{"line 2: stall_code: stall A-09 is closed"}}
		if diff := cmp.Diff(want, summarize(rep)); diff != "" {
			t.Errorf("dry run %v: report (-want +got):\n%s", dry, diff)
		}
	}
	if got := vendorStalls(t, svc); len(got) != 0 {
		t.Errorf("a refused import stored %v", got)
	}
}
