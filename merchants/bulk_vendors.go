package merchants

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/sapqr/sapqr/merchants/tabular"
	"github.com/sapqr/sapqr/qr"
)

// VendorColumns are the columns of a vendors file, for import and export.
// The market is named by market_id, or by its commune (code, or name with
// province) and its code or name; the vendor's stalls by their codes in
// the market, main stall first, in one cell ("A-1, A-2").
var VendorColumns = append(tabular.Schema{
	{Key: "market_id", Aliases: []string{"ID chợ", "Market ID"}},
	{Key: "market_code", Aliases: []string{"Mã chợ", "Market code"}},
	{Key: "market", Aliases: []string{"Tên chợ", "Chợ", "Market", "Market name"}},
	{Key: "stall_code", Aliases: []string{"Mã sạp", "Số sạp", "Sạp", "Ki ốt", "Số ki ốt", "Quầy", "Stall", "Stall code"}, Required: true},
	{Key: "category", Aliases: []string{"Ngành hàng", "Mặt hàng", "Nhóm hàng", "Category", "Goods"}},
	{Key: "full_name", Aliases: []string{"Họ và tên", "Họ tên", "Tên tiểu thương", "Tên hộ kinh doanh", "Tiểu thương", "Full name", "Vendor", "Vendor name"}, Required: true},
	{Key: "phone", Aliases: []string{"Số điện thoại", "SĐT", "Điện thoại", "Số ĐT", "Phone", "Phone number", "Mobile"}, Required: true},
	{Key: "bank", Aliases: []string{"Ngân hàng", "Tên ngân hàng", "Mã ngân hàng", "Bank"}},
	{Key: "bin", Aliases: []string{"BIN", "Mã BIN", "BIN ngân hàng", "Bank BIN"}},
	{Key: "account_number", Aliases: []string{"Số tài khoản", "STK", "Tài khoản", "Account number", "Account"}, Required: true},
	{Key: "holder_name", Aliases: []string{"Tên chủ tài khoản", "Chủ tài khoản", "Tên tài khoản", "Account name", "Holder name", "Account holder"}, Required: true},
	{Key: "consent", Aliases: []string{"Đồng ý", "Đồng ý lưu dữ liệu", "Đồng ý lưu thông tin", "Consent"}, Required: true},
	{Key: "confirmation", Aliases: []string{"Xác nhận", "Cách xác nhận", "Confirmation"}},
}, commonUnitColumns...)

// vendorFieldColumns renames the Service's vendor input fields to columns.
var vendorFieldColumns = map[string]string{
	"market_id":                   "market",
	"bank_account.bin":            "bank",
	"bank_account.account_number": "account_number",
	"bank_account.holder_name":    "holder_name",
	"bank_account.confirmation":   "confirmation",
}

// ImportVendors registers the vendors listed in a CSV or XLSX file (see
// VendorColumns), each with its stalls and bank account, as RegisterVendor
// and AssignStall do for one. A dry run returns the row-by-row report and
// changes nothing; a real run applies every row in one transaction, or
// none when a row is bad.
//
// The stall cell may list several stalls separated by ',' or ';'
// (StallCodeSeparators), main stall first: "A-1, A-2", as ExportVendors
// writes it. A file may also list a vendor once per stall: a row whose
// stalls are free, with the phone and bank account of an active vendor of
// the market (one an earlier row created included), gives that vendor the
// stalls. A row about a vendor that already holds its stalls (same phone)
// with the same bank account is unchanged, so importing a file twice
// changes nothing the second time; a changed name or goods category, a
// stall it lacks, or another first stall of several (its main stall)
// updates it. An import never takes a stall from a vendor. A stall another
// vendor holds, or another account for the same vendor, is a row error:
// those changes go through the app, so that the old sign is known to be
// outdated.
//
// The returned errors are those of ImportMarkets: ErrForbidden unless the
// actor's role registers vendors, a *ValidationError on "file" for an
// unreadable file, and for a real run with bad rows the report with a
// *ValidationError naming each bad row and column. The API serves it as
// POST /imports/vendors?dry_run=true with the file as multipart.
func (s *Service) ImportVendors(ctx context.Context, a Actor, r io.Reader, format tabular.Format, dryRun bool) (ImportReport, error) {
	rep := ImportReport{Kind: "vendors", DryRun: dryRun}
	if !a.Can(PermRegister) {
		return rep, Authorize(a, PermRegister, Unit{})
	}
	rows, err := readImport(r, format, VendorColumns, &rep)
	if err != nil {
		return rep, err
	}
	markets := map[string]Market{}
	return s.applyImport(ctx, &rep, rows, vendorFieldColumns, func(tx Tx, row tabular.Row, moved map[int64]bool) (ImportRow, error) {
		return s.importVendorRow(ctx, tx, a, row, markets, moved)
	})
}

// vendorRow is one checked row of a vendors file.
type vendorRow struct {
	// stallCodes are the stalls the row lists, main stall first.
	stallCodes []string
	category   string
	vendor     Vendor
	account    BankAccount
}

