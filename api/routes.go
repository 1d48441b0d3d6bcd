package api

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// routes registers every route of the server. Public routes are listed
// first; everything under /api/v1 but login and activation needs a bearer
// token or a session cookie (authenticate), and every POST there honours
// Idempotency-Key (idempotent).
func (s *Server) routes() {
	e := s.echo
	e.Use(s.observe, s.shed, s.limitBody, s.bound)

	// Operations, not versioned.
	e.GET("/healthz", s.handleHealthz)
	e.GET("/readyz", s.handleReadyz)
	e.GET("/metrics", s.handleMetrics)

	// Public API.
	e.GET("/api/v1/openapi.json", s.handleOpenAPI)
	e.POST("/api/v1/auth/login", s.handleLogin)
	e.POST("/api/v1/auth/activate", s.handleActivate)

	// Authenticated API, by area.
	r := apiRouter{g: e.Group("/api/v1"), authed: []echo.MiddlewareFunc{s.authenticate, s.idempotent}}
	s.referenceRoutes(r)
	s.marketRoutes(r)
	s.vendorRoutes(r)
	s.signRoutes(r)
	s.adoptionRoutes(r)
	s.peopleRoutes(r)
	s.transferRoutes(r)

	s.uiRoutes()
}

// apiRouter registers routes of the authenticated API with its middleware.
type apiRouter struct {
	g      *echo.Group
	authed []echo.MiddlewareFunc
}

func (r apiRouter) get(path string, h echo.HandlerFunc)   { r.g.GET(path, h, r.authed...) }
func (r apiRouter) post(path string, h echo.HandlerFunc)  { r.g.POST(path, h, r.authed...) }
func (r apiRouter) put(path string, h echo.HandlerFunc)   { r.g.PUT(path, h, r.authed...) }
func (r apiRouter) patch(path string, h echo.HandlerFunc) { r.g.PATCH(path, h, r.authed...) }
func (r apiRouter) del(path string, h echo.HandlerFunc)   { r.g.DELETE(path, h, r.authed...) }

// referenceRoutes: the session, the bank directory, QR decoding and the
// administrative units.
func (s *Server) referenceRoutes(r apiRouter) {
	r.post("/auth/logout", s.handleLogout)
	r.get("/me", s.handleMe)
	r.get("/banks", s.handleBanks)
	r.post("/qr/decode", s.handleQRDecode)
	r.get("/units/provinces", s.handleProvinces)
	r.get("/units/provinces/:code/communes", s.handleCommunes)
}

// marketRoutes: markets, their stalls and which are free, and imports.
func (s *Server) marketRoutes(r apiRouter) {
	r.get("/markets", s.handleMarketList)
	r.post("/markets", s.handleMarketCreate)
	r.get("/markets/:id", s.handleMarketGet)
	r.patch("/markets/:id", s.handleMarketUpdate)
	r.get("/markets/:id/stalls", s.handleStallList)
	r.post("/markets/:id/stalls", s.handleStallCreate)
	r.get("/markets/:id/occupancy", s.handleMarketOccupancy)
	r.patch("/stalls/:id", s.handleStallUpdate)
	r.post("/imports/vendors", newImportGate(maxImports).wrap(s.handleVendorImport))
}

// vendorRoutes: vendors, their accounts, stalls, payee checks and
// private links.
func (s *Server) vendorRoutes(r apiRouter) {
	r.get("/vendors", s.handleVendorList)
	r.post("/vendors", s.handleVendorCreate)
	r.get("/vendors/:id", s.handleVendorGet)
	r.patch("/vendors/:id", s.handleVendorUpdate)
	r.del("/vendors/:id", s.handleVendorDelete)
	r.post("/vendors/:id/accounts", s.handleVendorAccountCreate)
	r.post("/vendors/:id/verification", s.handleVendorVerification)
	r.post("/vendors/:id/stalls", s.handleVendorStallAssign)
	r.del("/vendors/:id/stalls/:stall_id", s.handleVendorStallRelease)
	r.post("/vendors/:id/confirm-transacting", s.handleVendorConfirmTransacting)
	r.post("/vendors/:id/links", s.handleVendorLinkCreate)
	r.get("/vendors/:id/links", s.handleVendorLinkList)
	r.del("/vendor-links/:id", s.handleVendorLinkRevoke)
}

