package merchants

import (
	"cmp"
	"context"
	"slices"
)

// Dashboard is what an officer's dashboard shows of one unit: its
// headline figures, its table, the daily figures of the last days and what
// each team member contributed.
type Dashboard struct {
	Unit   UnitFilter
	Totals UnitAdoption
	// Rows are this month's live figures in the shape of the report the
	// unit sends upward, with the progress against the target: per market
	// for a commune, per commune for a province, per province (Code the
	// province code, no target) for the country.
	Rows    []ReportRow
	Series  []AdoptionPoint // oldest first
	Members []MemberAdoption
}

// DashboardFor builds the dashboard of the unit an actor asks for, as
// Scope resolves it, except that a commune officer or member working in
// several communes starts on the first rather than on an error. Series
// covers the days up to today. It returns Scope's errors and store errors.
func (s *AdoptionService) DashboardFor(ctx context.Context, a Actor, province, commune string, days int) (Dashboard, error) {
	if province == "" && commune == "" && len(a.CommuneCodes) > 1 && (a.Role == RoleCommune || a.Role == RoleMember) {
		commune = a.CommuneCodes[0]
	}
	f, err := s.Scope(a, province, commune)
	if err != nil {
		return Dashboard{}, err
	}
	d := Dashboard{Unit: f}
	if d.Totals, err = s.Unit(ctx, f); err != nil {
		return Dashboard{}, err
	}
	if d.Rows, err = s.dashboardRows(ctx, f); err != nil {
		return Dashboard{}, err
	}
	to := s.today()
	if d.Series, err = s.Series(ctx, f, to.AddDate(0, 0, -(max(days, 1)-1)), to); err != nil {
		return Dashboard{}, err
	}
	if d.Members, err = s.Members(ctx, f); err != nil {
		return Dashboard{}, err
	}
	return d, nil
}

// dashboardRows is the dashboard's table of the unit of f: this month's
// report rows for a commune or a province; for the whole country, which
// has no report, the markets summed per province, by name.
func (s *AdoptionService) dashboardRows(ctx context.Context, f UnitFilter) ([]ReportRow, error) {
	if f.CommuneCode != "" || f.ProvinceCode != "" {
		rep, err := s.Report(ctx, ReportRequest{ProvinceCode: f.ProvinceCode, CommuneCode: f.CommuneCode, Period: PeriodMonth})
		return rep.Rows, err
	}
	markets, _, err := s.markets(ctx, f)
	if err != nil {
		return nil, err
	}
	byProvince := make(map[string][]MarketAdoption)
	for _, m := range markets {
		byProvince[m.ProvinceCode] = append(byProvince[m.ProvinceCode], m)
	}
	rows := make([]ReportRow, 0, len(byProvince))
	for code, ms := range byProvince {
		rows = append(rows, reportRow(code, s.provinceName(code), ms, nil))
	}
	slices.SortFunc(rows, func(x, y ReportRow) int { return cmp.Compare(x.Name, y.Name) })
	return rows, nil
}

// provinceName is a province's full name, or its code when the directory
// does not know it.
func (s *AdoptionService) provinceName(code string) string {
	if s.cfg.Units != nil {
		if p, err := s.cfg.Units.Province(code); err == nil {
			return p.FullName()
		}
	}
	return code
}
