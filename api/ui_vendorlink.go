package api

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/sapqr/sapqr/merchants"
)

// uiLinkAnswer is the answer to creating a vendor's private link: the
// URL (shown once) and a QR code of it for the vendor to scan.
type uiLinkAnswer struct {
	ID    int64  `json:"id"`
	URL   string `json:"url"`
	QRSVG string `json:"qr_svg"`
}

// handleUIVendorLinkCreate creates a vendor's private link and answers
// with its URL and QR; the token is not stored and never shown again.
func (s *Server) handleUIVendorLinkCreate(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	link, token, err := s.cfg.Merchants.CreateVendorLink(c.Request().Context(), actorOf(c), id, nil)
	if err != nil {
		return err
	}
	u := linkURL(c, token)
	svg, err := qrSVG(u)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusCreated, uiLinkAnswer{ID: link.ID, URL: u, QRSVG: string(svg)})
}

// uiLinkData is the vendor's own page.
type uiLinkData struct {
	uiSign
	Base       string          // the link's path, for the sign downloads
	StallCodes string          // every stall held, main first
	Stalls     []uiVendorStall // a sign to download for each
	Feed       string          // the vendor's feed of money in; "" when transfers are not received
}

// validLinkToken accepts only the shape tokens have (43 base64url
// characters), so junk never reaches the database.
func validLinkToken(t string) bool {
	if len(t) != 43 {
		return false
	}
	for i := 0; i < len(t); i++ {
		b := t[i]
		if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '-' || b == '_') {
			return false
		}
	}
	return true
}

// vendorByLink resolves a link token. Wrong, revoked and malformed tokens
// all give merchants.ErrNotFound, so the answers cannot tell them apart.
func (s *Server) vendorByLink(c echo.Context) (merchants.Vendor, error) {
	token := c.Param("token")
	if !validLinkToken(token) {
		return merchants.Vendor{}, merchants.ErrNotFound
	}
	return s.cfg.Merchants.VendorByLink(c.Request().Context(), token)
}

// handleUIVendorLinkPage is the vendor's own page, opened without login
// from the private link: their sign, QR and masked bank details, and the
// sign downloads. A wrong or revoked token gets the same plain "link no
// longer valid" page with 404.
func (s *Server) handleUIVendorLinkPage(p *uiPages) echo.HandlerFunc {
	return func(c echo.Context) error {
		v, err := s.vendorByLink(c)
		if errors.Is(err, merchants.ErrNotFound) {
			return p.render(c, http.StatusNotFound, "link_invalid", "title.link_invalid", nil)
		}
		if err != nil {
			return err
		}
		m, err := s.cfg.Merchants.MarketByLink(c.Request().Context(), c.Param("token"))
		if err != nil {
			return err
		}
		sign, err := signOf(m, v)
		if err != nil {
			return err
		}
		d := uiLinkData{uiSign: sign, Base: "/v/" + c.Param("token"), StallCodes: strings.Join(v.StallCodes(), ", "), Stalls: uiVendorStalls(v)}
		if s.cfg.Transfers != nil {
			d.Feed = d.Base + "/transfers"
		}
		return p.render(c, http.StatusOK, "link", "title.link", d, "money.js", "card.js")
	}
}

// handleUIVendorLinkSign downloads the vendor's sign (?size=a6|a5|a4) for
// one of its stalls (?stall_id=, the main stall when absent) from the
// private link, without login. The link's vendor has its account
// numbers masked; the full number the sign prints is the one its public
// QR payload carries anyway. Downloads here are not recorded as prints:
// only a team member can say a sign went up on the stall.
func (s *Server) handleUIVendorLinkSign(p *uiPages) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := s.vendorLinkSign(c)
		if errors.Is(err, merchants.ErrNotFound) {
			return p.render(c, http.StatusNotFound, "link_invalid", "title.link_invalid", nil)
		}
		return err
	}
}

// vendorLinkSign answers the sign of the vendor the link in the path
// opens.
func (s *Server) vendorLinkSign(c echo.Context) error {
	size, stallID, err := signParams(c)
	if err != nil {
		return err
	}
	sign, err := s.cfg.Merchants.LinkSign(c.Request().Context(), c.Param("token"), stallID)
	if err != nil {
		return err
	}
	pdf, err := s.renderSign(sign, size)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	h.Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="sapqr-sign-%s-%s.pdf"`, safeFileName(sign.Stall), size))
	return c.Blob(http.StatusOK, "application/pdf", pdf)
}
