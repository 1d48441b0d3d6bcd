package api

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// routes registers every route of the server. Public routes are listed
// first; everything under /api/v1 but login needs a bearer token or a
// session cookie (authenticate), and every POST there honours
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

	// Authenticated API.
	a := e.Group("/api/v1")
	authed := []echo.MiddlewareFunc{s.authenticate, s.idempotent}
	get := func(path string, h echo.HandlerFunc) { a.GET(path, h, authed...) }
	post := func(path string, h echo.HandlerFunc) { a.POST(path, h, authed...) }
	patch := func(path string, h echo.HandlerFunc) { a.PATCH(path, h, authed...) }
	del := func(path string, h echo.HandlerFunc) { a.DELETE(path, h, authed...) }

	post("/auth/logout", s.handleLogout)
	get("/me", s.handleMe)

	get("/banks", s.handleBanks)
	post("/qr/decode", s.handleQRDecode)
	get("/units/provinces", s.handleProvinces)
	get("/units/provinces/:code/communes", s.handleCommunes)

	get("/markets", s.handleMarketList)
	post("/markets", s.handleMarketCreate)
	get("/markets/:id", s.handleMarketGet)
	patch("/markets/:id", s.handleMarketUpdate)
	get("/markets/:id/stalls", s.handleStallList)
	post("/markets/:id/stalls", s.handleStallCreate)
	patch("/stalls/:id", s.handleStallUpdate)

	get("/vendors", s.handleVendorList)
	post("/vendors", s.handleVendorCreate)
	get("/vendors/:id", s.handleVendorGet)
	patch("/vendors/:id", s.handleVendorUpdate)
	del("/vendors/:id", s.handleVendorDelete)
	post("/vendors/:id/accounts", s.handleVendorAccountCreate)
	post("/vendors/:id/stalls", s.handleVendorStallAssign)
	del("/vendors/:id/stalls/:stall_id", s.handleVendorStallRelease)
	post("/vendors/:id/confirm-transacting", s.handleVendorConfirmTransacting)

	get("/vendors/:id/qr.png", s.handleVendorQRPNG)
	get("/vendors/:id/qr.svg", s.handleVendorQRSVG)
	get("/vendors/:id/payload", s.handleVendorPayload)
	get("/vendors/:id/sign.pdf", s.handleStallSignPDF)
	get("/markets/:id/signs.pdf", s.handleMarketSignsPDF)
	post("/vendors/:id/prints", s.handleVendorPrintCreate)
	post("/markets/:id/prints", s.handleMarketPrintCreate)
	post("/vendors/:id/links", s.handleVendorLinkCreate)
	get("/vendors/:id/links", s.handleVendorLinkList)
	del("/vendor-links/:id", s.handleVendorLinkRevoke)
	// Issue 16: the payee checked before the first print; which stalls are
	// free for the sign-up page; the QR that travels, as a PNG card.
	post("/vendors/:id/verification", s.handleVendorVerification)
	get("/markets/:id/occupancy", s.handleMarketOccupancy)
	get("/vendors/:id/card.png", s.handleVendorCardPNG)

	get("/markets/:id/adoption", s.handleMarketAdoption)
	get("/adoption", s.handleAdoption)
	get("/reports", s.handleReport)

	post("/imports/vendors", newImportGate(maxImports).wrap(s.handleVendorImport))

	// People (issue 14).
	post("/users", s.handleUserCreate)
	get("/users", s.handleUserList)
	get("/users/:id", s.handleUserGet)
	patch("/users/:id", s.handleUserUpdate)
	post("/users/:id/password-reset", s.handleUserPasswordReset)
	post("/me/password", s.handleMePassword)
	s.targetRoutes(a, authed)
	// Money arrives (issue 15): hook sources, their deliveries (no
	// session: each provider's own authentication), unmatched transfers.
	if s.cfg.Transfers != nil {
		post("/hook-sources", s.handleHookSourceCreate)
		get("/hook-sources", s.handleHookSourceList)
		del("/hook-sources/:id", s.handleHookSourceDelete)
		get("/transfers/unmatched", s.handleTransfersUnmatched)
		e.POST("/api/v1/hooks/:provider/:source_id", s.handleHookDelivery)
	}

	s.uiRoutes()
}

// targetRoutes registers the targets and thresholds (issue 14), with the
// authenticated API's middleware.
func (s *Server) targetRoutes(a *echo.Group, authed []echo.MiddlewareFunc) {
	a.PUT("/targets", s.handleTargetPut, authed...)
	a.GET("/targets", s.handleTargetList, authed...)
	a.DELETE("/targets", s.handleTargetDelete, authed...)
	a.PUT("/provinces/:code/threshold", s.handleThresholdPut, authed...)
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
