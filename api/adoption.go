package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/sapqr/sapqr/merchants"
	"github.com/sapqr/sapqr/merchants/tabular"
)

// adoptionJSON holds the figures a market and a unit both report, in the
// issue's shape.
type adoptionJSON struct {
	StallsDeclared     int64   `json:"stalls_declared"`
	StallsActive       int64   `json:"stalls_active"`
	Vendors            int64   `json:"vendors"`
	VendorsWithQR      int64   `json:"vendors_with_qr"`
	SignsPrinted       int64   `json:"signs_printed"`
	VendorsTransacting int64   `json:"vendors_transacting"`
	QRRate             float64 `json:"qr_rate"`
	Cho40              bool    `json:"cho40"`
	Source             string  `json:"source"`
}

// marketAdoptionJSON is GET /markets/{id}/adoption.
type marketAdoptionJSON struct {
	MarketID int64 `json:"market_id"`
	adoptionJSON
}

// unitAdoptionJSON is GET /adoption: the market fields summed, plus
// markets and cho40_markets.
type unitAdoptionJSON struct {
	ProvinceCode string `json:"province_code,omitempty"`
	CommuneCode  string `json:"commune_code,omitempty"`
	Markets      int64  `json:"markets"`
	Cho40Markets int64  `json:"cho40_markets"`
	adoptionJSON
}

// handleMarketAdoption returns a market's adoption figures; 404 outside
// the caller's area.
func (s *Server) handleMarketAdoption(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if err := s.canReadMarket(ctx, actorOf(c), id); err != nil {
		return err
	}
	m, err := s.cfg.Adoption.Market(ctx, id)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, marketAdoptionJSON{MarketID: m.MarketID, adoptionJSON: adoptionJSON{
		StallsDeclared: m.StallsDeclared, StallsActive: m.StallsActive, Vendors: m.Vendors,
		VendorsWithQR: m.VendorsWithQR, SignsPrinted: m.SignsPrinted, VendorsTransacting: m.VendorsTransacting,
		QRRate: m.QRRate, Cho40: m.Cho40, Source: string(m.Source),
	}})
}

// canReadMarket checks that a may read market id: ErrNotFound when the
// market does not exist or is outside a's area. A market never changes
// commune, so its unit is remembered after the first read and dashboard
// polling does not read the market row again.
func (s *Server) canReadMarket(ctx context.Context, a merchants.Actor, id int64) error {
	s.marketUnitsMu.Lock()
	u, ok := s.marketUnits[id]
	s.marketUnitsMu.Unlock()
	if ok {
		if err := merchants.Authorize(a, merchants.PermRead, u); err != nil {
			return fmt.Errorf("market %d: %w", id, err)
		}
		return nil
	}
	m, err := s.cfg.Merchants.Market(ctx, a, id)
	if err != nil {
		return err
	}
	s.marketUnitsMu.Lock()
	if len(s.marketUnits) >= maxRememberedMarkets {
		clear(s.marketUnits)
	}
	s.marketUnits[id] = m.Unit()
	s.marketUnitsMu.Unlock()
	return nil
}

// maxRememberedMarkets bounds canReadMarket's memory: every market in the
// country fits.
const maxRememberedMarkets = 20_000

// unitScope turns ?province=&commune= into the unit the caller asked for,
// checked against its scope: 404 for a unit that does not exist or that it
// cannot see. Without either, it is the caller's own area: the country for
// an admin, the province of a province officer, the commune of a commune
// officer or member who has exactly one (with several it must choose).
func (s *Server) unitScope(a merchants.Actor, province, commune string) (merchants.UnitFilter, error) {
	switch {
	case commune != "":
		p, err := s.cfg.Units.ProvinceOfCommune(commune)
		if err != nil {
			return merchants.UnitFilter{}, err
		}
		if province != "" && province != p {
			return merchants.UnitFilter{}, validationError(FieldError{Field: "commune", Message: fmt.Sprintf("commune %s is in province %s, not %s", commune, p, province)})
		}
		if err := merchants.Authorize(a, merchants.PermRead, merchants.Unit{ProvinceCode: p, CommuneCode: commune}); err != nil {
			return merchants.UnitFilter{}, err
		}
		return merchants.UnitFilter{ProvinceCode: p, CommuneCode: commune}, nil
	case province != "":
		if _, err := s.cfg.Units.Province(province); err != nil {
			return merchants.UnitFilter{}, err
		}
		if err := merchants.Authorize(a, merchants.PermRead, merchants.Unit{ProvinceCode: province}); err != nil {
			return merchants.UnitFilter{}, err
		}
		return merchants.UnitFilter{ProvinceCode: province}, nil
	}
	switch a.Role {
	case merchants.RoleAdmin:
		return merchants.UnitFilter{}, nil
	case merchants.RoleProvince:
		return merchants.UnitFilter{ProvinceCode: a.ProvinceCode}, nil
	case merchants.RoleCommune, merchants.RoleMember:
		if len(a.CommuneCodes) == 1 {
			return s.unitScope(a, "", a.CommuneCodes[0])
		}
		return merchants.UnitFilter{}, validationError(FieldError{Field: "commune",
			Message: "is required: you work in several communes (" + strings.Join(a.CommuneCodes, ", ") + "); choose one"})
	}
	return merchants.UnitFilter{}, merchants.ErrUnauthenticated
}

