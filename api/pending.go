package api

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// notYet answers routes whose domain service has not landed in this build.
func notYet(echo.Context) error {
	return newError(http.StatusNotImplemented, codeNotImplemented, "this route is not available in this build yet")
}

func (s *Server) handleStallSignPDF(c echo.Context) error   { return notYet(c) }
func (s *Server) handleMarketSignsPDF(c echo.Context) error { return notYet(c) }
func (s *Server) handleMarketAdoption(c echo.Context) error { return notYet(c) }
func (s *Server) handleAdoption(c echo.Context) error       { return notYet(c) }
func (s *Server) handleReport(c echo.Context) error         { return notYet(c) }
func (s *Server) handleVendorImport(c echo.Context) error   { return notYet(c) }
func isUpload(c echo.Context) bool                          { return c.Path() == "/api/v1/imports/vendors" }
