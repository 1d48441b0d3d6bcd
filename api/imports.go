package api

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// pathImportVendors is the upload route; its bodies get MaxUploadBytes.
const pathImportVendors = "/api/v1/imports/vendors"

// isUpload reports whether the matched route takes a file upload.
func isUpload(c echo.Context) bool { return c.Path() == pathImportVendors }

// handleVendorImport waits for the domain's bulk import to land.
func (s *Server) handleVendorImport(c echo.Context) error {
	return newError(http.StatusServiceUnavailable, codeUnavailable, "vendor import is not available in this build yet")
}
