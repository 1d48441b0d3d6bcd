package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/sapqr/sapqr/merchants"
)

// linkCreateRequest is POST /vendors/{id}/links.
type linkCreateRequest struct {
	// ExpiresAt ends the link (RFC 3339); absent for a link that lasts
	// until revoked.
	ExpiresAt *time.Time `json:"expires_at"`
}

// linkJSON is a vendor's private link: never its token, which is not
// stored; URL only in the answer that creates it.
type linkJSON struct {
	ID        int64      `json:"id"`
	VendorID  int64      `json:"vendor_id"`
	URL       string     `json:"url,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at"`
	RevokedAt *time.Time `json:"revoked_at"`
	Active    bool       `json:"active"`
}

func (s *Server) toLinkJSON(l merchants.VendorLink) linkJSON {
	return linkJSON{ID: l.ID, VendorID: l.VendorID, CreatedAt: l.CreatedAt, ExpiresAt: l.ExpiresAt, RevokedAt: l.RevokedAt, Active: l.Open(s.now())}
}

// linkURL is the address a link token opens.
func linkURL(c echo.Context, token string) string {
	return c.Scheme() + "://" + c.Request().Host + "/v/" + token
}

// handleVendorLinkCreate creates a vendor's private link: 201 with its URL,
// shown this once.
func (s *Server) handleVendorLinkCreate(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in linkCreateRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	link, token, err := s.cfg.Merchants.CreateVendorLink(c.Request().Context(), actorOf(c), id, in.ExpiresAt)
	if err != nil {
		return err
	}
	out := s.toLinkJSON(link)
	out.URL = linkURL(c, token)
	return writeJSON(c, http.StatusCreated, out)
}

// handleVendorLinkList lists a vendor's links, revoked and expired ones
// too, oldest first.
func (s *Server) handleVendorLinkList(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	links, err := s.cfg.Merchants.VendorLinks(c.Request().Context(), actorOf(c), id)
	if err != nil {
		return err
	}
	out := struct {
		Items []linkJSON `json:"items"`
	}{Items: make([]linkJSON, len(links))}
	for i, l := range links {
		out.Items[i] = s.toLinkJSON(l)
	}
	return writeJSON(c, http.StatusOK, out)
}

// handleVendorLinkRevoke revokes a link; revoking it again changes
// nothing.
func (s *Server) handleVendorLinkRevoke(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.cfg.Merchants.RevokeVendorLink(c.Request().Context(), actorOf(c), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
