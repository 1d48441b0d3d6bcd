package merchants

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/sapqr/sapqr/merchants/tabular"
)

// MarketColumns are the columns of a markets file, for import and export:
// canonical keys with the Vietnamese and English header names they accept.
// A market is found by commune and code when the file gives a code, by
// commune and name otherwise.
var MarketColumns = append(tabular.Schema{
	{Key: "code", Aliases: []string{"Mã chợ", "Market code"}},
	{Key: "name", Aliases: []string{"Tên chợ", "Chợ", "Market", "Market name"}, Required: true},
	{Key: "address", Aliases: []string{"Địa chỉ", "Address"}},
	{Key: "class", Aliases: []string{"Hạng", "Hạng chợ", "Loại chợ", "Class"}},
	{Key: "stall_count", Aliases: []string{"Số sạp", "Số điểm kinh doanh", "Số quầy sạp", "Tổng số sạp", "Stalls", "Stall count"}},
}, commonUnitColumns...)

// marketFieldColumns renames the Service's market input fields to columns.
var marketFieldColumns = map[string]string{"stall_count": "stall_count"}

// ImportMarkets creates or updates the markets listed in a CSV or XLSX
// file (see MarketColumns). A dry run returns the row-by-row report and
// changes nothing; a real run applies every row in one transaction, or
// none when a row is bad. A market already stored with the same values is
// unchanged, so importing a file twice changes nothing the second time.
// Columns absent from the file, and empty cells, leave a stored market's
// value as it is.
//
// It returns ErrForbidden unless the actor's role manages markets; a
// *ValidationError on the field "file" when the file cannot be read; a
// wrapped *tabular.LimitError when it is past a size limit; and,
// for a real run with bad rows, the report together with a
// *ValidationError naming each bad row and column ("line 7: commune_code").
// A dry run returns its report and a nil error whatever the rows hold.
func (s *Service) ImportMarkets(ctx context.Context, a Actor, r io.Reader, format tabular.Format, dryRun bool) (ImportReport, error) {
	rep := ImportReport{Kind: "markets", DryRun: dryRun}
	if !a.Can(PermManageMarkets) {
		return rep, Authorize(a, PermManageMarkets, Unit{})
	}
	rows, err := readImport(r, format, MarketColumns, &rep)
	if err != nil {
		return rep, err
	}
	return s.applyImport(ctx, &rep, rows, marketFieldColumns, func(tx Tx, row tabular.Row, moved map[int64]bool) (ImportRow, error) {
		return s.importMarketRow(ctx, tx, a, row, moved)
	})
}

// parseClass reads a market class: 1, 2, 3, I, II, III, "hạng 2", or empty
// for none.
func parseClass(p *problems, s string) int {
	f := strings.TrimSpace(strings.TrimPrefix(Fold(s), "hang"))
	switch f {
	case "":
		return 0
	case "1", "i":
		return 1
	case "2", "ii":
		return 2
	case "3", "iii":
		return 3
	}
	p.add("class", fmt.Sprintf("%q is not a market class; use 1, 2 or 3 (or I, II, III)", s))
	return 0
}

// parseCount reads a non-negative whole number, allowing thousands
// separators ("1.200", "1,200").
func parseCount(p *problems, field, s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	n, err := strconv.Atoi(strings.NewReplacer(".", "", ",", "", " ", "").Replace(s))
	if err != nil || n < 0 {
		p.add(field, fmt.Sprintf("%q is not a whole number", s))
		return 0, false
	}
	return n, true
}

