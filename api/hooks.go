package api

import (
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/sapqr/sapqr/merchants"
)

// hookSourceRequest is the body of POST /api/v1/hook-sources.
type hookSourceRequest struct {
	Provider     string `json:"provider"`
	Auth         string `json:"auth"`
	Secret       string `json:"secret"`
	VendorID     int64  `json:"vendor_id"`
	CommuneCode  string `json:"commune_code"`
	ProvinceCode string `json:"province_code"`
}

// handleHookSourceCreate creates a hook source: 201 with the source and
// its url_path, never its secret.
func (s *Server) handleHookSourceCreate(c echo.Context) error {
	var in hookSourceRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	h, err := s.cfg.Transfers.CreateHookSource(c.Request().Context(), actorOf(c), merchants.CreateHookSourceInput(in))
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/hook-sources/"+strconv.FormatInt(h.ID, 10))
	return writeJSON(c, http.StatusCreated, h)
}

// handleHookSourceList lists the sources the user may manage.
func (s *Server) handleHookSourceList(c echo.Context) error {
	hs, err := s.cfg.Transfers.HookSources(c.Request().Context(), actorOf(c))
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, map[string]any{"items": hs})
}

// handleHookSourceDelete deletes a source: 204.
func (s *Server) handleHookSourceDelete(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.cfg.Transfers.DeleteHookSource(c.Request().Context(), actorOf(c), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// hookSuccess is the answer every provider takes as delivered.
var hookSuccess = map[string]bool{"success": true}

// handleHookDelivery receives one provider delivery, without a session:
// the source's own authentication is checked by merchants. 200
// {"success": true} for every authenticated delivery (counted or not, a
// duplicate too), 401 for a bad key, signature or time, or an unknown
// source, 400 for a body not in the provider's format, 503 when the
// database is down so that the provider retries.
func (s *Server) handleHookDelivery(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("source_id"), 10, 64)
	if err != nil || id <= 0 {
		return fmt.Errorf("hook source %q: %w", c.Param("source_id"), merchants.ErrUnauthenticated)
	}
	if mt, _, err := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType)); err != nil || mt != echo.MIMEApplicationJSON {
		return fmt.Errorf("Content-Type must be application/json: %w", merchants.ErrMalformedDelivery)
	}
	body, err := io.ReadAll(io.LimitReader(c.Request().Body, merchants.MaxDeliveryBytes+1))
	if err != nil {
		return newError(http.StatusBadRequest, codeBadRequest, "the request body could not be read")
	}
	req := c.Request()
	if _, err := s.cfg.Transfers.ReceiveDelivery(req.Context(), c.Param("provider"), id, req.Header.Get, body); err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, hookSuccess)
}

// handleTransfersUnmatched lists the transfers that matched no vendor of
// their source's scope, without amounts or memos.
func (s *Server) handleTransfersUnmatched(c echo.Context) error {
	items, err := s.cfg.Transfers.UnmatchedTransfers(c.Request().Context(), actorOf(c))
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, map[string]any{"items": items})
}

// handleVendorLinkTransfers is the vendor's own feed of money in, newest
// first, those after the transfer ID ?after= only: the page polls it.
func (s *Server) handleVendorLinkTransfers(c echo.Context) error {
	var after int64
	if v := c.QueryParam("after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 || len(v) > 19 {
			return validationError(FieldError{Field: "after", Message: fmt.Sprintf("%.20q is not a transfer ID; give a whole number ≥ 0 or leave it out", v)})
		}
		after = n
	}
	items, err := s.cfg.Transfers.VendorTransfersByLink(c.Request().Context(), c.Param("token"), after)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return writeJSON(c, http.StatusOK, map[string]any{"items": items})
}