// checkVendorRow checks and normalises the vendor fields of a row as
// RegisterVendor checks its input.
func checkVendorRow(p *problems, row tabular.Row) vendorRow {
	var vr vendorRow
	vr.stallCodes = checkStallCodes(p, "stall_code", row.Get("stall_code"))
	vr.category = checkText(p, "category", row.Get("category"), false, 100)
	vr.vendor = Vendor{
		FullName:    checkVendorName(p, "full_name", row.Get("full_name")),
		Phone:       checkPhone(p, "phone", row.Get("phone")),
		Status:      VendorActive,
		SignVersion: 1,
	}
	// The BIN column wins; the bank column may hold a BIN, a code or a
	// short name.
	field, b := "bin", row.Get("bin")
	if b == "" {
		field, b = "bank", row.Get("bank")
	}
	var bin string
	if b != "" {
		bank, ok := qr.FindBank(b)
		if !ok {
			p.add(field, fmt.Sprintf("%q is not a bank of the VietQR directory; give its BIN (6 digits), code or short name", b))
		}
		bin = bank.BIN
	} else {
		p.add("bank", "is required: the bank's BIN, code or short name (970436, VCB, Vietcombank)")
	}
	if !yes(row.Get("consent")) {
		p.add("consent", "must be yes (có, x): the vendor agrees to the storage of their name, phone and bank account")
	}
	var conf Confirmation
	switch c := Fold(row.Get("confirmation")); c {
	case "":
	case "app_shown", "app shown", "app", "da xem app", "xem app", "ung dung":
		conf = ConfirmAppShown
	case "test_transfer", "test transfer", "chuyen khoan thu", "ck thu":
		conf = ConfirmTestTransfer
	default:
		p.add("confirmation", fmt.Sprintf("%q: use app_shown (đã xem app), test_transfer (chuyển khoản thử) or leave empty", row.Get("confirmation")))
	}
	if strings.Contains(row.Get("account_number"), "•") {
		p.add("account_number", "is masked; export with full account numbers (sapqr export --full-accounts) to import it again")
		return vr
	}
	if bin != "" {
		vr.account = checkBankAccount(p, "bank_account.", BankAccountInput{BIN: bin, AccountNumber: row.Get("account_number"),
			HolderName: row.Get("holder_name"), Confirmation: conf})
	} else {
		// Without a bank the payload cannot be checked; the other fields can.
		checkAccountNumber(p, "account_number", row.Get("account_number"))
		checkHolderName(p, "holder_name", row.Get("holder_name"))
	}
	return vr
}

// rowMarket finds the market a vendor row names among those a sees,
// remembering it by key in seen for the rows that follow. A market outside
// a's area is reported exactly as one that does not exist: an import tells
// nobody what lies outside their area.
func (s *Service) rowMarket(ctx context.Context, tx Tx, a Actor, p *problems, row tabular.Row, seen map[string]Market) (Market, bool) {
	if id := row.Get("market_id"); id != "" {
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil || n <= 0 {
			p.add("market_id", fmt.Sprintf("%q is not a market ID", id))
			return Market{}, false
		}
		key := "id:" + id
		if m, ok := seen[key]; ok {
			return m, true
		}
		m, err := tx.Market(ctx, n)
		if err != nil || !a.Sees(m.Unit()) {
			p.add("market_id", fmt.Sprintf("there is no market %d in your area", n))
			return Market{}, false
		}
		seen[key] = m
		return m, true
	}
	commune, _ := s.rowCommune(p, row)
	code := checkCode(p, "market_code", row.Get("market_code"), false, 32)
	name := cleanText(row.Get("market"))
	if code == "" && name == "" {
		p.add("market", "is required: market_id, or the market's code or name with its commune")
	}
	if len(*p) > 0 {
		return Market{}, false
	}
	key := "c:" + commune + "/" + code + "/" + Fold(name)
	if m, ok := seen[key]; ok {
		return m, true
	}
	m, err := findMarket(ctx, tx, commune, code, name)
	if err != nil || !a.Sees(m.Unit()) {
		p.add("market", fmt.Sprintf("there is no market %s in commune %s in your area; import the markets first", joinSummary(code, name), commune))
		return Market{}, false
	}
	seen[key] = m
	return m, true
}

