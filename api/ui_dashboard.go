package api

import (
	"cmp"
	"context"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
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
}

// dashboardUnit picks the unit the dashboard shows: the ?commune= or
// ?province= asked for when the user sees it, else the user's own commune
// or province, else (an admin) the whole country. It returns ErrNotFound
// for a unit outside the user's area.
func (s *Server) dashboardUnit(c echo.Context, a merchants.Actor) (merchants.UnitFilter, error) {
	f := merchants.UnitFilter{CommuneCode: c.QueryParam("commune"), ProvinceCode: c.QueryParam("province")}
	switch {
	case f.CommuneCode != "":
		cm, err := s.cfg.Units.Commune(f.CommuneCode)
		if err != nil {
			return f, merchants.ErrNotFound
		}
		f.ProvinceCode = cm.ProvinceCode
	case f.ProvinceCode != "":
	case a.Role == merchants.RoleProvince:
		f.ProvinceCode = a.ProvinceCode
	case len(a.CommuneCodes) > 0:
		f.CommuneCode = a.CommuneCodes[0]
		if cm, err := s.cfg.Units.Commune(f.CommuneCode); err == nil {
			f.ProvinceCode = cm.ProvinceCode
		}
	}
	if f.ProvinceCode == "" && f.CommuneCode == "" {
		if a.Role != merchants.RoleAdmin {
			return f, merchants.ErrNotFound
		}
		return f, nil
	}
	if err := merchants.Authorize(a, merchants.PermRead, merchants.Unit{ProvinceCode: f.ProvinceCode, CommuneCode: f.CommuneCode}); err != nil {
		return f, err
	}
	return f, nil
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

		unit, err := s.cfg.Adoption.Unit(ctx, f)
		if err != nil {
			return err
		}
		d.Totals = uiTotals{Markets: unit.Markets, Cho40Markets: unit.Cho40Markets, StallsActive: unit.StallsActive,
			VendorsWithQR: unit.VendorsWithQR, VendorsTransacting: unit.VendorsTransacting, QRRate: unit.QRRate}

		markets, err := s.cfg.Adoption.Markets(ctx, f)
		if err != nil {
			return err
		}
		if d.Rows, err = s.dashboardRows(ctx, a, f, markets); err != nil {
			return err
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

// dashboardRows groups the unit's market rows: per market for a commune
// (named from the markets list), per commune for a province, per province
// for the country.
func (s *Server) dashboardRows(ctx context.Context, a merchants.Actor, f merchants.UnitFilter, markets []merchants.MarketAdoption) ([]uiUnitRow, error) {
	if f.CommuneCode != "" {
		ms, err := s.allMarkets(ctx, a, merchants.MarketFilter{CommuneCode: f.CommuneCode})
		if err != nil {
			return nil, err
		}
		names := map[int64]string{}
		for _, m := range ms {
			names[m.ID] = m.Name
		}
		rows := make([]uiUnitRow, 0, len(markets))
		for _, m := range markets {
			r := uiUnitRow{Name: names[m.MarketID], Href: "/ui/markets/" + strconv.FormatInt(m.MarketID, 10)}
			r.add(m)
			rows = append(rows, r)
		}
		return rows, nil
	}
	byUnit := map[string]*uiUnitRow{}
	var order []string
	for _, m := range markets {
		key, name, href := m.ProvinceCode, m.ProvinceCode, "/ui/dashboard?province="+url.QueryEscape(m.ProvinceCode)
		if f.ProvinceCode != "" {
			key, name, href = m.CommuneCode, s.communeName(m.CommuneCode), "/ui/dashboard?commune="+url.QueryEscape(m.CommuneCode)
		} else if pr, err := s.cfg.Units.Province(m.ProvinceCode); err == nil {
			name = pr.FullName()
		}
		r, ok := byUnit[key]
		if !ok {
			r = &uiUnitRow{Name: name, Href: href}
			byUnit[key] = r
			order = append(order, key)
		}
		r.add(m)
	}
	rows := make([]uiUnitRow, 0, len(order))
	for _, k := range order {
		rows = append(rows, *byUnit[k])
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
