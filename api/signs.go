package api

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/sapqr/sapqr/merchants"
	"github.com/sapqr/sapqr/qr"
)

// QR image sizes in pixels for GET /vendors/{id}/qr.png?size=.
const (
	defaultQRPixels = 512
	minQRPixels     = 128
	maxQRPixels     = 2048
)

// vendorPayload loads the vendor and returns its sign payload. The payload
// carries the full account number, so roles that may not see account
// numbers get ErrForbidden for a vendor they can read; a vendor without an
// active bank account has no payload (409 no_qr).
func (s *Server) vendorPayload(ctx context.Context, a merchants.Actor, id int64) (merchants.Vendor, error) {
	v, err := s.cfg.Merchants.Vendor(ctx, a, id)
	if err != nil {
		return v, err
	}
	if !a.Can(merchants.PermSeeAccountNumbers) {
		return v, fmt.Errorf("vendor %d payload: role %s may not see account numbers: %w", id, a.Role, merchants.ErrForbidden)
	}
	if v.Payload == "" {
		return v, newError(http.StatusConflict, "no_qr", "the vendor has no active bank account, so there is no QR; add one with POST /api/v1/vendors/{id}/accounts")
	}
	return v, nil
}

// payloadAnswer is the body of GET /vendors/{id}/payload.
type payloadAnswer struct {
	VendorID    int64      `json:"vendor_id"`
	SignVersion int        `json:"sign_version"`
	Payload     string     `json:"payload"`
	Decoded     qr.Decoded `json:"decoded"`
}

// handleVendorPayload returns the vendor's sign payload with its decode,
// the same JSON as `sapqr qr decode`.
func (s *Server) handleVendorPayload(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	v, err := s.vendorPayload(c.Request().Context(), actorOf(c), id)
	if err != nil {
		return err
	}
	d, err := qr.Decode(v.Payload)
	if err != nil {
		return fmt.Errorf("vendor %d: stored payload does not decode: %w", id, err)
	}
	return writeJSON(c, http.StatusOK, payloadAnswer{VendorID: v.ID, SignVersion: v.SignVersion, Payload: v.Payload, Decoded: d})
}

// handleVendorQRPNG draws the vendor's QR as a PNG, ?size= pixels square.
func (s *Server) handleVendorQRPNG(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	size := defaultQRPixels
	if v := c.QueryParam("size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < minQRPixels || n > maxQRPixels {
			return validationError(FieldError{Field: "size", Message: fmt.Sprintf("must be an integer from %d to %d (pixels)", minQRPixels, maxQRPixels)})
		}
		size = n
	}
	v, err := s.vendorPayload(c.Request().Context(), actorOf(c), id)
	if err != nil {
		return err
	}
	m, err := qr.NewMatrix(v.Payload, qr.ECMedium)
	if err != nil {
		return fmt.Errorf("vendor %d: QR matrix: %w", id, err)
	}
	var buf bytes.Buffer
	if err := m.WritePNG(&buf, size); err != nil {
		return fmt.Errorf("vendor %d: PNG: %w", id, err)
	}
	return c.Blob(http.StatusOK, "image/png", buf.Bytes())
}

// handleVendorQRSVG draws the vendor's QR as SVG.
func (s *Server) handleVendorQRSVG(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	v, err := s.vendorPayload(c.Request().Context(), actorOf(c), id)
	if err != nil {
		return err
	}
	m, err := qr.NewMatrix(v.Payload, qr.ECMedium)
	if err != nil {
		return fmt.Errorf("vendor %d: QR matrix: %w", id, err)
	}
	var buf bytes.Buffer
	if err := m.WriteSVG(&buf); err != nil {
		return fmt.Errorf("vendor %d: SVG: %w", id, err)
	}
	return c.Blob(http.StatusOK, "image/svg+xml", buf.Bytes())
}
