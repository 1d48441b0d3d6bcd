package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

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
	v, err := s.vendorPayload(c.Request().Context(), actorOf(c), id)
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

// signReason says why the current sign is printed now at the vendor's
// stalls with stallIDs (its main stall for none): new when one of them
// never had a sign, bank_changed when one has an older one, else reprint.
func signReason(v merchants.Vendor, stallIDs ...int64) merchants.SignReason {
	if len(stallIDs) == 0 {
		stallIDs = []int64{v.StallID}
	}
	printed := v.SignPrintedVersion
	for _, h := range v.Stalls {
		if slices.Contains(stallIDs, h.StallID) {
			printed = min(printed, h.SignPrintedVersion)
		}
	}
	switch {
	case printed == 0:
		return merchants.SignNew
	case printed < v.SignVersion:
		return merchants.SignBankChanged
	}
	return merchants.SignReprint
}

// stallSign fills a printables.Sign from a vendor and its market for the
// stall with stallID the vendor holds, or its main stall for 0. It reports
// false when the vendor has no QR or does not hold the stall.
func stallSign(m merchants.Market, v merchants.Vendor, stallID int64, printed time.Time) (printables.Sign, bool) {
	acc, ok := v.PrimaryAccount()
	if !ok || v.Payload == "" {
		return printables.Sign{}, false
	}
	code := v.StallCode
	if stallID != 0 && stallID != v.StallID {
		i := slices.IndexFunc(v.Stalls, func(h merchants.VendorStall) bool { return h.StallID == stallID })
		if i < 0 {
			return printables.Sign{}, false
		}
		code = v.Stalls[i].StallCode
	}
	return printables.Sign{
		Market: m.Name, Stall: code, Vendor: v.FullName,
		BIN: acc.BIN, Account: acc.AccountNumber, Holder: acc.HolderName,
		Version: v.SignVersion, Printed: printed,
	}, true
}

