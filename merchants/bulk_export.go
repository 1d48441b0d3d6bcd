package merchants

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/sapqr/sapqr/merchants/tabular"
	"github.com/sapqr/sapqr/qr"
)

// ExportFilter selects what an export holds. Empty fields match
// everything in the actor's scope.
type ExportFilter struct {
	ProvinceCode string
	CommuneCode  string
	MarketID     int64        // vendors only
	Status       VendorStatus // vendors only; empty for active vendors
	// FullAccounts asks for account numbers in full. Only roles that may see
	// them (PermSeeAccountNumbers: admin, commune officer, team member) get
	// them; without it every account number is masked to its last four
	// characters, as in every other view.
	FullAccounts bool
}

// exportBatch is how many rows an export reads from the Store at a time.
const exportBatch = 1000

// exportColumn is one column of an export: the import key it maps back to
// and its Vietnamese header, which imports read too.
type exportColumn struct{ key, header string }

var vendorExport = []exportColumn{
	{"id", "ID"}, {"market_id", "ID chợ"}, {"market_code", "Mã chợ"}, {"market", "Tên chợ"},
	{"commune_code", "Mã xã"}, {"commune", "Xã/phường"}, {"province_code", "Mã tỉnh"}, {"province", "Tỉnh/thành phố"},
	{"stall_code", "Mã sạp"}, {"full_name", "Họ và tên"}, {"phone", "Số điện thoại"},
	{"bank", "Ngân hàng"}, {"bin", "BIN"}, {"account_number", "Số tài khoản"}, {"holder_name", "Tên chủ tài khoản"},
	{"confirmation", "Xác nhận"}, {"consent", "Đồng ý"}, {"consent_at", "Ngày đồng ý"},
	{"status", "Trạng thái"}, {"sign_version", "Phiên bản biển"}, {"sign_printed", "Đã in biển"},
	{"transacting", "Đã nhận tiền"}, {"registered_at", "Ngày đăng ký"},
}

var marketExport = []exportColumn{
	{"id", "ID"}, {"code", "Mã chợ"}, {"name", "Tên chợ"},
	{"commune_code", "Mã xã"}, {"commune", "Xã/phường"}, {"province_code", "Mã tỉnh"}, {"province", "Tỉnh/thành phố"},
	{"address", "Địa chỉ"}, {"class", "Hạng chợ"}, {"stall_count", "Số sạp"}, {"status", "Trạng thái"},
	{"created_at", "Ngày tạo"},
}

func headers(cols []exportColumn) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.header
	}
	return out
}

// unitNamer names units by code; *Units has it.
type unitNamer interface {
	Province(code string) (Province, error)
	Commune(code string) (Commune, error)
}

// unitNames returns the full names of a commune and a province, or empty
// strings when the Service has no unit directory or does not know them.
func (s *Service) unitNames(commune, province string) (string, string) {
	n, ok := s.units.(unitNamer)
	if !ok {
		return "", ""
	}
	var cn, pn string
	if c, err := n.Commune(commune); err == nil {
		cn = c.FullName()
	}
	if p, err := n.Province(province); err == nil {
		pn = p.FullName()
	}
	return cn, pn
}

func exportTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(Vietnam).Format("2006-01-02 15:04")
}

func yesNo(b bool) string {
	if b {
		return "có"
	}
	return "không"
}

// ExportVendors writes the vendors in the actor's scope that match f to w
// as a CSV or XLSX table, by ascending ID, one row per vendor with its
// stalls (main first, in one cell) and its primary account, under
// Vietnamese headers that ImportVendors reads back.
// Account numbers are masked unless f.FullAccounts is set and the actor's
// role may see them. It returns the number of vendors written;
// ErrForbidden when full account numbers are asked for by a role that may
// not see them; ErrNotFound when f names a market or unit outside the
// scope; a *ValidationError for a bad status; tabular.ErrTooManyRows when
// an XLSX sheet is full; and the writer's errors.
func (s *Service) ExportVendors(ctx context.Context, a Actor, w io.Writer, format tabular.Format, f ExportFilter) (int, error) {
	if f.FullAccounts && !a.Can(PermSeeAccountNumbers) {
		return 0, fmt.Errorf("%w: role %s may not see full account numbers", ErrForbidden, a.Role)
	}
	q := VendorQuery{MarketID: f.MarketID, Status: f.Status, Limit: exportBatch}
	switch f.Status {
	case "":
		q.Status = VendorActive
	case VendorActive, VendorInactive:
	default:
		return 0, &ValidationError{Fields: []FieldError{{Field: "status", Message: "must be active or inactive"}}}
	}
	if f.MarketID != 0 {
		if _, err := s.Market(ctx, a, f.MarketID); err != nil {
			return 0, err
		}
	}
	var err error
	if q.ProvinceCode, q.CommuneCodes, err = scopeFilter(a, f.ProvinceCode, f.CommuneCode); err != nil {
		return 0, err
	}
	tw, err := tabular.NewWriter(w, format, headers(vendorExport))
	if err != nil {
		return 0, err
	}
	markets := map[int64]Market{}
	n := 0
	for {
		vs, err := s.store.ListVendors(ctx, q)
		if err != nil {
			tw.Close()
			return n, fmt.Errorf("export vendors: %w", err)
		}
		for _, v := range vs {
			m, ok := markets[v.MarketID]
			if !ok {
				if m, err = s.store.Market(ctx, v.MarketID); err != nil {
					tw.Close()
					return n, fmt.Errorf("export vendors: market %d: %w", v.MarketID, err)
				}
				markets[v.MarketID] = m
			}
			if !f.FullAccounts {
				v = MaskAccounts(v)
			}
			if err := tw.Write(s.vendorRecord(m, v)); err != nil {
				tw.Close()
				return n, err
			}
			n++
		}
		if len(vs) < q.Limit {
			break
		}
		q.AfterID = vs[len(vs)-1].ID
	}
	return n, tw.Close()
}

