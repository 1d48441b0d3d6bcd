package api

import (
	"cmp"
	"context"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/sapqr/sapqr/merchants"
)

// dashboardDays is how far back the dashboard chart goes.
const dashboardDays = 30

// uiUnitRow is one row of the dashboard table: a market, a commune or a
// province.
type uiUnitRow struct {
	Name               string
	Href               string
	Markets            int64
	Cho40Markets       int64
	StallsActive       int64
	StallsWithQR       int64
	VendorsWithQR      int64
	VendorsTransacting int64
	QRRate             float64
	HasTarget          bool
	OfTarget           float64 // (chợ 4.0 share) ÷ (target share); 1 is the target met
}

// uiUnitLink switches the dashboard to another of the user's communes.
type uiUnitLink struct {
	Name, Href string
	Current    bool
}

// add counts one more market into the row.
func (r *uiUnitRow) add(m merchants.MarketAdoption) {
	r.Markets++
	if m.Cho40 {
		r.Cho40Markets++
	}
	r.StallsActive += m.StallsActive
	r.StallsWithQR += m.StallsWithQR
	r.VendorsWithQR += m.VendorsWithQR
	r.VendorsTransacting += m.VendorsTransacting
	r.QRRate = 0
	if r.StallsActive > 0 {
		r.QRRate = float64(r.StallsWithQR) / float64(r.StallsActive)
	}
}

// uiTotals are the dashboard's headline figures: the unit's adoption as
// GET /api/v1/adoption answers it.
type uiTotals struct {
	Markets, Cho40Markets, StallsActive, VendorsWithQR, VendorsTransacting int64
	QRRate                                                                 float64
}

// uiMember is one team member's contribution.
type uiMember struct {
	Name                         string
	Vendors, WithQR, Transacting int64
}

// uiDashboardData is the dashboard page.
type uiDashboardData struct {
	Scope      string
	Query      template.URL // the unit, for the export links
	Totals     uiTotals
	UnitsTitle string
	UnitLabel  string
	Rows       []uiUnitRow
	Chart      template.HTML
	Team       []uiMember
	Communes   []uiUnitLink // the user's communes, when more than one
	CanExport  bool         // reports are for officers (merchants.PermManageTargets)
}

// dashboardUnit picks the unit the dashboard shows, by the same rules as
// the adoption API (unitScope): ?commune= or ?province= when the user sees
// it, else the user's own area. A user working in several communes starts
// on the first rather than on an error, and switches with the links.
func (s *Server) dashboardUnit(c echo.Context, a merchants.Actor) (merchants.UnitFilter, error) {
	province, commune := c.QueryParam("province"), c.QueryParam("commune")
	if province == "" && commune == "" && len(a.CommuneCodes) > 1 &&
		(a.Role == merchants.RoleCommune || a.Role == merchants.RoleMember) {
		commune = a.CommuneCodes[0]
	}
	return s.unitScope(a, province, commune)
}