// importVendorRow registers, updates or leaves the vendor of one row in tx.
// Markets whose counts the row moved are marked in moved.
func (s *Service) importVendorRow(ctx context.Context, tx Tx, a Actor, row tabular.Row, seen map[string]Market, moved map[int64]bool) (ImportRow, error) {
	var p problems
	out := ImportRow{Line: row.Line}
	vr := checkVendorRow(&p, row)
	stallList := strings.Join(vr.stallCodes, ", ")
	out.Summary = joinSummary(stallList, vr.vendor.FullName)
	m, ok := s.rowMarket(ctx, tx, a, &p, row, seen)
	if ok {
		if err := Authorize(a, PermRegister, m.Unit()); err != nil {
			return out, err
		}
	}
	if err := p.err(); err != nil {
		return out, err
	}
	out.Summary = joinSummary(m.Name+":", stallList, vr.vendor.FullName)
	if _, err := tx.LockMarket(ctx, m.ID); err != nil {
		return out, err
	}
	// Every check that reads the stalls comes before the row's first
	// write, so a bad row leaves nothing behind for the rows after it.
	stalls, err := rowStalls(ctx, tx, m.ID, vr.stallCodes)
	if err != nil {
		return out, err
	}
	cur, found, err := rowVendor(ctx, tx, m, vr, stalls)
	if err != nil {
		return out, err
	}
	if found {
		return s.importExistingVendor(ctx, tx, a, m, cur, vr, stalls, out, moved)
	}
	// A stall another vendor holds: a row of several stalls says which
	// one; a row of one stall conflicts as a registration would.
	if len(stalls) > 1 {
		if err := heldByOther(stalls, 0); err != nil {
			return out, err
		}
	}
	for _, rs := range stalls {
		if h := rs.holder; h.ID != 0 {
			out.ID = h.ID
			return out, conflict(RuleStallTaken, "stall %s already has vendor %d (%s, phone %s); deactivate that vendor first",
				rs.code, h.ID, h.FullName, h.Phone)
		}
	}
	if err := checkRowStalls(ctx, tx, m, stalls, 0); err != nil {
		return out, err
	}
	// The import recounts each market it moved once, at the end.
	v, warnings, _, err := s.registerInTx(ctx, tx, a, m, vr.vendor, vr.account, vr.stallCodes[0])
	if err != nil {
		return out, err
	}
	moved[m.ID] = true
	if len(stalls) > 1 {
		audits, _, err := s.importStalls(ctx, tx, a, m, &v, stalls)
		if err != nil {
			return out, err
		}
		v.UpdatedAt = s.clock()
		if err := tx.UpdateVendor(ctx, v); err != nil {
			return out, err
		}
		if err := tx.AppendAudit(ctx, audits...); err != nil {
			return out, err
		}
	}
	if _, err := s.setStallCategories(ctx, tx, a, m, vr.stallCodes, vr.category); err != nil {
		return out, err
	}
	out.Action, out.ID, out.Warnings = ImportCreate, v.ID, warnings
	return out, nil
}

// importExistingVendor handles a row about an active vendor of the market
// (see rowVendor): unchanged when it holds every listed stall, main first,
// under the same name, with the same bank account and goods category;
// otherwise updated: renamed, given the listed stalls it lacks, its main
// stall changed to the first listed, the stalls' category set. A listed
// stall another vendor holds is an error on stall_code, another bank
// account one on account_number.
func (s *Service) importExistingVendor(ctx context.Context, tx Tx, a Actor, m Market, cur Vendor, vr vendorRow, stalls []rowStall, out ImportRow, moved map[int64]bool) (ImportRow, error) {
	out.ID = cur.ID
	if err := heldByOther(stalls, cur.ID); err != nil {
		return out, err
	}
	if err := checkRowStalls(ctx, tx, m, stalls, cur.ID); err != nil {
		return out, err
	}
	hasAccount := false
	for _, acc := range cur.Accounts {
		if acc.Active && acc.BIN == vr.account.BIN && acc.AccountNumber == vr.account.AccountNumber {
			hasAccount = true
		}
	}
	if !hasAccount {
		return out, &ValidationError{Fields: []FieldError{{Field: "account_number", Message: fmt.Sprintf(
			"vendor %d at stall %s has another bank account; add this one in the app so the new sign is issued", cur.ID, strings.Join(cur.StallCodes(), ", "))}}}
	}
	out.Action = ImportUnchanged
	var audits []AuditEntry
	if cur.FullName != vr.vendor.FullName {
		before := auditVendor(cur)
		cur.FullName = vr.vendor.FullName
		e, err := s.auditEntry(a, ActionUpdate, "vendor", cur.ID, m.ID, before, auditVendor(cur))
		if err != nil {
			return out, err
		}
		audits = append(audits, e)
	}
	stallAudits, assigned, err := s.importStalls(ctx, tx, a, m, &cur, stalls)
	if err != nil {
		return out, err
	}
	if audits = append(audits, stallAudits...); len(audits) > 0 {
		cur.UpdatedAt = s.clock()
		if err := tx.UpdateVendor(ctx, cur); err != nil {
			return out, err
		}
		if err := tx.AppendAudit(ctx, audits...); err != nil {
			return out, err
		}
		out.Action = ImportUpdate
	}
	if assigned {
		moved[m.ID] = true
	}
	changed, err := s.setStallCategories(ctx, tx, a, m, vr.stallCodes, vr.category)
	if err != nil {
		return out, err
	}
	if changed {
		out.Action = ImportUpdate
	}
	return out, nil
}

// setStallCategory changes a stall's goods category, audited.
func (s *Service) setStallCategory(ctx context.Context, tx Tx, a Actor, st Stall, category string) error {
	before := st
	st.Category, st.UpdatedAt = category, s.clock()
	if err := tx.UpdateStall(ctx, st); err != nil {
		return err
	}
	return s.audit(ctx, tx, a, ActionUpdate, "stall", st.ID, st.MarketID, auditStall(before), auditStall(st))
}
