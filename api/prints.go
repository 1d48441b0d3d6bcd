package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/sapqr/sapqr/printables"
)

// Recording a print is a POST the page makes when the user prints or
// downloads a sign: GETs of PDFs change nothing, so a link on another site
// cannot move the printed counts or clear an outdated-sign warning.

// vendorPrintRequest is POST /vendors/{id}/prints.
type vendorPrintRequest struct {
	StallID int64  `json:"stall_id"` // 0 or absent for the vendor's main stall
	Size    string `json:"size"`     // the size printed, a6 when absent
}

// printJSON is one recorded print of a vendor's sign at a stall.
type printJSON struct {
	ID          int64     `json:"id"`
	VendorID    int64     `json:"vendor_id"`
	StallID     int64     `json:"stall_id"`
	SignVersion int       `json:"sign_version"`
	Reason      string    `json:"reason"`
	Size        string    `json:"size"`
	PrintedAt   time.Time `json:"printed_at"`
}

// handleVendorPrintCreate records that the vendor's current sign was
// printed for one stall it holds: 201 with the record.
func (s *Server) handleVendorPrintCreate(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in vendorPrintRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	size, fields := printables.SizeA6, []FieldError(nil)
	if in.Size != "" {
		if size, err = printables.ParseSize(in.Size); err != nil {
			fields = append(fields, FieldError{Field: "size", Message: "must be a6, a5 or a4"})
		}
	}
	if in.StallID < 0 {
		fields = append(fields, FieldError{Field: "stall_id", Message: "must be the ID of a stall the vendor holds (a positive integer), or absent for its main stall"})
	}
	if fields != nil {
		return validationError(fields...)
	}
	recs, err := s.cfg.Merchants.RecordSignPrint(c.Request().Context(), actorOf(c), id, "", stallIDs(in.StallID)...)
	if err != nil {
		return err
	}
	r := recs[0]
	return writeJSON(c, http.StatusCreated, printJSON{ID: r.ID, VendorID: r.VendorID, StallID: r.StallID,
		SignVersion: r.Version, Reason: string(r.Reason), Size: size.String(), PrintedAt: r.At.UTC()})
}

// stallIDs is the stalls a print names: none (the main stall) for 0.
func stallIDs(id int64) []int64 {
	if id == 0 {
		return nil
	}
	return []int64{id}
}

// marketPrintRequest is POST /markets/{id}/prints.
type marketPrintRequest struct {
	Sheet string `json:"sheet"` // as GET signs.pdf's ?sheet=, a4-4up when absent
	Only  string `json:"only"`  // as GET signs.pdf's ?only=: new or outdated; every stall when absent
}

// marketPrintJSON answers a market's recorded batch.
type marketPrintJSON struct {
	MarketID int64  `json:"market_id"`
	Sheet    string `json:"sheet"`
	Signs    int    `json:"signs"`
	Vendors  int    `json:"vendors"`
	// UnverifiedVendorIDs are the vendors left out of the batch because
	// their account's payee was never checked.
	UnverifiedVendorIDs []int64 `json:"unverified_vendor_ids"`
	// LeftOut are the vendors left out because a name on their sign
	// cannot be printed, and why.
	LeftOut []leftOutJSON `json:"left_out"`
}

// leftOutJSON is a vendor a market's batch left out, and why.
type leftOutJSON struct {
	VendorID int64  `json:"vendor_id"`
	Reason   string `json:"reason"`
}

// handleMarketPrintCreate records that the market's batch of signs (as GET
// signs.pdf prints it) was printed: 201 with how many signs and vendors. A
// vendor removed meanwhile is left out and logged.
func (s *Server) handleMarketPrintCreate(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in marketPrintRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	sheet := printables.SheetA4x4
	if in.Sheet != "" {
		if sheet, err = printables.ParseSheet(in.Sheet); err != nil {
			return validationError(FieldError{Field: "sheet", Message: "must be none, a4-2up or a4-4up"})
		}
	}
	ctx := c.Request().Context()
	b, n, err := s.cfg.Merchants.RecordMarketPrint(ctx, actorOf(c), id, printables.MaxBatch, onlyParam(in.Only))
	if len(b.Signs) == 0 {
		return err
	}
	if err != nil {
		s.log.WarnContext(ctx, "market prints: not all recorded", "request_id", requestIDOf(c), "market_id", id, logError(err))
	}
	out := marketPrintJSON{MarketID: id, Sheet: sheet.String(), Signs: len(b.Signs), Vendors: n,
		UnverifiedVendorIDs: append([]int64{}, b.Unverified...), LeftOut: []leftOutJSON{}}
	for _, o := range b.Unprintable {
		out.LeftOut = append(out.LeftOut, leftOutJSON{VendorID: o.VendorID, Reason: o.Reason})
	}
	return writeJSON(c, http.StatusCreated, out)
}
