package api

import "github.com/labstack/echo/v4"

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
	post("/vendors/:id/confirm-transacting", s.handleVendorConfirmTransacting)

	get("/vendors/:id/qr.png", s.handleVendorQRPNG)
	get("/vendors/:id/qr.svg", s.handleVendorQRSVG)
	get("/vendors/:id/payload", s.handleVendorPayload)
	get("/vendors/:id/sign.pdf", s.handleStallSignPDF)
	get("/markets/:id/signs.pdf", s.handleMarketSignsPDF)

	get("/markets/:id/adoption", s.handleMarketAdoption)
	get("/adoption", s.handleAdoption)
	get("/reports", s.handleReport)

	post("/imports/vendors", s.handleVendorImport)

	// ---- UI pages (owned by api/ui*.go; register them below this line) ----
	s.uiRoutes()
	// ---- end of UI pages ----
}
