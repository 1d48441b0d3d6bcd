package api

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/sapqr/sapqr/merchants/tabular"
)

// pathImportVendors is the upload route; its bodies get MaxUploadBytes.
const pathImportVendors = "/api/v1/imports/vendors"

// isUpload reports whether the matched route takes a file upload.
func isUpload(c echo.Context) bool { return c.Path() == pathImportVendors }

// handleVendorImport registers the vendors of a CSV or XLSX file sent as
// the multipart field "file". With ?dry_run=true it checks every row and
// changes nothing (200 with the row-by-row report); otherwise it applies
// every row in one transaction (201 with the report), or none when a row
// is bad (422 naming each row and column).
func (s *Server) handleVendorImport(c echo.Context) error {
	dryRun := false
	if v := c.QueryParam("dry_run"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return validationError(FieldError{Field: "dry_run", Message: "must be true or false"})
		}
		dryRun = b
	}
	fh, err := c.FormFile("file")
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return newError(http.StatusRequestEntityTooLarge, codeBodyTooLarge, "the file is larger than the upload limit; split it")
		}
		return newError(http.StatusBadRequest, codeBadRequest, `send the file as multipart/form-data in the field "file"`)
	}
	format, err := tabular.FormatOf(fh.Filename)
	if err != nil {
		return validationError(FieldError{Field: "file", Message: "must be a .csv or .xlsx file"})
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	rep, err := s.cfg.Merchants.ImportVendors(c.Request().Context(), actorOf(c), f, format, dryRun)
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if rep.DryRun || !rep.Applied {
		status = http.StatusOK
	}
	return writeJSON(c, status, rep)
}