// checkUnitParams answers 404 when a list names, with ?province= or
// ?commune=, a unit that does not exist or that the caller cannot see,
// rather than an empty page that would hide the difference.
func (s *Server) checkUnitParams(c echo.Context, a merchants.Actor) error {
	province, commune := c.QueryParam("province"), c.QueryParam("commune")
	if province == "" && commune == "" {
		return nil
	}
	_, err := s.unitScope(a, province, commune)
	return err
}

// handleAdoption returns adoption summed over a commune, a province or the
// caller's area.
func (s *Server) handleAdoption(c echo.Context) error {
	f, err := s.unitScope(actorOf(c), c.QueryParam("province"), c.QueryParam("commune"))
	if err != nil {
		return err
	}
	u, err := s.cfg.Adoption.Unit(c.Request().Context(), f)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, unitAdoptionJSON{
		ProvinceCode: u.ProvinceCode, CommuneCode: u.CommuneCode, Markets: u.Markets, Cho40Markets: u.Cho40Markets,
		adoptionJSON: adoptionJSON{
			StallsDeclared: u.StallsDeclared, StallsActive: u.StallsActive, Vendors: u.Vendors, VendorsWithQR: u.VendorsWithQR,
			SignsPrinted: u.SignsPrinted, VendorsTransacting: u.VendorsTransacting, QRRate: u.QRRate, Cho40: u.Cho40,
			Source: string(u.Source),
		},
	})
}

// handleReport writes the adoption report of a commune (one row per
// market) or a province (one row per commune) as CSV or XLSX:
// ?province=&commune=&period=month|quarter|6months|year&at=YYYY-MM-DD&format=csv|xlsx.
// Reports belong to commune officers, province officers and admins.
func (s *Server) handleReport(c echo.Context) error {
	a := actorOf(c)
	f, err := s.unitScope(a, c.QueryParam("province"), c.QueryParam("commune"))
	if err != nil {
		return err
	}
	if !a.Can(merchants.PermManageTargets) {
		return fmt.Errorf("reports: role %s: %w", a.Role, merchants.ErrForbidden)
	}
	var fields []FieldError
	format := tabular.CSV
	if v := c.QueryParam("format"); v != "" {
		if format, err = tabular.ParseFormat(v); err != nil {
			fields = append(fields, FieldError{Field: "format", Message: "must be csv or xlsx"})
		}
	}
	period := merchants.PeriodMonth
	if v := c.QueryParam("period"); v != "" {
		if period, err = merchants.ParsePeriod(v); err != nil {
			fields = append(fields, FieldError{Field: "period", Message: "must be month, quarter, 6months or year"})
		}
	}
	var at time.Time
	if v := c.QueryParam("at"); v != "" {
		if at, err = time.Parse(time.DateOnly, v); err != nil {
			fields = append(fields, FieldError{Field: "at", Message: "must be a date, YYYY-MM-DD"})
		}
	}
	if fields != nil {
		return validationError(fields...)
	}
	if f.CommuneCode == "" && f.ProvinceCode == "" {
		return validationError(FieldError{Field: "province", Message: "is required: a report is for a commune or a province"})
	}
	rep, err := s.cfg.Adoption.Report(c.Request().Context(), merchants.ReportRequest{
		ProvinceCode: f.ProvinceCode, CommuneCode: f.CommuneCode, Period: period, At: at,
	})
	if err != nil {
		return err
	}
	return s.writeReport(c, rep, format)
}

// writeReport streams a report as a download.
func (s *Server) writeReport(c echo.Context, rep merchants.Report, format tabular.Format) error {
	unit := rep.CommuneCode
	if unit == "" {
		unit = rep.ProvinceCode
	}
	name := fmt.Sprintf("sapqr-adoption-%s-%s-%s.%s", unit, rep.Period, rep.AsOf.Format(time.DateOnly), format)
	contentType := "text/csv; charset=utf-8"
	if format == tabular.XLSX {
		contentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, contentType)
	h.Set(echo.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	return merchants.WriteReport(c.Response(), format, rep)
}
