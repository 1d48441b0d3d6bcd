package api

import (
	_ "embed"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"
	"sigs.k8s.io/yaml"
)

// openapiYAML is the API's OpenAPI 3.1 description, kept by hand next to
// the routes; TestOpenAPIMatchesResponses validates real answers against it
// and checks every route in routes.go is described, so it cannot drift.
//
//go:embed openapi.yaml
var openapiYAML []byte

// openapiJSON converts the embedded document once, at server start.
func openapiJSON() ([]byte, error) {
	b, err := yaml.YAMLToJSON(openapiYAML)
	if err != nil {
		return nil, fmt.Errorf("api: openapi.yaml: %w", err)
	}
	return b, nil
}

// handleOpenAPI serves the OpenAPI document as JSON.
func (s *Server) handleOpenAPI(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "public, max-age=300")
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, s.openapi)
}
