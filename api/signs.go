package api

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/sapqr/sapqr/merchants"
	"github.com/sapqr/sapqr/printables"
	"github.com/sapqr/sapqr/qr"
)

// QR image sizes in pixels for GET /vendors/{id}/qr.png?size=.
const (
	defaultQRPixels = 512
	minQRPixels     = 128
	maxQRPixels     = 2048
)

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
	v, err := s.cfg.Merchants.VendorPayload(c.Request().Context(), actorOf(c), id)
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
	return s.vendorQR(c, id, "image/png", func(m *qr.Matrix, w io.Writer) error { return m.WritePNG(w, size) })
}

// handleVendorQRSVG draws the vendor's QR as SVG.
func (s *Server) handleVendorQRSVG(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	return s.vendorQR(c, id, "image/svg+xml", (*qr.Matrix).WriteSVG)
}

// vendorQR answers with vendor id's QR drawn by draw, as contentType. The
// image is drawn whole before anything is sent, so a failure is a clean
// problem answer.
func (s *Server) vendorQR(c echo.Context, id int64, contentType string, draw func(*qr.Matrix, io.Writer) error) error {
	v, err := s.cfg.Merchants.VendorPayload(c.Request().Context(), actorOf(c), id)
	if err != nil {
		return err
	}
	m, err := qr.NewMatrix(v.Payload, qr.ECMedium)
	if err != nil {
		return fmt.Errorf("vendor %d: QR matrix: %w", id, err)
	}
	var buf bytes.Buffer
	if err := draw(m, &buf); err != nil {
		return fmt.Errorf("vendor %d: %s: %w", id, contentType, err)
	}
	return c.Blob(http.StatusOK, contentType, buf.Bytes())
}

// printSign is the printables sign of a stall sign.
func printSign(s merchants.StallSign) printables.Sign {
	return printables.Sign{
		Market: s.Market, Stall: s.Stall, Vendor: s.Vendor,
		BIN: s.BIN, Account: s.Account, Holder: s.Holder,
		Version: s.Version, Printed: s.Printed,
	}
}

// printablesError maps the printables package's input errors to a 422
// naming the field; anything else is the server's fault.
func printablesError(err error) error {
	var fe *printables.FieldError
	if errors.As(err, &fe) {
		return validationError(FieldError{Field: strings.ToLower(fe.Field), Message: fe.Message})
	}
	return err
}

// signParams reads ?size=a6|a5|a4 and ?stall_id= (0 when absent, for the
// vendor's main stall).
func signParams(c echo.Context) (printables.Size, int64, error) {
	var fields []FieldError
	size := printables.SizeA6
	var err error
	if v := c.QueryParam("size"); v != "" {
		if size, err = printables.ParseSize(v); err != nil {
			fields = append(fields, FieldError{Field: "size", Message: "must be a6, a5 or a4"})
		}
	}
	var stallID int64
	if q := c.QueryParam("stall_id"); q != "" {
		if stallID, err = strconv.ParseInt(q, 10, 64); err != nil || stallID <= 0 {
			fields = append(fields, FieldError{Field: "stall_id", Message: "must be the ID of a stall the vendor holds (a positive integer)"})
		}
	}
	if fields != nil {
		return size, 0, validationError(fields...)
	}
	return size, stallID, nil
}

// renderSign draws one sign as a PDF, whole before anything is sent, so a
// failure is a clean problem answer.
func (s *Server) renderSign(sign merchants.StallSign, size printables.Size) ([]byte, error) {
	var buf bytes.Buffer
	if err := s.cfg.Signs.RenderSign(&buf, printSign(sign), printables.Options{Size: size}); err != nil {
		return nil, printablesError(err)
	}
	return buf.Bytes(), nil
}

