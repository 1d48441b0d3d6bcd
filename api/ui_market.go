package api

import (
	"context"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/sapqr/sapqr/merchants"
)

// maxUIMarketRows bounds what one market page reads; a market has at most
// 100,000 declared stalls, and the page shows them all.
const maxUIMarketRows = 100_000

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
	Class      string // one of uiStates()
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

// marketGrid reads a market's stalls and active vendors and colours each
// open stall by how far its vendor has come.
func (s *Server) marketGrid(ctx context.Context, a merchants.Actor, marketID int64) ([]uiStallCell, error) {
	var stalls []merchants.Stall
	sf := merchants.StallFilter{MarketID: marketID, Limit: s.cfg.Merchants.MaxPageSize()}
	for {
		page, err := s.cfg.Merchants.ListStalls(ctx, a, sf)
		if err != nil {
			return nil, err
		}
		stalls = append(stalls, page.Stalls...)
		if page.NextCursor == "" || len(stalls) >= maxUIMarketRows {
			break
		}
		sf.Cursor = page.NextCursor
	}
	// A vendor is on every stall it holds, each coloured by its own sign.
	type holder struct {
		v merchants.Vendor
		h merchants.VendorStall
	}
	onStall := map[int64]holder{}
	vf := merchants.VendorFilter{MarketID: marketID, Limit: s.cfg.Merchants.MaxPageSize()}
	for n := 0; ; {
		page, err := s.cfg.Merchants.ListVendors(ctx, a, vf)
		if err != nil {
			return nil, err
		}
		for _, v := range page.Vendors {
			for _, h := range v.Stalls {
				onStall[h.StallID] = holder{v, h}
			}
		}
		n += len(page.Vendors)
		if page.NextCursor == "" || n >= maxUIMarketRows {
			break
		}
		vf.Cursor = page.NextCursor
	}
	cells := make([]uiStallCell, 0, len(stalls))
	for _, st := range stalls {
		if st.Status == merchants.StallClosed {
			continue
		}
		cell := uiStallCell{Code: st.Code, Class: stateNone}
		if on, ok := onStall[st.ID]; ok {
			cell.Class, cell.VendorID, cell.VendorName = stallState(on.v, on.h), on.v.ID, on.v.FullName
		}
		cells = append(cells, cell)
	}
	slices.SortFunc(cells, func(x, y uiStallCell) int { return naturalCompare(x.Code, y.Code) })
	return cells, nil
}

// naturalCompare orders stall codes as people read them: "A-2" before
// "A-10".
func naturalCompare(a, b string) int {
	for a != "" && b != "" {
		da, db := digitsPrefix(a), digitsPrefix(b)
		if da != "" && db != "" {
			na, nb := strings.TrimLeft(da, "0"), strings.TrimLeft(db, "0")
			if len(na) != len(nb) {
				return len(na) - len(nb)
			}
			if c := strings.Compare(na, nb); c != 0 {
				return c
			}
			a, b = a[len(da):], b[len(db):]
			continue
		}
		if a[0] != b[0] {
			return int(a[0]) - int(b[0])
		}
		a, b = a[1:], b[1:]
	}
	return len(a) - len(b)
}

func digitsPrefix(s string) string {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return s[:i]
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
		m, err := s.cfg.Merchants.Market(ctx, a, id)
		if err != nil {
			return err
		}
		cells, err := s.marketGrid(ctx, a, id)
		if err != nil {
			return err
		}
		counts, err := s.marketAdoption(ctx, id)
		if err != nil {
			return err
		}
		d := uiMarketData{ID: m.ID, Name: m.Name, Unit: s.unitName(m.CommuneCode), Counts: counts,
			QRRate: counts.QRRate, Cho40: counts.Cho40, Q: strings.TrimSpace(c.QueryParam("q"))}

		want := map[string]bool{}
		for _, st := range c.QueryParams()["status"] {
			want[st] = true
		}
		tally := map[string]int{}
		for _, cell := range cells {
			tally[cell.Class]++
		}
		for _, st := range uiStates() {
			d.Statuses = append(d.Statuses, uiStatusFilter{Class: st, Count: tally[st], On: want[st]})
		}
		q := merchants.Fold(d.Q)
		for _, cell := range cells {
			if len(want) > 0 && !want[cell.Class] {
				continue
			}
			if q != "" && !strings.Contains(merchants.Fold(cell.Code), q) && !strings.Contains(merchants.Fold(cell.VendorName), q) {
				continue
			}
			d.Stalls = append(d.Stalls, cell)
		}
		return p.render(c, http.StatusOK, "market", "title.market", d)
	}
}