// stallSigns returns a sign for each stall the vendor holds, main first:
// the same QR hangs at each of them. It returns none when the vendor has
// no QR.
func stallSigns(m merchants.Market, v merchants.Vendor, printed time.Time) []printables.Sign {
	var out []printables.Sign
	for _, h := range v.Stalls {
		if sign, ok := stallSign(m, v, h.StallID, printed); ok {
			out = append(out, sign)
		}
	}
	return out
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

// handleStallSignPDF renders the vendor's sign (?size=a6|a5|a4) for the
// stall ?stall_id= it holds, or its main stall, and records the print for
// that stall, so signs_printed and outdated-sign checks stay true. The PDF
// is built before anything is sent, so a failure is a clean problem
// answer.
func (s *Server) handleStallSignPDF(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var fields []FieldError
	size := printables.SizeA6
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
		return validationError(fields...)
	}
	ctx := c.Request().Context()
	a := actorOf(c)
	v, err := s.vendorPayload(ctx, a, id)
	if err != nil {
		return err
	}
	if v.Payload == "" {
		return newError(http.StatusConflict, "no_qr", "the vendor has no active bank account, so there is no sign")
	}
	if stallID == 0 {
		stallID = v.StallID
	}
	if !slices.ContainsFunc(v.Stalls, func(h merchants.VendorStall) bool { return h.StallID == stallID }) {
		return validationError(FieldError{Field: "stall_id", Message: fmt.Sprintf(
			"the vendor does not hold stall %d; it holds %s", stallID, heldStalls(v))})
	}
	m, err := s.cfg.Merchants.Market(ctx, a, v.MarketID)
	if err != nil {
		return err
	}
	sign, ok := stallSign(m, v, stallID, s.now())
	if !ok {
		return newError(http.StatusConflict, "no_qr", "the vendor has no active bank account, so there is no sign")
	}
	var buf bytes.Buffer
	if err := s.cfg.Signs.RenderSign(&buf, sign, printables.Options{Size: size}); err != nil {
		return printablesError(err)
	}
	if _, err := s.cfg.Merchants.RecordSignPrint(ctx, a, id, signReason(v, stallID), stallID); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="sapqr-sign-%d-%s-v%d-%s.pdf"`, v.ID, safeFileName(sign.Stall), v.SignVersion, size))
	return c.Blob(http.StatusOK, "application/pdf", buf.Bytes())
}

// heldStalls lists the stalls a vendor holds for people: "A-1 (id 4), A-2
// (id 9)", or "none".
func heldStalls(v merchants.Vendor) string {
	if len(v.Stalls) == 0 {
		return "none"
	}
	out := make([]string, len(v.Stalls))
	for i, h := range v.Stalls {
		out[i] = fmt.Sprintf("%s (id %d)", h.StallCode, h.StallID)
	}
	return strings.Join(out, ", ")
}

// handleMarketSignsPDF streams the signs of every active vendor with a QR
// in a market, one per stall it holds, main stall first (?sheet=a4-4up by
// default, or none|a4-2up; ?size= for sheet=none): one PDF, or a ZIP of
// PDFs for a very large market. At most printables.MaxBatch signs; memory
// stays bounded whatever the market's size. Prints are recorded, each
// vendor's once for all its stalls, after the whole document has been
// written.
func (s *Server) handleMarketSignsPDF(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	opt := printables.Options{Sheet: printables.SheetA4x4}
	var fields []FieldError
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
		return validationError(fields...)
	}
	ctx := c.Request().Context()
	a := actorOf(c)
	m, err := s.cfg.Merchants.Market(ctx, a, id)
	if err != nil {
		return err
	}
	if err := merchants.Authorize(a, merchants.PermRegister, m.Unit()); err != nil {
		return err
	}
	if !a.Can(merchants.PermSeeAccountNumbers) {
		return fmt.Errorf("market %d signs: %w", id, merchants.ErrForbidden)
	}
	now := s.now()
	// The signs are the batch's unit: a vendor with three stalls is three.
	var vendors []merchants.Vendor
	var signs [][]printables.Sign // signs[i] are vendors[i]'s
	total := 0
	cursor := ""
	for {
		page, err := s.cfg.Merchants.ListVendors(ctx, a, merchants.VendorFilter{MarketID: id, Cursor: cursor, Limit: s.cfg.Merchants.MaxPageSize()})
		if err != nil {
			return err
		}
		for _, v := range page.Vendors {
			if vs := stallSigns(m, v, now); len(vs) > 0 {
				vendors, signs, total = append(vendors, v), append(signs, vs), total+len(vs)
			}
		}
		if page.NextCursor == "" || total > printables.MaxBatch {
			break
		}
		cursor = page.NextCursor
	}
	if total == 0 {
		return newError(http.StatusConflict, "no_qr", "the market has no active vendor with a bank account, so there is no sign to print")
	}
	if total > printables.MaxBatch {
		return validationError(FieldError{Field: "id", Message: fmt.Sprintf(
			"the market's vendors with a QR hold more than %d stalls, one sign each; print them in parts from the vendor pages", printables.MaxBatch)})
	}
	b, err := s.cfg.Signs.NewBatch(c.Response(), printables.BatchOptions{
		Options: opt,
		Begin: func(f printables.Format) {
			h := c.Response().Header()
			h.Set(echo.HeaderContentType, f.ContentType())
			h.Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="sapqr-signs-market-%d%s"`, id, f.Ext()))
			c.Response().WriteHeader(http.StatusOK)
		},
	})
	if err != nil {
		return printablesError(err)
	}
	for _, vs := range signs {
		for _, sign := range vs {
			if err := b.Add(sign); err != nil {
				_ = b.Close()
				return printablesError(err)
			}
		}
	}
	if err := b.Close(); err != nil {
		return printablesError(err)
	}
	for _, v := range vendors {
		held := make([]int64, len(v.Stalls))
		for i, h := range v.Stalls {
			held[i] = h.StallID
		}
		if _, err := s.cfg.Merchants.RecordSignPrint(ctx, a, v.ID, signReason(v, held...), held...); err != nil {
			s.log.WarnContext(ctx, "market signs: print not recorded", "request_id", requestIDOf(c), "vendor_id", v.ID, logError(err))
		}
	}
	return nil
}
