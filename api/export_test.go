package api

import "github.com/labstack/echo/v4"

// RouteList returns "METHOD /path" of every route the server registered,
// for the test that checks the OpenAPI document describes each one.
func RouteList(s *Server) []string {
	var out []string
	for _, r := range s.echo.Routes() {
		out = append(out, r.Method+" "+r.Path)
	}
	return out
}

// UnmarshalStrict exposes the request decoder to the fuzz test.
var UnmarshalStrict = unmarshalStrict

// HandlePanicForTest registers a route whose handler panics, to prove a
// panic becomes a problem answer.
func HandlePanicForTest(s *Server, path string) {
	s.echo.GET(path, func(echo.Context) error { panic("boom: secret detail") })
}

// ClaimLeaseMargin is what an Idempotency-Key claim is leased for beyond
// its request's deadline.
const ClaimLeaseMargin = claimLeaseMargin
