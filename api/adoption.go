package api

import (
	"fmt"
	"net/http"
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
	// Stale and AsOf say the figures are the counters as they stood when
	// last in step with a database that cannot be reached now.
	Stale bool       `json:"stale"`
	AsOf  *time.Time `json:"as_of,omitempty"`
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
	m, err := s.cfg.Adoption.MarketFor(c.Request().Context(), actorOf(c), id)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, marketAdoptionJSON{MarketID: m.MarketID, adoptionJSON: adoptionJSON{
		StallsDeclared: m.StallsDeclared, StallsActive: m.StallsActive, Vendors: m.Vendors,
		VendorsWithQR: m.VendorsWithQR, SignsPrinted: m.SignsPrinted, VendorsTransacting: m.VendorsTransacting,
		QRRate: m.QRRate, Cho40: m.Cho40, Source: string(m.Source), Stale: m.Stale, AsOf: asOf(m.Stale, m.AsOf),
	}})
}

// asOf is the as_of of a stale answer, nil for a fresh one.
func asOf(stale bool, t time.Time) *time.Time {
	if !stale {
		return nil
	}
	return &t
}

// checkUnitParams answers 404 when a list names, with ?province= or
// ?commune=, a unit that does not exist or that the caller cannot see,
// rather than an empty page that would hide the difference.
func (s *Server) checkUnitParams(c echo.Context, a merchants.Actor) error {
	province, commune := c.QueryParam("province"), c.QueryParam("commune")
	if province == "" && commune == "" {
		return nil
	}
	_, err := s.cfg.Adoption.Scope(a, province, commune)
	return err
}

// handleAdoption returns adoption summed over a commune, a province or the
// caller's area.
func (s *Server) handleAdoption(c echo.Context) error {
	u, err := s.cfg.Adoption.UnitFor(c.Request().Context(), actorOf(c), c.QueryParam("province"), c.QueryParam("commune"))
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, unitAdoptionJSON{
		ProvinceCode: u.ProvinceCode, CommuneCode: u.CommuneCode, Markets: u.Markets, Cho40Markets: u.Cho40Markets,
		adoptionJSON: adoptionJSON{
			StallsDeclared: u.StallsDeclared, StallsActive: u.StallsActive, Vendors: u.Vendors, VendorsWithQR: u.VendorsWithQR,
			SignsPrinted: u.SignsPrinted, VendorsTransacting: u.VendorsTransacting, QRRate: u.QRRate, Cho40: u.Cho40,
			Source: string(u.Source), Stale: u.Stale, AsOf: asOf(u.Stale, u.AsOf),
		},
	})
}

// handleReport writes the adoption report of a commune (one row per
// market) or a province (one row per commune) as CSV or XLSX:
// ?province=&commune=&period=month|quarter|6months|year&at=YYYY-MM-DD&format=csv|xlsx.
// Reports belong to commune officers, province officers and admins.
func (s *Server) handleReport(c echo.Context) error {
	q, err := reportParams(c)
	if err != nil {
		return err
	}
	rep, err := s.cfg.Adoption.ReportFor(c.Request().Context(), actorOf(c), c.QueryParam("province"), c.QueryParam("commune"), q.period, q.at)
	if err != nil {
		return err
	}
	if q.json {
		return writeJSON(c, http.StatusOK, rep)
	}
	return s.writeReport(c, rep, q.format)
}

// reportQuery is what a report request asks for besides its unit.
type reportQuery struct {
	json   bool // format=json: the rows as JSON instead of a download
	format tabular.Format
	period merchants.Period
	at     time.Time
}

// reportParams reads ?format=csv|xlsx|json&period=…&at=YYYY-MM-DD, each
// defaulted when absent; a *ValidationError names every bad one.
func reportParams(c echo.Context) (reportQuery, error) {
	q := reportQuery{format: tabular.CSV, period: merchants.PeriodMonth}
	var fields []FieldError
	var err error
	if v := c.QueryParam("format"); v == "json" {
		q.json = true
	} else if v != "" {
		if q.format, err = tabular.ParseFormat(v); err != nil {
			fields = append(fields, FieldError{Field: "format", Message: "must be csv, xlsx or json"})
		}
	}
	if v := c.QueryParam("period"); v != "" {
		if q.period, err = merchants.ParsePeriod(v); err != nil {
			fields = append(fields, FieldError{Field: "period", Message: "must be month, quarter, 6months or year"})
		}
	}
	if v := c.QueryParam("at"); v != "" {
		if q.at, err = time.Parse(time.DateOnly, v); err != nil {
			fields = append(fields, FieldError{Field: "at", Message: "must be a date, YYYY-MM-DD"})
		}
	}
	if fields != nil {
		return q, validationError(fields...)
	}
	return q, nil
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
