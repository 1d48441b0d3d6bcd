package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/sapqr/sapqr/merchants"
)

// targetRequest is the body of PUT /targets.
type targetRequest struct {
	ProvinceCode string  `json:"province_code"`
	CommuneCode  string  `json:"commune_code"`
	Cho40Share   float64 `json:"cho40_share"`
	Due          string  `json:"due"`
}

// targetJSON is a target as the API shows it: the due date as YYYY-MM-DD.
type targetJSON struct {
	ProvinceCode string  `json:"province_code"`
	CommuneCode  string  `json:"commune_code"`
	Cho40Share   float64 `json:"cho40_share"`
	Due          string  `json:"due"`
}

func toTargetJSON(t merchants.AdoptionTarget) targetJSON {
	return targetJSON{ProvinceCode: t.ProvinceCode, CommuneCode: t.CommuneCode, Cho40Share: t.Cho40Share, Due: t.Due.Format(time.DateOnly)}
}

// thresholdRequest is the body of PUT /provinces/{code}/threshold.
type thresholdRequest struct {
	Threshold *float64 `json:"cho40_threshold"`
}

// parseDue reads a due date, YYYY-MM-DD; "" is the zero time, which the
// domain reports as missing.
func parseDue(field, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	d, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return time.Time{}, validationError(FieldError{Field: field, Message: strconv.Quote(v) + " is not a date: use YYYY-MM-DD, e.g. 2026-12-31"})
	}
	return d, nil
}

// handleTargetPut creates or replaces a unit's target for a due date.
func (s *Server) handleTargetPut(c echo.Context) error {
	var in targetRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	due, err := parseDue("due", in.Due)
	if err != nil {
		return err
	}
	t, err := s.cfg.Merchants.SetTarget(c.Request().Context(), actorOf(c), merchants.AdoptionTarget{
		ProvinceCode: in.ProvinceCode, CommuneCode: in.CommuneCode, Cho40Share: in.Cho40Share, Due: due,
	})
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, toTargetJSON(t))
}

// handleTargetList lists the targets of a unit, or of the caller's area.
func (s *Server) handleTargetList(c echo.Context) error {
	ts, err := s.cfg.Merchants.Targets(c.Request().Context(), actorOf(c), c.QueryParam("province"), c.QueryParam("commune"))
	if err != nil {
		return err
	}
	out := struct {
		Items []targetJSON `json:"items"`
	}{Items: make([]targetJSON, len(ts))}
	for i, t := range ts {
		out.Items[i] = toTargetJSON(t)
	}
	return writeJSON(c, http.StatusOK, out)
}

// handleTargetDelete removes a unit's target for a due date.
func (s *Server) handleTargetDelete(c echo.Context) error {
	due, err := parseDue("due", c.QueryParam("due"))
	if err != nil {
		return err
	}
	err = s.cfg.Merchants.DeleteTarget(c.Request().Context(), actorOf(c), c.QueryParam("province"), c.QueryParam("commune"), due)
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// handleThresholdPut sets a province's chợ 4.0 threshold.
func (s *Server) handleThresholdPut(c echo.Context) error {
	var in thresholdRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.Threshold == nil {
		return validationError(FieldError{Field: "cho40_threshold", Message: "is required: a share of active stalls with QR above 0 and at most 1 (0.8 is 80%)"})
	}
	t, err := s.cfg.Merchants.SetThreshold(c.Request().Context(), actorOf(c), c.Param("code"), *in.Threshold)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, t)
}