// importMarketRow creates or updates the market of one row in tx, and
// marks it in moved when its counts moved.
func (s *Service) importMarketRow(ctx context.Context, tx Tx, a Actor, row tabular.Row, moved map[int64]bool) (ImportRow, error) {
	var p problems
	out := ImportRow{Line: row.Line}
	in := Market{
		Code:      checkCode(&p, "code", row.Get("code"), false, 32),
		Name:      checkMarketName(&p, "name", row.Get("name")),
		Address:   checkText(&p, "address", row.Get("address"), false, 300),
		Class:     parseClass(&p, row.Get("class")),
		Status:    MarketActive,
		CreatedBy: a.UserID,
	}
	stalls, hasStalls := parseCount(&p, "stall_count", row.Get("stall_count"))
	in.StallsDeclared = stalls
	in.CommuneCode, in.ProvinceCode = s.rowCommune(&p, row)
	if len(p) == 0 {
		s.resolveProvince(&p, &in)
	}
	checkMarketNumbers(&p, in)
	out.Summary = joinSummary(in.Name, "("+in.CommuneCode+"/"+in.Code+")")
	if err := p.err(); err != nil {
		return out, err
	}
	if err := Authorize(a, PermManageMarkets, in.Unit()); err != nil {
		return out, err
	}
	cur, err := findMarket(ctx, tx, in.CommuneCode, in.Code, in.Name)
	switch {
	case errors.Is(err, ErrNotFound):
		m, err := tx.CreateMarket(ctx, in)
		if err != nil {
			return out, err
		}
		if err := s.audit(ctx, tx, a, ActionCreate, "market", m.ID, m.ID, nil, auditMarket(m)); err != nil {
			return out, err
		}
		moved[m.ID] = true
		out.Action, out.ID = ImportCreate, m.ID
		return out, nil
	case err != nil:
		return out, err
	}
	out.ID = cur.ID
	before, err := tx.LockMarket(ctx, cur.ID)
	if err != nil {
		return out, err
	}
	m := before
	m.Name = in.Name
	if in.Code != "" {
		m.Code = in.Code
	}
	if in.Address != "" {
		m.Address = in.Address
	}
	if in.Class != 0 {
		m.Class = in.Class
	}
	if hasStalls {
		m.StallsDeclared = in.StallsDeclared
	}
	if m.Name == before.Name && m.Code == before.Code && m.Address == before.Address &&
		m.Class == before.Class && m.StallsDeclared == before.StallsDeclared {
		out.Action = ImportUnchanged
		return out, nil
	}
	m.UpdatedAt = s.clock()
	if err := tx.UpdateMarket(ctx, m); err != nil {
		return out, err
	}
	if err := s.audit(ctx, tx, a, ActionUpdate, "market", m.ID, m.ID, auditMarket(before), auditMarket(m)); err != nil {
		return out, err
	}
	if m.StallsDeclared != before.StallsDeclared {
		moved[m.ID] = true
	}
	out.Action = ImportUpdate
	return out, nil
}

// findMarket finds a market of a commune by code, or by name (compared
// without diacritics or case) when code is empty or no market has it
// yet; a market found by name must then have no code of its own, so a
// file that adds codes to markets imported without them updates them. It
// returns ErrNotFound when there is none and a *ValidationError when
// several markets of the commune have the name.
func findMarket(ctx context.Context, r Reader, commune, code, name string) (Market, error) {
	if code != "" {
		m, err := r.MarketByCode(ctx, commune, code)
		if !errors.Is(err, ErrNotFound) || name == "" {
			return m, err
		}
	}
	folded := Fold(name)
	ms, err := r.ListMarkets(ctx, MarketQuery{CommuneCodes: []string{commune}, NameFolded: folded, Limit: 50})
	if err != nil {
		return Market{}, err
	}
	var found []Market
	for _, m := range ms {
		if Fold(m.Name) == folded && (code == "" || m.Code == "") {
			found = append(found, m)
		}
	}
	switch len(found) {
	case 0:
		return Market{}, fmt.Errorf("market %q in commune %s: %w", name, commune, ErrNotFound)
	case 1:
		return found[0], nil
	}
	return Market{}, &ValidationError{Fields: []FieldError{{Field: "code", Message: fmt.Sprintf(
		"commune %s has %d markets named %q; give the market's code", commune, len(found), name)}}}
}