// handleUIDashboardPage is the officers' dashboard: the unit's headline
// figures, a table of its markets (commune), communes (province) or
// provinces (country) with progress bars, the chart of the last 30 days
// from the daily snapshots, the team's contributions and the report
// exports. Everything is rendered on the server, so it prints as seen.
func (s *Server) handleUIDashboardPage(p *uiPages) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx, a := c.Request().Context(), actorOf(c)
		f, err := s.dashboardUnit(c, a)
		if err != nil {
			return err
		}
		lang := langOf(c.Request())
		d := uiDashboardData{Scope: p.cat.text(lang, "dash.all")}
		q := url.Values{}
		switch {
		case f.CommuneCode != "":
			d.Scope = s.unitName(f.CommuneCode)
			q.Set("commune", f.CommuneCode)
		case f.ProvinceCode != "":
			if pr, err := s.cfg.Units.Province(f.ProvinceCode); err == nil {
				d.Scope = pr.FullName()
			}
			q.Set("province", f.ProvinceCode)
		}
		d.Query = template.URL(q.Encode())
		d.CanExport = a.Can(merchants.PermManageTargets) && (f.CommuneCode != "" || f.ProvinceCode != "")

		unit, err := s.cfg.Adoption.Unit(ctx, f)
		if err != nil {
			return err
		}
		d.Totals = uiTotals{Markets: unit.Markets, Cho40Markets: unit.Cho40Markets, StallsActive: unit.StallsActive,
			VendorsWithQR: unit.VendorsWithQR, VendorsTransacting: unit.VendorsTransacting, QRRate: unit.QRRate}

		if d.Rows, err = s.dashboardRows(ctx, f); err != nil {
			return err
		}
		if len(a.CommuneCodes) > 1 {
			for _, code := range a.CommuneCodes {
				d.Communes = append(d.Communes, uiUnitLink{Name: s.communeName(code), Href: "/ui/dashboard?commune=" + url.QueryEscape(code), Current: code == f.CommuneCode})
			}
		}
		switch {
		case f.CommuneCode != "":
			d.UnitsTitle, d.UnitLabel = "dash.units.markets", "dash.market"
		case f.ProvinceCode != "":
			d.UnitsTitle, d.UnitLabel = "dash.units.communes", "dash.commune"
		default:
			d.UnitsTitle, d.UnitLabel = "dash.units.provinces", "dash.province"
		}

		today := time.Now().In(vietnamTime)
		to := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
		series, err := s.cfg.Adoption.Series(ctx, f, to.AddDate(0, 0, -(dashboardDays-1)), to)
		if err != nil {
			return err
		}
		withQR := chartSeries{Label: p.cat.text(lang, "dash.chart.with_qr"), Colour: "#0b5cad"}
		trans := chartSeries{Label: p.cat.text(lang, "dash.chart.transacting"), Colour: "#1e6b34", Dash: "8 4"}
		for _, pt := range series {
			withQR.Points = append(withQR.Points, chartPoint{Day: pt.Day, Value: pt.VendorsWithQR})
			trans.Points = append(trans.Points, chartPoint{Day: pt.Day, Value: pt.VendorsTransacting})
		}
		var lines []chartSeries
		if len(series) > 0 {
			lines = []chartSeries{withQR, trans}
		}
		d.Chart = renderLineChart(p.cat.text(lang, "dash.chart"), p.cat.text(lang, "dash.chart.empty"), lines)

		members, err := s.cfg.Adoption.Members(ctx, f)
		if err != nil {
			return err
		}
		for _, m := range members {
			d.Team = append(d.Team, uiMember{Name: m.Username, Vendors: m.Vendors, WithQR: m.VendorsWithQR, Transacting: m.VendorsTransacting})
		}
		return p.render(c, http.StatusOK, "dashboard", "title.dashboard", d)
	}
}

// dashboardRows is the unit's table in the shape of the report it sends
// upward (this month's live figures, with the progress against the
// target): per market for a commune, per commune for a province. For the
// whole country, which has no report, the markets are summed per province.
func (s *Server) dashboardRows(ctx context.Context, f merchants.UnitFilter) ([]uiUnitRow, error) {
	if f.CommuneCode != "" || f.ProvinceCode != "" {
		rep, err := s.cfg.Adoption.Report(ctx, merchants.ReportRequest{
			ProvinceCode: f.ProvinceCode, CommuneCode: f.CommuneCode, Period: merchants.PeriodMonth})
		if err != nil {
			return nil, err
		}
		rows := make([]uiUnitRow, 0, len(rep.Rows))
		for _, r := range rep.Rows {
			row := uiUnitRow{Name: r.Name, Markets: r.Markets, Cho40Markets: r.Cho40Markets, StallsActive: r.StallsActive,
				StallsWithQR: r.StallsWithQR, VendorsWithQR: r.VendorsWithQR, VendorsTransacting: r.VendorsTransacting, QRRate: r.QRRate}
			if f.CommuneCode != "" {
				row.Href = "/ui/markets/" + url.PathEscape(r.Code)
			} else {
				row.Href = "/ui/dashboard?commune=" + url.QueryEscape(r.Code)
			}
			if r.TargetProgress != nil {
				row.HasTarget, row.OfTarget = true, *r.TargetProgress
			}
			rows = append(rows, row)
		}
		return rows, nil
	}
	markets, err := s.cfg.Adoption.Markets(ctx, f)
	if err != nil {
		return nil, err
	}
	byProvince := map[string]*uiUnitRow{}
	for _, m := range markets {
		r, ok := byProvince[m.ProvinceCode]
		if !ok {
			r = &uiUnitRow{Name: m.ProvinceCode, Href: "/ui/dashboard?province=" + url.QueryEscape(m.ProvinceCode)}
			if pr, err := s.cfg.Units.Province(m.ProvinceCode); err == nil {
				r.Name = pr.FullName()
			}
			byProvince[m.ProvinceCode] = r
		}
		r.add(m)
	}
	rows := make([]uiUnitRow, 0, len(byProvince))
	for _, r := range byProvince {
		rows = append(rows, *r)
	}
	slices.SortFunc(rows, func(x, y uiUnitRow) int { return cmp.Compare(x.Name, y.Name) })
	return rows, nil
}

// communeName is a commune's full name without its province.
func (s *Server) communeName(code string) string {
	if cm, err := s.cfg.Units.Commune(code); err == nil {
		return cm.FullName()
	}
	return code
}

// marketAdoption is one market's adoption figures.
func (s *Server) marketAdoption(ctx context.Context, marketID int64) (merchants.MarketAdoption, error) {
	return s.cfg.Adoption.Market(ctx, marketID)
}
