package merchants_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"github.com/sapqr/sapqr/merchants"
	"github.com/sapqr/sapqr/merchants/gormstore"
	"github.com/sapqr/sapqr/merchants/merchantstest"
	"github.com/sapqr/sapqr/merchants/tabular"
)

// newBulkService returns a Service on a fresh store with the real unit
// directory, so that communes can be named in files.
func newBulkService(t *testing.T, db string) *merchants.Service {
	t.Helper()
	svc, _ := newBulkServiceStore(t, db)
	return svc
}

// newBulkServiceStore is newBulkService with its store.
func newBulkServiceStore(t *testing.T, db string) (*merchants.Service, *gormstore.Store) {
	t.Helper()
	units, err := merchants.LoadUnits(time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	cfg := merchantstest.Config()
	cfg.Units = units
	st := merchantstest.NewStoreOn(t, db)
	return merchants.NewService(st, cfg), st
}

// Real communes: Ba Đình and Ngọc Hà in Hà Nội, Bến Thành in Hồ Chí Minh City.
const (
	baDinh    = "00004"
	ngocHa    = "00008"
	benThanh  = "26743"
	hanoi     = "01"
	hoChiMinh = "79"
)

// marketsCSV is a commune's market list with Vietnamese headers, a title
// row and a BOM, naming one commune by code and one by name.
const marketsCSV = "\xEF\xBB\xBFDANH SÁCH CHỢ\n" +
	"STT,Mã chợ,Tên chợ,Mã xã,Xã/phường,Tỉnh/thành phố,Địa chỉ,Hạng chợ,Số sạp\n" +
	"1,BD,Chợ Ba Đình,00004,,,1 Đội Cấn,II,120\n" +
	"2,NH,Chợ Ngọc Hà,,Phường Ngọc Hà,Hà Nội,,3,40\n" +
	"3,BT,Chợ Bến Thành,,ben thanh,Thành phố Hồ Chí Minh,Lê Lợi,1,1.500\n"

// summary is what a test compares of an ImportReport.
type summary struct {
	Applied                             bool
	Created, Updated, Unchanged, Failed int
	Errors                              []string // "line N: field: message"
}

func summarize(rep merchants.ImportReport) summary {
	s := summary{Applied: rep.Applied, Created: rep.Created, Updated: rep.Updated, Unchanged: rep.Unchanged, Failed: rep.Failed}
	for _, row := range rep.Rows {
		for _, e := range row.Errors {
			s.Errors = append(s.Errors, fmt.Sprintf("line %d: %s: %s", row.Line, e.Field, e.Message))
		}
	}
	return s
}

// state is what an import may change, read back through the Service.
type state struct {
	Markets []string // "commune/code name class stalls"
	Vendors []string // "market stall name phone bin account"
	Audit   int
}

func readState(t *testing.T, svc *merchants.Service) state {
	t.Helper()
	ctx := context.Background()
	var st state
	mp, err := svc.ListMarkets(ctx, merchantstest.Admin(), merchants.MarketFilter{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mp.Markets {
		st.Markets = append(st.Markets, fmt.Sprintf("%s/%s %s, %s, class %d, %d stalls", m.CommuneCode, m.Code, m.Name, m.Address, m.Class, m.StallsDeclared))
	}
	vp, err := svc.ListVendors(ctx, merchantstest.Admin(), merchants.VendorFilter{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vp.Vendors {
		acc, _ := v.PrimaryAccount()
		st.Vendors = append(st.Vendors, fmt.Sprintf("market %d %s %s %s %s %s %s", v.MarketID, v.StallCode, v.FullName, v.Phone, acc.BIN, acc.AccountNumber, acc.HolderName))
	}
	ap, err := svc.AuditLog(ctx, merchantstest.Admin(), merchants.AuditFilter{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	st.Audit = len(ap.Entries)
	return st
}

func TestImportMarkets(t *testing.T) { merchantstest.OnEachDatabase(t, testImportMarkets) }

func testImportMarkets(t *testing.T, db string) {
	ctx := context.Background()
	admin := merchantstest.Admin()
	tests := []struct {
		name    string
		actor   merchants.Actor
		in      string
		dryRun  bool
		want    summary
		wantErr string // part of the returned error
		markets int    // markets stored afterwards
	}{
		{
			name:    "vietnamese headers, codes and names of communes",
			actor:   admin,
			in:      marketsCSV,
			want:    summary{Applied: true, Created: 3},
			markets: 3,
		},
		{
			name:    "english headers",
			actor:   admin,
			in:      "code,name,commune_code,class,stall_count\nBD,Chợ Ba Đình,00004,2,120\n",
			want:    summary{Applied: true, Created: 1},
			markets: 1,
		},
		{
			name:    "dry run changes nothing",
			actor:   admin,
			in:      marketsCSV,
			dryRun:  true,
			want:    summary{Created: 3},
			markets: 0,
		},
		{
			name:  "bad rows: all or nothing, every problem with its line",
			actor: admin,
			in: "Mã chợ,Tên chợ,Mã xã,Hạng chợ,Số sạp\n" +
				"BD,Chợ Ba Đình,00004,2,120\n" +
				"X,Chợ Ma,99999,2,10\n" +
				"Y,,00008,hạng tư,mười\n",
			want: summary{Created: 1, Failed: 2, Errors: []string{
				"line 3: commune_code: 99999 is not a commune-level unit in force",
				"line 4: name: is required",
				"line 4: class: \"hạng tư\" is not a market class; use 1, 2 or 3 (or I, II, III)",
				"line 4: stall_count: \"mười\" is not a whole number",
			}},
			wantErr: "line 3: commune_code: 99999 is not a commune-level unit in force",
			markets: 0,
		},
		{
			name:    "commune officer outside its communes",
			actor:   merchantstest.CommuneOfficer(ngocHa),
			in:      "Mã chợ,Tên chợ,Mã xã\nBD,Chợ Ba Đình,00004\nNH,Chợ Ngọc Hà,00008\n",
			want:    summary{Created: 1, Failed: 1, Errors: []string{"line 2: row: forbidden: commune 00004 is outside your scope"}},
			wantErr: "line 2: row",
			markets: 0,
		},
		{
			name:    "team members do not manage markets",
			actor:   merchantstest.Member(baDinh),
			in:      marketsCSV,
			wantErr: "forbidden",
		},
		{
			name:    "missing required column",
			actor:   admin,
			in:      "Mã chợ,Mã xã\nBD,00004\n",
			wantErr: "file: header (line 1): missing required columns: name",
		},
		{
			name:    "commune name in the wrong province",
			actor:   admin,
			in:      "Tên chợ,Xã,Tỉnh\nChợ A,Ba Đình,Cà Mau\n",
			want:    summary{Failed: 1, Errors: []string{"line 2: commune: \"Ba Đình\" is not a commune-level unit of Tỉnh Cà Mau in force"}},
			wantErr: "line 2: commune",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := newBulkService(t, db)
			rep, err := svc.ImportMarkets(ctx, tt.actor, strings.NewReader(tt.in), tabular.CSV, tt.dryRun)
			if tt.wantErr == "" && err != nil {
				t.Fatalf("ImportMarkets: %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("ImportMarkets error = %v, want it to contain %q", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, summarize(rep)); diff != "" {
				t.Errorf("report (-want +got):\n%s", diff)
			}
			if got := len(readState(t, svc).Markets); got != tt.markets {
				t.Errorf("%d markets stored, want %d", got, tt.markets)
			}
		})
	}
}

func TestImportMarketsIdempotentAndUpdates(t *testing.T) {
	merchantstest.OnEachDatabase(t, testImportMarketsIdempotentAndUpdates)
}

func testImportMarketsIdempotentAndUpdates(t *testing.T, db string) {
	ctx := context.Background()
	svc := newBulkService(t, db)
	admin := merchantstest.Admin()
	if _, err := svc.ImportMarkets(ctx, admin, strings.NewReader(marketsCSV), tabular.CSV, false); err != nil {
		t.Fatal(err)
	}
	before := readState(t, svc)
	rep, err := svc.ImportMarkets(ctx, admin, strings.NewReader(marketsCSV), tabular.CSV, false)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(summary{Applied: true, Unchanged: 3}, summarize(rep)); diff != "" {
		t.Errorf("re-import report (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(before, readState(t, svc)); diff != "" {
		t.Errorf("re-import changed the store (-before +after):\n%s", diff)
	}
	changed := strings.Replace(marketsCSV, "1 Đội Cấn,II,120", "1 Đội Cấn,II,130", 1)
	rep, err = svc.ImportMarkets(ctx, admin, strings.NewReader(changed), tabular.CSV, false)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(summary{Applied: true, Updated: 1, Unchanged: 2}, summarize(rep)); diff != "" {
		t.Errorf("changed file report (-want +got):\n%s", diff)
	}
	after := readState(t, svc)
	if after.Audit != before.Audit+1 {
		t.Errorf("audit entries %d, want %d (one update)", after.Audit, before.Audit+1)
	}

	// A market imported without a code gets one from a later file, and is
	// then found by it.
	for i, file := range []string{
		"Tên chợ,Mã xã\nChợ Giảng Võ,00025\n",
		"Mã chợ,Tên chợ,Mã xã\nGV,Chợ Giảng Võ,00025\n",
		"Mã chợ,Tên chợ,Mã xã\nGV,Chợ Giảng Võ,00025\n",
	} {
		rep, err := svc.ImportMarkets(ctx, admin, strings.NewReader(file), tabular.CSV, false)
		if err != nil {
			t.Fatal(err)
		}
		want := []summary{{Applied: true, Created: 1}, {Applied: true, Updated: 1}, {Applied: true, Unchanged: 1}}[i]
		if diff := cmp.Diff(want, summarize(rep)); diff != "" {
			t.Errorf("code added, file %d (-want +got):\n%s", i, diff)
		}
	}
	if got := len(readState(t, svc).Markets); got != 4 {
		t.Errorf("%d markets, want 4", got)
	}
}

// vendorsCSV lists vendors of the markets of marketsCSV by market code and
// commune, with Vietnamese headers.
const vendorsHeader = "Mã chợ,Mã xã,Mã sạp,Ngành hàng,Họ và tên,Số điện thoại,Ngân hàng,Số tài khoản,Tên chủ tài khoản,Đồng ý\n"

const vendorsCSV = vendorsHeader +
	"BD,00004,A-01,Rau củ,Nguyễn Thị Hà,0912 345 678,Vietcombank,0011001234567,Nguyễn Thị Hà,có\n" +
	"BD,00004,A-02,Thịt,Trần Văn Bình,+84 987 654 321,970415,1234 5678 9012,TRAN VAN BINH,x\n" +
	"BT,26743,B-01,,Lê Thị Cúc,0901234567,MB,0901234567,LE THI CUC,yes\n"

func importMarkets(t *testing.T, svc *merchants.Service) {
	t.Helper()
	if _, err := svc.ImportMarkets(context.Background(), merchantstest.Admin(), strings.NewReader(marketsCSV), tabular.CSV, false); err != nil {
		t.Fatal(err)
	}
}

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
				"line 4: market: no market ZZ in commune 00004; import the markets first",
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
				"line 3: row: conflict: bank account 970436 •••••••••4567 is active on another vendor (1)",
			}},
			wantErr: "line 3: row: conflict", vendors: 0,
		},
		{
			name: "member outside its communes sees no such market", actor: merchantstest.Member(baDinh), in: []byte(vendorsCSV), format: tabular.CSV,
			want:    summary{Created: 2, Failed: 1, Errors: []string{"line 4: market: no such market in your scope"}},
			wantErr: "line 4: market", vendors: 0,
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

// xlsx builds an XLSX file from rows.
func xlsx(t *testing.T, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, row := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &row); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// vendorStalls lists each active vendor with its stalls, main first:
// "Nguyễn Thị Hà: A-01, A-02".
func vendorStalls(t *testing.T, svc *merchants.Service) []string {
	t.Helper()
	vp, err := svc.ListVendors(context.Background(), merchantstest.Admin(), merchants.VendorFilter{Status: merchants.VendorActive, Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, v := range vp.Vendors {
		if len(v.Stalls) == 0 || v.Stalls[0].StallID != v.StallID {
			t.Errorf("vendor %d: main stall %s is not first of %v", v.ID, v.StallCode, v.StallCodes())
		}
		out = append(out, v.FullName+": "+strings.Join(v.StallCodes(), ", "))
	}
	return out
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

func ha(stalls string) string   { return fmt.Sprintf(haRow, stalls) }
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
				"line 3: row: conflict: bank account 970436 •••••••••4567 is active on another vendor (1)",
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

// stallsWithQR sums the stalls_with_qr of every market, recounted from
// the database.
func stallsWithQR(t *testing.T, st *gormstore.Store) int64 {
	t.Helper()
	counts, err := st.RecountMarkets(context.Background(), merchants.UnitFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var sum merchants.CountSums
	for _, c := range counts {
		sum.Add(c)
	}
	return sum.StallsWithQR
}

// TestSeedDemoSeveralStalls: two demo vendors sell at a second stall,
// assigned through the Service, so the counts and the audit log know it.
func TestSeedDemoSeveralStalls(t *testing.T) {
	merchantstest.OnEachDatabase(t, testSeedDemoSeveralStalls)
}

func testSeedDemoSeveralStalls(t *testing.T, db string) {
	ctx := context.Background()
	svc, st, units := realUnitsService(t, db)
	c, err := units.Commune("00004")
	if err != nil {
		t.Fatal(err)
	}
	res, err := svc.SeedDemo(ctx, merchantstest.Admin(), c, rand.New(rand.NewPCG(3, 4)))
	if err != nil {
		t.Fatal(err)
	}
	vp, err := svc.ListVendors(ctx, merchantstest.Admin(), merchants.VendorFilter{MarketID: res.Markets[0].ID, Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	var several []string
	held := 0
	for _, v := range vp.Vendors {
		held += len(v.Stalls)
		if len(v.Stalls) > 1 {
			several = append(several, strings.Join(v.StallCodes(), ", "))
			if v.SignPrintedVersion > 0 && v.SignOutdated() {
				t.Errorf("vendor %d's sign was printed, but not at each of its stalls %v", v.ID, v.StallCodes())
			}
		}
	}
	if diff := cmp.Diff([]string{"A-01, A-31", "A-02, A-32"}, several); diff != "" {
		t.Errorf("demo vendors with several stalls (-want +got):\n%s", diff)
	}
	counts, err := st.RecountMarkets(ctx, merchants.UnitFilter{CommuneCode: c.Code})
	if err != nil {
		t.Fatal(err)
	}
	for _, mc := range counts {
		if mc.MarketID == res.Markets[0].ID && (mc.StallsActive != int64(held) || mc.StallsWithQR != int64(held) || held != 32) {
			t.Errorf("first demo market: %d stalls active, %d with QR; want the %d its vendors hold (32)", mc.StallsActive, mc.StallsWithQR, held)
		}
	}
	assigned := 0
	for f := (merchants.AuditFilter{MarketID: res.Markets[0].ID, Limit: 200}); ; {
		page, err := svc.AuditLog(ctx, merchantstest.Admin(), f)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Entries {
			if e.Action == "assign_stall" {
				assigned++
			}
		}
		if page.NextCursor == "" {
			break
		}
		f.Cursor = page.NextCursor
	}
	if assigned != 2 {
		t.Errorf("%d assign_stall audit entries in the first demo market, want 2", assigned)
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
