package merchants_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

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