// signRoutes: a vendor's QR, card and signs, a market's batch, and the
// prints the pages record.
func (s *Server) signRoutes(r apiRouter) {
	r.get("/vendors/:id/qr.png", s.handleVendorQRPNG)
	r.get("/vendors/:id/qr.svg", s.handleVendorQRSVG)
	r.get("/vendors/:id/payload", s.handleVendorPayload)
	r.get("/vendors/:id/card.png", s.handleVendorCardPNG)
	r.get("/vendors/:id/sign.pdf", s.handleStallSignPDF)
	r.get("/markets/:id/signs.pdf", s.handleMarketSignsPDF)
	r.post("/vendors/:id/prints", s.handleVendorPrintCreate)
	r.post("/markets/:id/prints", s.handleMarketPrintCreate)
}

// adoptionRoutes: adoption figures, reports, targets and thresholds.
func (s *Server) adoptionRoutes(r apiRouter) {
	r.get("/markets/:id/adoption", s.handleMarketAdoption)
	r.get("/adoption", s.handleAdoption)
	r.get("/reports", s.handleReport)
	r.put("/targets", s.handleTargetPut)
	r.get("/targets", s.handleTargetList)
	r.del("/targets", s.handleTargetDelete)
	r.put("/provinces/:code/threshold", s.handleThresholdPut)
}

// peopleRoutes: users within the caller's area and one's own password.
func (s *Server) peopleRoutes(r apiRouter) {
	r.post("/users", s.handleUserCreate)
	r.get("/users", s.handleUserList)
	r.get("/users/:id", s.handleUserGet)
	r.patch("/users/:id", s.handleUserUpdate)
	r.post("/users/:id/password-reset", s.handleUserPasswordReset)
	r.post("/me/password", s.handleMePassword)
}

// transferRoutes: hook sources, their deliveries (no session: each
// provider's own authentication) and unmatched transfers, when transfers
// are configured.
func (s *Server) transferRoutes(r apiRouter) {
	if s.cfg.Transfers == nil {
		return
	}
	r.post("/hook-sources", s.handleHookSourceCreate)
	r.get("/hook-sources", s.handleHookSourceList)
	r.del("/hook-sources/:id", s.handleHookSourceDelete)
	r.get("/transfers/unmatched", s.handleTransfersUnmatched)
	s.echo.POST("/api/v1/hooks/:provider/:source_id", s.handleHookDelivery)
}

// uiRoutes registers the web UI: static files and the login page are
// public, the vendor's private link needs only its token, every other
// page needs the session cookie (uiSession), and the few JSON calls the
// pages make outside /api/v1 go through authenticate, with its CSRF check.
func (s *Server) uiRoutes() {
	e := s.echo
	p, err := newUIPages()
	if err != nil {
		// Only a broken build gets here (the package tests parse every
		// page); answer every UI route with the fault instead of serving
		// half a UI.
		s.log.Error("web UI unavailable", "error", err)
		broken := func(echo.Context) error { return err }
		e.GET("/ui/*", broken)
		e.GET("/static/*", broken)
		return
	}
	pageErrors := s.uiErrors(p)
	session := []echo.MiddlewareFunc{pageErrors, s.uiSession}

	e.GET("/", func(c echo.Context) error { return c.Redirect(http.StatusSeeOther, "/ui/") })
	e.GET("/static/*", s.handleUIStatic(p))
	e.GET("/ui/sw.js", s.handleUIServiceWorker(p))
	e.GET("/ui/login", s.handleUILogin(p), pageErrors)
	e.GET("/ui/lang", s.handleUILang)
	e.GET("/v/:token", s.handleUIVendorLinkPage(p), pageErrors)
	e.GET("/ui/activate/:token", s.handleUIActivatePage(p), pageErrors, noStore)
	e.GET("/v/:token/sign.pdf", s.handleUIVendorLinkSign(p), pageErrors)
	e.GET("/v/:token/card.png", s.handleUIVendorLinkCard(p), pageErrors)
	if s.cfg.Transfers != nil {
		e.GET("/v/:token/transfers", s.handleVendorLinkTransfers)
	}

	e.GET("/ui", s.handleUIHome, session...)
	e.GET("/ui/", s.handleUIHome, session...)
	e.GET("/ui/signup", s.handleUISignup(p), session...)
	e.GET("/ui/markets", s.handleUIMarketsPage(p), session...)
	e.GET("/ui/markets/:id", s.handleUIMarketPage(p), session...)
	e.GET("/ui/vendors/:id", s.handleUIVendorPage(p), session...)
	e.GET("/ui/dashboard", s.handleUIDashboardPage(p), session...)

	e.POST("/ui/preview", s.handleUIPreview, s.authenticate, noStore)
	e.POST("/ui/vendors/:id/link", s.handleUIVendorLinkCreate, s.authenticate, noStore)
	e.DELETE("/ui/vendor-links/:id", s.handleVendorLinkRevoke, s.authenticate, noStore)
}
