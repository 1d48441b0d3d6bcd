package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/sapqr/sapqr/merchants"
)

// unitJSON is a province or commune-level unit.
type unitJSON struct {
	Code         string `json:"code"`
	Name         string `json:"name"`
	FullName     string `json:"full_name"`
	Type         string `json:"type"`
	ProvinceCode string `json:"province_code,omitempty"`
}

// handleProvinces lists every province in force (34, so not paged).
func (s *Server) handleProvinces(c echo.Context) error {
	ps := s.cfg.Units.Provinces()
	return writeJSON(c, http.StatusOK, newList(ps, "", func(p merchants.Province) unitJSON {
		return unitJSON{Code: p.Code, Name: p.Name, FullName: p.FullName(), Type: string(p.Type)}
	}))
}

// handleCommunes lists the commune-level units of a province (at most a
// few hundred, so not paged); 404 for an unknown province code.
func (s *Server) handleCommunes(c echo.Context) error {
	cs, err := s.cfg.Units.Communes(c.Param("code"))
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, newList(cs, "", func(cm merchants.Commune) unitJSON {
		return unitJSON{Code: cm.Code, Name: cm.Name, FullName: cm.FullName(), Type: string(cm.Type), ProvinceCode: cm.ProvinceCode}
	}))
}
