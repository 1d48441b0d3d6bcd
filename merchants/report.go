package merchants

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sapqr/sapqr/merchants/tabular"
)

// Period is a reporting period, aligned on the calendar as communes report:
// a month, a quarter, a half-year or a year.
type Period string

// Reporting periods.
const (
	PeriodMonth    Period = "month"
	PeriodQuarter  Period = "quarter"
	Period6Months  Period = "6months"
	PeriodYear     Period = "year"
	periodsAllowed        = "month, quarter, 6months or year"
)

// ParsePeriod reads a period name. It returns an error naming the allowed
// values for anything else.
func ParsePeriod(s string) (Period, error) {
	switch p := Period(strings.ToLower(strings.TrimSpace(s))); p {
	case PeriodMonth, PeriodQuarter, Period6Months, PeriodYear:
		return p, nil
	}
	return "", fmt.Errorf("period %q: want %s", s, periodsAllowed)
}

// Range returns the first and last day of the period that contains the
// month of at (days at midnight UTC): for at in November 2026, month is
// 1–30 November, quarter October–December, 6months July–December and year
// the whole of 2026. It returns an error for an unknown period.
func (p Period) Range(at time.Time) (from, to time.Time, err error) {
	y, m := at.Year(), at.Month()
	var first time.Month
	var months int
	switch p {
	case PeriodMonth:
		first, months = m, 1
	case PeriodQuarter:
		first, months = (m-1)/3*3+1, 3
	case Period6Months:
		first, months = (m-1)/6*6+1, 6
	case PeriodYear:
		first, months = time.January, 12
	default:
		return time.Time{}, time.Time{}, fmt.Errorf("period %q: want %s", string(p), periodsAllowed)
	}
	from = time.Date(y, first, 1, 0, 0, 0, 0, time.UTC)
	return from, from.AddDate(0, months, -1), nil
}

// ReportRequest asks for a commune's table (one row per market) or a
// province's (one row per commune) for a period.
type ReportRequest struct {
	ProvinceCode string
	CommuneCode  string // wins over ProvinceCode when both are set
	Period       Period
	// At is any day of the month the period contains; zero for today.
	At time.Time
}

// Report is an adoption table in the shape communes report upward: per
// unit, markets, chợ 4.0 markets, active stalls, vendors with QR, vendors
// transacting, the share of active stalls with QR and the progress against
// the target.
type Report struct {
	ProvinceCode string    `json:"province_code"`
	CommuneCode  string    `json:"commune_code,omitempty"`
	Period       Period    `json:"period"`
	From         time.Time `json:"from"`
	To           time.Time `json:"to"`
	// AsOf is the day the figures describe: the end of the period, or today
	// for a period not over yet.
	AsOf time.Time `json:"as_of"`
	// Source is where live figures come from; empty when the period is over
	// and the figures come from the snapshot of its last day.
	Source Source      `json:"source,omitempty"`
	Rows   []ReportRow `json:"rows"`
	Total  ReportRow   `json:"total"`
	// PreviousFrom and PreviousTo are the period before; each row's
	// Previous holds its figures at PreviousTo.
	PreviousFrom time.Time `json:"previous_from"`
	PreviousTo   time.Time `json:"previous_to"`
}

