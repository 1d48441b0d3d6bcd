package api

import (
	"html/template"
	"net/http"
	"net/url"
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
	// Summary is the unit's figures in one sentence, in the words
	// officials use, to copy into a Zalo group.
	Summary string
}

// handleUIDashboardPage is the officers' dashboard: the unit's headline
// figures, a table of its markets (commune), communes (province) or
// provinces (country) with progress bars, the chart of the last 30 days
// from the daily snapshots, the team's contributions and the report
// exports. Everything is rendered on the server, so it prints as seen.
func (s *Server) handleUIDashboardPage(p *uiPages) echo.HandlerFunc {
	return func(c echo.Context) error {
		a := actorOf(c)
		dash, err := s.cfg.Adoption.DashboardFor(c.Request().Context(), a, c.QueryParam("province"), c.QueryParam("commune"), dashboardDays)
		if err != nil {
			return err
		}
		return p.render(c, http.StatusOK, "dashboard", "title.dashboard", s.dashboardView(p, langOf(c.Request()), a, dash), "summary.js")
	}
}

// dashboardView lays a dashboard out for the page in lang.
func (s *Server) dashboardView(p *uiPages, lang string, a merchants.Actor, dash merchants.Dashboard) uiDashboardData {
	f, t := dash.Unit, dash.Totals
	d := uiDashboardData{
		Scope:     p.cat.text(lang, "dash.all"),
		CanExport: a.Can(merchants.PermManageTargets) && (f.CommuneCode != "" || f.ProvinceCode != ""),
		Totals: uiTotals{Markets: t.Markets, Cho40Markets: t.Cho40Markets, StallsActive: t.StallsActive,
			VendorsWithQR: t.VendorsWithQR, VendorsTransacting: t.VendorsTransacting, QRRate: t.QRRate},
		Chart: dashboardChart(p, lang, dash.Series),
	}
	q := url.Values{}
	switch {
	case f.CommuneCode != "":
		d.Scope = s.unitName(f.CommuneCode)
		q.Set("commune", f.CommuneCode)
		d.UnitsTitle, d.UnitLabel = "dash.units.markets", "dash.market"
	case f.ProvinceCode != "":
		if pr, err := s.cfg.Units.Province(f.ProvinceCode); err == nil {
			d.Scope = pr.FullName()
		}
		q.Set("province", f.ProvinceCode)
		d.UnitsTitle, d.UnitLabel = "dash.units.communes", "dash.commune"
	default:
		d.UnitsTitle, d.UnitLabel = "dash.units.provinces", "dash.province"
	}
	d.Query = template.URL(q.Encode())
	who := d.Scope // a commune as people name it, without its province
	if f.CommuneCode != "" {
		who = s.communeName(f.CommuneCode)
	}
	d.Summary = p.cat.text(lang, "dash.summary", "unit", who, "cho40", formatInt(lang, t.Cho40Markets),
		"markets", formatInt(lang, t.Markets), "vendors", formatInt(lang, t.VendorsWithQR),
		"date", time.Now().In(merchants.Vietnam).Format("02/01/2006"))
	for _, r := range dash.Rows {
		d.Rows = append(d.Rows, dashboardRow(f, r))
	}
	if len(a.CommuneCodes) > 1 {
		for _, code := range a.CommuneCodes {
			d.Communes = append(d.Communes, uiUnitLink{Name: s.communeName(code), Href: "/ui/dashboard?commune=" + url.QueryEscape(code), Current: code == f.CommuneCode})
		}
	}
	for _, m := range dash.Members {
		name := m.Username
		if name == "" { // registered by no user: an import or the demo data
			name = p.cat.text(lang, "dash.member.system")
		}
		d.Team = append(d.Team, uiMember{Name: name, Vendors: m.Vendors, WithQR: m.VendorsWithQR, Transacting: m.VendorsTransacting})
	}
	return d
}

// dashboardRow is one row of the table of the unit of f, linking to the
// market's page (a commune's rows) or the unit's dashboard.
func dashboardRow(f merchants.UnitFilter, r merchants.ReportRow) uiUnitRow {
	row := uiUnitRow{Name: r.Name, Markets: r.Markets, Cho40Markets: r.Cho40Markets, StallsActive: r.StallsActive,
		StallsWithQR: r.StallsWithQR, VendorsWithQR: r.VendorsWithQR, VendorsTransacting: r.VendorsTransacting, QRRate: r.QRRate}
	switch {
	case f.CommuneCode != "":
		row.Href = "/ui/markets/" + url.PathEscape(r.Code)
	case f.ProvinceCode != "":
		row.Href = "/ui/dashboard?commune=" + url.QueryEscape(r.Code)
	default:
		row.Href = "/ui/dashboard?province=" + url.QueryEscape(r.Code)
	}
	if r.TargetProgress != nil {
		row.HasTarget, row.OfTarget = true, *r.TargetProgress
	}
	return row
}

// dashboardChart draws the daily vendors with QR and transacting.
func dashboardChart(p *uiPages, lang string, series []merchants.AdoptionPoint) template.HTML {
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
	return renderLineChart(p.cat.text(lang, "dash.chart"), p.cat.text(lang, "dash.chart.empty"), lines)
}

// communeName is a commune's full name without its province.
func (s *Server) communeName(code string) string {
	if cm, err := s.cfg.Units.Commune(code); err == nil {
		return cm.FullName()
	}
	return code
}
