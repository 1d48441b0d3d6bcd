package api_test

import (
	"net/http"
	"strings"
	"testing"
)

func TestMetrics(t *testing.T) {
	f := newFixture(t)
	f.do("GET", "/api/v1/me", f.as(uAdmin), nil).want(t, http.StatusOK)
	r := f.do("GET", "/metrics", "", nil)
	r.want(t, http.StatusOK)
	for _, want := range []string{
		`sapqr_http_requests_total{code="200",method="GET",route="/api/v1/me"} 1`,
		`sapqr_logins_total{result="ok"} 6`,
		`sapqr_http_request_duration_seconds_bucket{method="GET",route="/api/v1/me"`,
	} {
		if !strings.Contains(string(r.Body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(string(r.Body), `route="/api/v1/markets/1"`) {
		t.Error("metrics are labelled with raw paths")
	}
}