// ReportRow is one line of a Report: a market, a commune or the total.
type ReportRow struct {
	// Code is the market ID or the commune code; empty for the total.
	Code               string `json:"code"`
	Name               string `json:"name"`
	Markets            int64  `json:"markets"`
	Cho40Markets       int64  `json:"cho40_markets"`
	StallsActive       int64  `json:"stalls_active"`
	StallsWithQR       int64  `json:"stalls_with_qr"`
	VendorsWithQR      int64  `json:"vendors_with_qr"`
	VendorsTransacting int64  `json:"vendors_transacting"`
	// QRRate is StallsWithQR ÷ StallsActive (0–1).
	QRRate float64 `json:"qr_rate"`
	// TargetProgress is (Cho40Markets ÷ Markets) ÷ the target's share
	// (1 is the target met); nil when the unit has no target. A commune
	// without a target of its own is measured against its province's;
	// market rows have none: a target belongs to a commune or a province.
	// The target used is the first due on or after the period's end, else
	// the last one due.
	TargetProgress *float64 `json:"target_progress,omitempty"`
	// TargetShare and TargetDue describe the target used.
	TargetShare *float64   `json:"target_share,omitempty"`
	TargetDue   *time.Time `json:"target_due,omitempty"`
	// AccountsOpened and AppsInstalled count the vendors the team helped
	// open a payment account or install a banking app within the period
	// (see Assist).
	AccountsOpened int64 `json:"accounts_opened"`
	AppsInstalled  int64 `json:"apps_installed"`
	// Previous is the same unit's figures at the end of the previous
	// period (no target); nil when its snapshot had none of its markets.
	Previous *ReportRow `json:"previous,omitempty"`
}

// totalName names the total row of a report.
const totalName = "Tổng cộng"

// Report builds a commune's or a province's adoption table for a period:
// live figures for a period not over yet, else the newest snapshot on or
// before its last day. It returns a *ValidationError, changing nothing,
// for a missing unit or an unknown period, and store errors.
func (s *AdoptionService) Report(ctx context.Context, req ReportRequest) (Report, error) {
	var p problems
	if req.CommuneCode == "" && req.ProvinceCode == "" {
		p.add("unit", "give a commune code or a province code")
	}
	if _, err := ParsePeriod(string(req.Period)); err != nil {
		p.add("period", err.Error())
	}
	if err := p.err(); err != nil {
		return Report{}, err
	}
	at := req.At
	if at.IsZero() {
		at = s.today()
	}
	from, to, _ := req.Period.Range(at)
	f := UnitFilter{ProvinceCode: req.ProvinceCode, CommuneCode: req.CommuneCode}
	if f.CommuneCode != "" {
		f.ProvinceCode = ""
	}
	rep := Report{ProvinceCode: req.ProvinceCode, CommuneCode: f.CommuneCode, Period: req.Period, From: from, To: to}

	rows, asOf, src, err := s.reportMarkets(ctx, f, to)
	if err != nil {
		return Report{}, err
	}
	rep.AsOf, rep.Source = asOf, src
	if rep.ProvinceCode == "" {
		rep.ProvinceCode = s.provinceOf(f.CommuneCode, rows)
	}
	unitTarget, err := s.reportTargets(ctx, rep.ProvinceCode, f, to)
	if err != nil {
		return Report{}, err
	}
	if rep.Rows, rep.Total, err = s.reportTable(ctx, f, rows, unitTarget); err != nil {
		return Report{}, err
	}
	if err := s.addAssists(ctx, f, &rep); err != nil {
		return Report{}, err
	}
	return rep, s.addPrevious(ctx, &rep, f)
}

// reportTable builds a report's rows and total from its market rows: one
// row per market for a commune, one per commune for a province, each
// commune against its own target or else its province's.
func (s *AdoptionService) reportTable(ctx context.Context, f UnitFilter, rows []MarketAdoption, unitTarget func(string) *AdoptionTarget) ([]ReportRow, ReportRow, error) {
	withFallback := func(commune string) *AdoptionTarget {
		if t := unitTarget(commune); t != nil {
			return t
		}
		return unitTarget("")
	}
	if f.CommuneCode == "" {
		return s.communeRows(rows, withFallback), reportRow("", totalName, rows, unitTarget("")), nil
	}
	names, err := s.store.MarketNames(ctx, f)
	if err != nil {
		return nil, ReportRow{}, fmt.Errorf("adoption: report: %w", err)
	}
	var out []ReportRow
	for _, r := range rows {
		out = append(out, reportRow(strconv.FormatInt(r.MarketID, 10), names[r.MarketID], []MarketAdoption{r}, nil))
	}
	return out, reportRow("", totalName, rows, withFallback(f.CommuneCode)), nil
}

