package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// httpMetrics are the API's Prometheus series. Labels use the route
// template, never the raw path, so cardinality stays bounded.
type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	shed     prometheus.Counter
	logins   *prometheus.CounterVec
	replays  prometheus.Counter
}

func newHTTPMetrics(reg prometheus.Registerer) (*httpMetrics, error) {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sapqr_http_requests_total",
			Help: "HTTP requests by method, route template and status code.",
		}, []string{"method", "route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "sapqr_http_request_duration_seconds",
			Help:    "HTTP request latency by method and route template.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"method", "route"}),
		shed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "sapqr_http_shed_total",
			Help: "Requests refused with 503 because too many were in flight.",
		}),
		logins: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sapqr_logins_total",
			Help: "Login attempts by result (ok, failed, limited).",
		}, []string{"result"}),
		replays: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "sapqr_idempotent_replays_total",
			Help: "POST requests answered from a stored Idempotency-Key response.",
		}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.duration, m.shed, m.logins, m.replays} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *httpMetrics) observe(method, route string, status int, d time.Duration) {
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(method, route).Observe(d.Seconds())
}

func promHandler(g prometheus.Gatherer) http.Handler {
	return promhttp.HandlerFor(g, promhttp.HandlerOpts{})
}

// handleMetrics serves the Prometheus exposition of the configured
// gatherer.
func (s *Server) handleMetrics(c echo.Context) error {
	s.promh.ServeHTTP(c.Response(), c.Request())
	return nil
}
