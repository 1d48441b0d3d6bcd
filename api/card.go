package api

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/sapqr/sapqr/merchants"
)

// The QR that travels: a vendor's sign as a PNG card to send in
// a chat or post, drawn from the same merchants.StallSign as the printed
// sign, so the card shows exactly what the sign does and is refused
// exactly when the sign is (no QR, unverified account, unprintable name).

// renderCard draws sign as a PNG share card.
func (s *Server) renderCard(sign merchants.StallSign) ([]byte, error) {
	var buf bytes.Buffer
	if err := s.cfg.Signs.RenderCard(&buf, printSign(sign)); err != nil {
		return nil, printablesError(err)
	}
	return buf.Bytes(), nil
}

// writeCard answers a card PNG, named for its stall.
func writeCard(c echo.Context, sign merchants.StallSign, png []byte) error {
	c.Response().Header().Set(echo.HeaderContentDisposition, fmt.Sprintf(`inline; filename="sapqr-qr-%s.png"`, safeFileName(sign.Stall)))
	return c.Blob(http.StatusOK, "image/png", png)
}

// handleVendorCardPNG answers the vendor's share card at its main stall,
// for those who may see its QR; 409 like the sign when there is none to
// show.
func (s *Server) handleVendorCardPNG(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	sign, err := s.cfg.Merchants.VendorSign(c.Request().Context(), actorOf(c), id, 0)
	if err != nil {
		return err
	}
	png, err := s.renderCard(sign)
	if err != nil {
		return err
	}
	return writeCard(c, sign, png)
}

// handleUIVendorLinkCard answers the share card from the vendor's private
// link, without login; a link that opens nothing shows the invalid-link
// page, as its sign does.
func (s *Server) handleUIVendorLinkCard(p *uiPages) echo.HandlerFunc {
	return func(c echo.Context) error {
		sign, err := s.cfg.Merchants.LinkSign(c.Request().Context(), c.Param("token"), 0)
		if errors.Is(err, merchants.ErrNotFound) {
			return p.render(c, http.StatusNotFound, "link_invalid", "title.link_invalid", nil)
		}
		if err != nil {
			return err
		}
		png, err := s.renderCard(sign)
		if err != nil {
			return err
		}
		c.Response().Header().Set("Cache-Control", "no-store")
		return writeCard(c, sign, png)
	}
}