// provinceOf returns the province of a commune: from the unit directory,
// else from the commune's market rows; "" when neither knows.
func (s *AdoptionService) provinceOf(commune string, rows []MarketAdoption) string {
	if s.cfg.Units != nil && commune != "" {
		if p, err := s.cfg.Units.ProvinceOfCommune(commune); err == nil {
			return p
		}
	}
	if len(rows) > 0 {
		return rows[0].ProvinceCode
	}
	return ""
}

// reportTargets reads the targets of the province and its communes (a
// commune is measured against its province's when it has none) and
// returns the chooser of a unit's target for the period ending on to.
func (s *AdoptionService) reportTargets(ctx context.Context, province string, f UnitFilter, to time.Time) (func(commune string) *AdoptionTarget, error) {
	tf := UnitFilter{ProvinceCode: province}
	if province == "" {
		tf = f
	}
	targets, err := s.store.AdoptionTargets(ctx, tf)
	if err != nil {
		return nil, fmt.Errorf("adoption: report: %w", err)
	}
	return func(commune string) *AdoptionTarget { return targetFor(targets, province, commune, to) }, nil
}

// reportMarkets returns the adoption of the filter's markets as of the
// period ending on to: live figures, as of today, when the period is not
// over yet, and else the newest snapshot on or before to, as of to, with
// no source. It returns store errors.
func (s *AdoptionService) reportMarkets(ctx context.Context, f UnitFilter, to time.Time) (rows []MarketAdoption, asOf time.Time, src Source, err error) {
	if today := s.today(); !to.Before(today) {
		var fr freshness
		if rows, fr, err = s.markets(ctx, f); err != nil {
			return nil, time.Time{}, "", err
		}
		return rows, today, fr.source, nil
	}
	counts, err := s.store.AdoptionSnapshotAt(ctx, f, to)
	if err != nil {
		return nil, time.Time{}, "", fmt.Errorf("adoption: report: %w", err)
	}
	thr, err := s.loadThresholds(ctx)
	if err != nil {
		return nil, time.Time{}, "", err
	}
	for _, c := range counts {
		rows = append(rows, marketAdoption(c, thresholdOf(thr, c.ProvinceCode), ""))
	}
	return rows, to, "", nil
}

// communeRows sums a province's market rows into one report row per
// commune, ordered by commune code, each against the target unitTarget
// picks for it.
func (s *AdoptionService) communeRows(rows []MarketAdoption, unitTarget func(commune string) *AdoptionTarget) []ReportRow {
	byCommune := make(map[string][]MarketAdoption)
	for _, r := range rows {
		byCommune[r.CommuneCode] = append(byCommune[r.CommuneCode], r)
	}
	communes := make([]string, 0, len(byCommune))
	for c := range byCommune {
		communes = append(communes, c)
	}
	slices.Sort(communes)
	var out []ReportRow
	for _, c := range communes {
		out = append(out, reportRow(c, s.communeName(c), byCommune[c], unitTarget(c)))
	}
	return out
}

func (s *AdoptionService) communeName(code string) string {
	if s.cfg.Units != nil {
		if c, err := s.cfg.Units.Commune(code); err == nil {
			return c.FullName()
		}
	}
	return code
}

// targetFor picks a unit's target for a period ending on to: the first one
// due on or after to, else the last one due before it; nil when the unit
// has none. commune "" is the province's own target.
func targetFor(targets []AdoptionTarget, province, commune string, to time.Time) *AdoptionTarget {
	var mine []AdoptionTarget
	for _, t := range targets {
		if t.ProvinceCode == province && t.CommuneCode == commune {
			mine = append(mine, t)
		}
	}
	if len(mine) == 0 {
		return nil
	}
	slices.SortFunc(mine, func(a, b AdoptionTarget) int { return a.Due.Compare(b.Due) })
	i, _ := slices.BinarySearchFunc(mine, to, func(t AdoptionTarget, d time.Time) int { return t.Due.Compare(d) })
	if i == len(mine) {
		i--
	}
	return &mine[i]
}