// exportStalls is a vendor's stall cell: every stall it holds, main
// first, joined with ", " as ImportVendors reads them back; an inactive
// vendor, which holds none, shows the main stall it last held.
func exportStalls(v Vendor) string {
	if len(v.Stalls) == 0 {
		return v.StallCode
	}
	return strings.Join(v.StallCodes(), ", ")
}

// signsPrinted reports whether the current sign was printed, for every
// stall the vendor holds.
func signsPrinted(v Vendor) bool {
	if v.SignVersion == 0 || v.SignPrintedVersion < v.SignVersion {
		return false
	}
	for _, h := range v.Stalls {
		if h.SignPrintedVersion < v.SignVersion {
			return false
		}
	}
	return true
}

// vendorRecord is a vendor's export row, in vendorExport's order.
func (s *Service) vendorRecord(m Market, v Vendor) []any {
	commune, province := s.unitNames(m.CommuneCode, m.ProvinceCode)
	var bank, bin, account, holder, conf string
	if acc, ok := v.PrimaryAccount(); ok {
		bin, account, holder, conf = acc.BIN, acc.AccountNumber, acc.HolderName, string(acc.Confirmation)
		if b, ok := qr.BankByBIN(acc.BIN); ok {
			bank = b.ShortName
		}
	}
	return []any{
		v.ID, m.ID, m.Code, m.Name,
		m.CommuneCode, commune, m.ProvinceCode, province,
		exportStalls(v), v.FullName, v.Phone,
		bank, bin, account, holder,
		conf, yesNo(!v.ConsentAt.IsZero()), exportTime(v.ConsentAt),
		string(v.Status), v.SignVersion, yesNo(signsPrinted(v)),
		yesNo(v.TransactingAt != nil), exportTime(v.CreatedAt),
	}
}

// ExportMarkets writes the markets in the actor's scope that match f to w
// as a CSV or XLSX table, by ascending ID, under Vietnamese headers that
// ImportMarkets reads back. It returns the number of markets written;
// ErrNotFound when f names a unit outside the scope; and the writer's
// errors.
func (s *Service) ExportMarkets(ctx context.Context, a Actor, w io.Writer, format tabular.Format, f ExportFilter) (int, error) {
	q := MarketQuery{Limit: exportBatch}
	var err error
	if q.ProvinceCode, q.CommuneCodes, err = scopeFilter(a, f.ProvinceCode, f.CommuneCode); err != nil {
		return 0, err
	}
	tw, err := tabular.NewWriter(w, format, headers(marketExport))
	if err != nil {
		return 0, err
	}
	n := 0
	for {
		ms, err := s.store.ListMarkets(ctx, q)
		if err != nil {
			tw.Close()
			return n, fmt.Errorf("export markets: %w", err)
		}
		for _, m := range ms {
			commune, province := s.unitNames(m.CommuneCode, m.ProvinceCode)
			class := ""
			if m.Class > 0 {
				class = strconv.Itoa(m.Class)
			}
			if err := tw.Write([]any{m.ID, m.Code, m.Name, m.CommuneCode, commune, m.ProvinceCode, province,
				m.Address, class, m.StallsDeclared, string(m.Status), exportTime(m.CreatedAt)}); err != nil {
				tw.Close()
				return n, err
			}
			n++
		}
		if len(ms) < q.Limit {
			break
		}
		q.AfterID = ms[len(ms)-1].ID
	}
	return n, tw.Close()
}
