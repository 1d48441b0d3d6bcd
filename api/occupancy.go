package api

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// occupancyJSON is which of a market's open stalls are free: what the
// sign-up page needs to offer a stall, and nothing of the vendors holding
// the others.
type occupancyJSON struct {
	MarketID int64           `json:"market_id"`
	Items    []stallFreeJSON `json:"items"`
}

type stallFreeJSON struct {
	StallID int64  `json:"stall_id"`
	Code    string `json:"code"`
	Free    bool   `json:"free"`
}

// handleMarketOccupancy lists a market's open stalls in reading order,
// each free or taken; 404 outside the caller's area.
func (s *Server) handleMarketOccupancy(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	m, stalls, err := s.cfg.Merchants.MarketStalls(c.Request().Context(), actorOf(c), id)
	if err != nil {
		return err
	}
	out := occupancyJSON{MarketID: m.ID, Items: make([]stallFreeJSON, len(stalls))}
	for i, st := range stalls {
		out.Items[i] = stallFreeJSON{StallID: st.StallID, Code: st.Code, Free: st.Free}
	}
	return writeJSON(c, http.StatusOK, out)
}