// reportRow sums market rows into one report line.
func reportRow(code, name string, rows []MarketAdoption, target *AdoptionTarget) ReportRow {
	r := ReportRow{Code: code, Name: name}
	for _, m := range rows {
		r.Markets++
		if m.Cho40 {
			r.Cho40Markets++
		}
		r.StallsActive += m.StallsActive
		r.StallsWithQR += m.StallsWithQR
		r.VendorsWithQR += m.VendorsWithQR
		r.VendorsTransacting += m.VendorsTransacting
	}
	r.QRRate = rate(r.StallsWithQR, r.StallsActive)
	if target != nil {
		progress := rate(r.Cho40Markets, r.Markets) / target.Cho40Share
		share, due := target.Cho40Share, target.Due
		r.TargetProgress, r.TargetShare, r.TargetDue = &progress, &share, &due
	}
	return r
}

// reportHeader is the header of ReportHeader.
var reportHeader = [...]string{
	"Mã", "Đơn vị", "Số chợ", "Số chợ 4.0", "Số sạp hoạt động",
	"Số tiểu thương có QR", "Số tiểu thương đã giao dịch", "% sạp có QR", "% so với chỉ tiêu",
	"Chỉ tiêu % chợ 4.0", "Hạn chỉ tiêu",
	"Số chợ kỳ trước", "Số chợ 4.0 kỳ trước", "Số sạp hoạt động kỳ trước",
	"Số tiểu thương có QR kỳ trước", "Số tiểu thương đã giao dịch kỳ trước", "% sạp có QR kỳ trước",
	"Số tài khoản mở mới", "Số tiểu thương được cài ứng dụng",
}

// ReportHeader returns the header row of a report table, in Vietnamese as
// communes file it; ReportRow.Cells gives the matching cells.
func ReportHeader() []string { return slices.Clone(reportHeader[:]) }

// Cells returns the row as table cells: numbers as int64, percentages as
// float64 rounded to one decimal (45.5 is 45.5%), the target's due date as
// YYYY-MM-DD, then the previous period's figures (a missing target or
// previous figure as ""), then what the team helped with in the period.
func (r ReportRow) Cells() []any {
	progress, share, due := any(""), any(""), any("")
	if r.TargetProgress != nil {
		progress = percent(*r.TargetProgress)
	}
	if r.TargetShare != nil && r.TargetDue != nil {
		share, due = percent(*r.TargetShare), r.TargetDue.Format(time.DateOnly)
	}
	prev := []any{"", "", "", "", "", ""}
	if p := r.Previous; p != nil {
		prev = []any{p.Markets, p.Cho40Markets, p.StallsActive, p.VendorsWithQR, p.VendorsTransacting, percent(p.QRRate)}
	}
	cells := append([]any{r.Code, r.Name, r.Markets, r.Cho40Markets, r.StallsActive,
		r.VendorsWithQR, r.VendorsTransacting, percent(r.QRRate), progress, share, due}, prev...)
	return append(cells, r.AccountsOpened, r.AppsInstalled)
}

// percent turns a share into a percentage with one decimal.
func percent(share float64) float64 {
	return float64(int64(share*1000+0.5)) / 10
}

// WriteReport writes rep as a table in format f: the header, a row per
// unit and the total. It returns an error for an unknown format or when
// writing fails.
func WriteReport(w io.Writer, f tabular.Format, rep Report) error {
	tw, err := tabular.NewWriter(w, f, ReportHeader())
	if err != nil {
		return err
	}
	for _, r := range append(rep.Rows, rep.Total) {
		if err := tw.Write(r.Cells()); err != nil {
			return err
		}
	}
	return tw.Close()
}