// handleStallSignPDF renders the vendor's sign (?size=a6|a5|a4) for the
// stall ?stall_id= it holds, or its main stall. It records nothing: the
// page records the print with POST /vendors/{id}/prints.
func (s *Server) handleStallSignPDF(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	size, stallID, err := signParams(c)
	if err != nil {
		return err
	}
	sign, err := s.cfg.Merchants.VendorSign(c.Request().Context(), actorOf(c), id, stallID)
	if err != nil {
		return err
	}
	pdf, err := s.renderSign(sign, size)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="sapqr-sign-%d-%s-v%d-%s.pdf"`, sign.VendorID, safeFileName(sign.Stall), sign.Version, size))
	return c.Blob(http.StatusOK, "application/pdf", pdf)
}

// headerUnverifiedVendors lists, comma-separated, the vendors left out of a
// market's batch because their account's payee was never checked.
const headerUnverifiedVendors = "Sapqr-Unverified-Vendors"

// joinIDs writes ids comma-separated.
func joinIDs(ids []int64) string {
	var b strings.Builder
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(id, 10))
	}
	return b.String()
}

// handleMarketSignsPDF streams the signs of every active vendor with a
// verified QR (the others are listed in the Sapqr-Unverified-Vendors header)
// in a market, one per stall it holds, main stall first (?sheet=a4-4up by
// default, or none|a4-2up; ?size= for sheet=none): one PDF, or a ZIP of
// PDFs for a very large market. At most printables.MaxBatch signs; memory
// stays bounded whatever the market's size. Vendors whose sign cannot be
// printed are left out and named in the Sapqr-Left-Out header. It records
// nothing: the page records the batch with POST /markets/{id}/prints.
func (s *Server) handleMarketSignsPDF(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	opt, err := sheetParams(c)
	if err != nil {
		return err
	}
	b, err := s.cfg.Merchants.MarketSigns(c.Request().Context(), actorOf(c), id, printables.MaxBatch, onlyParam(c.QueryParam("only")))
	if err != nil {
		return err
	}
	setLeftOut(c.Response().Header(), b)
	return s.writeSigns(c, fmt.Sprintf("sapqr-signs-market-%d", id), opt, b.Signs)
}

// onlyParam reads ?only=new|outdated (or "only" in a body) as the sign
// state merchants selects by; anything else goes through as it is, for
// merchants to refuse by name.
func onlyParam(v string) merchants.SignState {
	if v == "new" {
		return merchants.SignNone
	}
	return merchants.SignState(v)
}

// headerLeftOut lists, on a market's batch, the IDs of the vendors whose
// sign could not be printed (POST /markets/{id}/prints says why).
const headerLeftOut = "Sapqr-Left-Out"

// setLeftOut names in h the vendors a market's batch left out.
func setLeftOut(h http.Header, b merchants.MarketBatch) {
	if len(b.Unverified) > 0 {
		// Left out of the batch until their payee is checked.
		h.Set(headerUnverifiedVendors, joinIDs(b.Unverified))
	}
	if len(b.Unprintable) > 0 {
		ids := make([]int64, len(b.Unprintable))
		for i, o := range b.Unprintable {
			ids[i] = o.VendorID
		}
		h.Set(headerLeftOut, joinIDs(ids))
	}
}

// sheetParams reads ?sheet=none|a4-2up|a4-4up (a4-4up when absent) and
// ?size=a6|a5|a4.
func sheetParams(c echo.Context) (printables.Options, error) {
	opt := printables.Options{Sheet: printables.SheetA4x4}
	var fields []FieldError
	var err error
	if v := c.QueryParam("sheet"); v != "" {
		if opt.Sheet, err = printables.ParseSheet(v); err != nil {
			fields = append(fields, FieldError{Field: "sheet", Message: "must be none, a4-2up or a4-4up"})
		}
	}
	if v := c.QueryParam("size"); v != "" {
		if opt.Size, err = printables.ParseSize(v); err != nil {
			fields = append(fields, FieldError{Field: "size", Message: "must be a6, a5 or a4"})
		}
	}
	if fields != nil {
		return opt, validationError(fields...)
	}
	return opt, nil
}

// writeSigns streams signs as one document (or a ZIP of them) named name
// plus the format's extension.
func (s *Server) writeSigns(c echo.Context, name string, opt printables.Options, signs []merchants.StallSign) error {
	b, err := s.cfg.Signs.NewBatch(c.Response(), printables.BatchOptions{
		Options: opt,
		Begin: func(f printables.Format) {
			h := c.Response().Header()
			h.Set(echo.HeaderContentType, f.ContentType())
			h.Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s%s"`, name, f.Ext()))
			c.Response().WriteHeader(http.StatusOK)
		},
	})
	if err != nil {
		return printablesError(err)
	}
	for _, sign := range signs {
		if err := b.Add(printSign(sign)); err != nil {
			_ = b.Close()
			return printablesError(err)
		}
	}
	return printablesError(b.Close())
}

// safeFileName keeps the letters, digits and dashes of s for a download's
// file name.
func safeFileName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return -1
	}, s)
}
