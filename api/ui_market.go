package api

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/sapqr/sapqr/merchants"
)

// unitName is the full name of a commune ("Phường Ba Đình, Thành phố Hà
// Nội"), or its code when the directory does not know it.
func (s *Server) unitName(communeCode string) string {
	cm, err := s.cfg.Units.Commune(communeCode)
	if err != nil {
		return communeCode
	}
	name := cm.FullName()
	if p, err := s.cfg.Units.Province(cm.ProvinceCode); err == nil {
		name += ", " + p.FullName()
	}
	return name
}

// uiMarketRow is one market in the markets list.
type uiMarketRow struct {
	ID             int64
	Name           string
	Unit           string
	StallsDeclared int
}

// uiMarketsData is the markets list: one page, with the search and the
// link to the next page.
type uiMarketsData struct {
	Markets []uiMarketRow
	Q       string
	Next    template.URL // query string of the next page, empty on the last
}

// handleUIMarketsPage lists the markets of the user's area a page at a
// time, with a search by name (with or without diacritics).
func (s *Server) handleUIMarketsPage(p *uiPages) echo.HandlerFunc {
	return func(c echo.Context) error {
		d := uiMarketsData{Q: strings.TrimSpace(c.QueryParam("q"))}
		page, err := s.cfg.Merchants.ListMarkets(c.Request().Context(), actorOf(c),
			merchants.MarketFilter{Q: d.Q, Cursor: c.QueryParam("cursor"), Limit: s.cfg.Merchants.MaxPageSize()})
		if err != nil {
			return err
		}
		for _, m := range page.Markets {
			d.Markets = append(d.Markets, uiMarketRow{ID: m.ID, Name: m.Name, Unit: s.unitName(m.CommuneCode), StallsDeclared: m.StallsDeclared})
		}
		if page.NextCursor != "" {
			d.Next = template.URL(url.Values{"q": {d.Q}, "cursor": {page.NextCursor}}.Encode())
		}
		return p.render(c, http.StatusOK, "markets", "title.markets", d)
	}
}

// uiStallCell is one stall of the market grid.
type uiStallCell struct {
	Code       string
	Class      string // a merchants.Progress
	VendorID   int64
	VendorName string
}

// uiStatusFilter is one status checkbox of the market page.
type uiStatusFilter struct {
	Class string
	Count int
	On    bool
}

// uiMarketData is the market page.
type uiMarketData struct {
	ID       int64
	Name     string
	Unit     string
	Counts   merchants.MarketAdoption
	QRRate   float64
	Cho40    bool
	Statuses []uiStatusFilter
	Q        string
	Stalls   []uiStallCell
}

// handleUIMarketPage shows a market: its adoption figures, the stall grid
// coloured by status with status and text filters (a plain GET form, so it
// works without scripts), and the "print every sign" sheet.
func (s *Server) handleUIMarketPage(p *uiPages) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		ctx, a := c.Request().Context(), actorOf(c)
		m, stalls, err := s.cfg.Merchants.MarketStalls(ctx, a, id)
		if err != nil {
			return err
		}
		counts, err := s.cfg.Adoption.Market(ctx, id)
		if err != nil {
			return err
		}
		d := uiMarketData{ID: m.ID, Name: m.Name, Unit: s.unitName(m.CommuneCode), Counts: counts,
			QRRate: counts.QRRate, Cho40: counts.Cho40, Q: strings.TrimSpace(c.QueryParam("q"))}
		d.Statuses, d.Stalls = marketGrid(stalls, c.QueryParams()["status"], d.Q)
		return p.render(c, http.StatusOK, "market", "title.market", d)
	}
}

// marketGrid is the market page's status filters, with how many stalls
// each has, and its grid: the stalls with one of the wanted statuses (all
// when none is) whose code or vendor's name contains q, without
// diacritics.
func marketGrid(stalls []merchants.StallOccupancy, statuses []string, q string) ([]uiStatusFilter, []uiStallCell) {
	want := map[string]bool{}
	for _, st := range statuses {
		want[st] = true
	}
	tally := map[merchants.Progress]int{}
	for _, st := range stalls {
		tally[st.Progress]++
	}
	var filters []uiStatusFilter
	for _, p := range merchants.Progresses() {
		filters = append(filters, uiStatusFilter{Class: string(p), Count: tally[p], On: want[string(p)]})
	}
	q = merchants.Fold(q)
	var cells []uiStallCell
	for _, st := range stalls {
		if len(want) > 0 && !want[string(st.Progress)] {
			continue
		}
		if q != "" && !strings.Contains(merchants.Fold(st.Code), q) && !strings.Contains(merchants.Fold(st.VendorName), q) {
			continue
		}
		cells = append(cells, uiStallCell{Code: st.Code, Class: string(st.Progress), VendorID: st.VendorID, VendorName: st.VendorName})
	}
	return filters, cells
}
