package api

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// Pinger is a dependency /readyz checks: the database or the counters.
type Pinger interface {
	// Ping returns an error when the dependency cannot be reached.
	Ping(ctx context.Context) error
}

// PingFunc adapts a function to Pinger.
type PingFunc func(ctx context.Context) error

// Ping calls f.
func (f PingFunc) Ping(ctx context.Context) error { return f(ctx) }

// healthAnswer is the body of /healthz and /readyz.
type healthAnswer struct {
	Status  string            `json:"status"`
	Version string            `json:"version,omitempty"`
	Checks  map[string]string `json:"checks,omitempty"`
}

// handleHealthz reports that the process is alive. It checks nothing
// else: a liveness probe must not restart a replica because the database
// is down.
func (s *Server) handleHealthz(c echo.Context) error {
	return writeJSON(c, http.StatusOK, healthAnswer{Status: "ok", Version: s.cfg.Version})
}

// handleReadyz reports whether this replica should get traffic: "ok" when
// the database and the counters answer, "degraded" (still 200) when only
// the counters are down, since adoption reads then fall back to the
// database, and "down" (503 with Retry-After) when the database is
// unreachable.
func (s *Server) handleReadyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	ans := healthAnswer{Status: "ok", Version: s.cfg.Version, Checks: map[string]string{}}
	status := http.StatusOK
	if err := s.cfg.Database.Ping(ctx); err != nil {
		ans.Checks["database"] = "down"
		ans.Status = "down"
		status = http.StatusServiceUnavailable
		s.log.WarnContext(ctx, "readyz: database unreachable", "request_id", requestIDOf(c), logError(err))
	} else {
		ans.Checks["database"] = "ok"
	}
	if s.cfg.Counters != nil {
		if err := s.cfg.Counters.Ping(ctx); err != nil {
			ans.Checks["counters"] = "down"
			if ans.Status == "ok" {
				ans.Status = "degraded"
			}
			s.log.WarnContext(ctx, "readyz: counters unreachable", "request_id", requestIDOf(c), logError(err))
		} else {
			ans.Checks["counters"] = "ok"
		}
	}
	if status != http.StatusOK {
		c.Response().Header().Set("Retry-After", "5")
	}
	return writeJSON(c, status, ans)
}
