package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// ctxKeyRequestID is the echo.Context key holding the request ID.
const ctxKeyRequestID = "sapqr.request_id"

// requestIDOf returns the request's ID ("" before the observe middleware).
func requestIDOf(c echo.Context) string {
	id, _ := c.Get(ctxKeyRequestID).(string)
	return id
}

// validRequestID accepts a caller's X-Request-ID only when it is short and
// plain, so it cannot inject into logs or headers.
func validRequestID(id string) bool {
	if len(id) == 0 || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		b := id[i]
		if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '-' || b == '_' || b == '.') {
			return false
		}
	}
	return true
}

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// observe is the outermost middleware: it assigns the request ID (echoed in
// X-Request-ID), turns panics into a 500 problem, runs the one error
// handler so the final status is known, then logs one structured line and
// records metrics. It logs the route template, never the raw query (which
// may hold a search for an account number) or any header.
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		req := c.Request()
		rid := req.Header.Get(echo.HeaderXRequestID)
		if !validRequestID(rid) {
			rid = newRequestID()
		}
		c.Set(ctxKeyRequestID, rid)
		c.Response().Header().Set(echo.HeaderXRequestID, rid)
		setSecurityHeaders(c.Response().Header())
		if strings.HasPrefix(req.URL.Path, "/api/") {
			// API answers carry personal data scoped to the caller.
			c.Response().Header().Set("Cache-Control", "no-store")
		}

		err := func() (err error) {
			defer func() {
				if r := recover(); r != nil {
					if r == http.ErrAbortHandler {
						panic(r)
					}
					err = fmt.Errorf("panic: %v\n%s", r, debug.Stack())
				}
			}()
			return next(c)
		}()
		if err != nil {
			s.handleError(err, c)
		}

		status := c.Response().Status
		route := c.Path()
		if route == "" {
			route = "unmatched"
		}
		elapsed := time.Since(start)
		s.metrics.observe(req.Method, route, status, elapsed)
		level := slog.LevelInfo
		switch {
		case status >= 500:
			level = slog.LevelError
		case route == "/healthz" || route == "/readyz" || route == "/metrics":
			level = slog.LevelDebug
		}
		attrs := []slog.Attr{
			slog.String("request_id", rid),
			slog.String("method", req.Method),
			slog.String("route", route),
			slog.Int("status", status),
			slog.Int64("bytes", c.Response().Size),
			slog.Duration("duration", elapsed),
		}
		if u := userOf(c); u != nil {
			attrs = append(attrs, slog.Int64("user_id", u.UserID))
		}
		s.log.LogAttrs(req.Context(), level, "http request", attrs...)
		return nil
	}
}

// setSecurityHeaders sets the headers every response carries. The CSP
// allows only same-origin resources; the UI is built to need nothing else.
func setSecurityHeaders(h http.Header) {
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
	h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
}

// limitBody caps every request body at the configured size; reads beyond
// it fail with http.MaxBytesError, which decodeJSON answers with 413.
// Declared lengths over the limit are refused before reading anything.
func (s *Server) limitBody(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		limit := s.cfg.MaxBodyBytes
		if isUpload(c) {
			limit = s.cfg.MaxUploadBytes
		}
		if req.ContentLength > limit {
			return newError(http.StatusRequestEntityTooLarge, codeBodyTooLarge,
				fmt.Sprintf("the request body is larger than the %d-byte limit", limit))
		}
		req.Body = http.MaxBytesReader(c.Response(), req.Body, limit)
		return next(c)
	}
}

// bound puts a deadline on every request that changes something:
// Config.WriteTimeout, or UploadTimeout for a file upload. A write that
// cannot finish in time answers 503 instead of holding a connection, a
// database connection and its Idempotency-Key claim for as long as it
// hangs; the claim's lease counts on this deadline. Reads are not bounded
// here: market sign batches stream for minutes and a read holds no claim.
func (s *Server) bound(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if req.Method == http.MethodGet || req.Method == http.MethodHead {
			return next(c)
		}
		timeout := s.cfg.WriteTimeout
		if isUpload(c) {
			timeout = s.cfg.UploadTimeout
		}
		ctx, cancel := context.WithTimeout(req.Context(), timeout)
		defer cancel()
		c.SetRequest(req.WithContext(ctx))
		return next(c)
	}
}

// shed bounds the requests in flight: past MaxInFlight a request waits a
// moment for a slot and then gets 503 with Retry-After, so an overloaded
// replica answers quickly instead of queueing until clients time out.
// Health and metrics bypass it so probes see the truth.
func (s *Server) shed(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		switch c.Path() {
		case "/healthz", "/readyz", "/metrics":
			return next(c)
		}
		select {
		case s.inflight <- struct{}{}:
		default:
			t := time.NewTimer(s.cfg.QueueWait)
			select {
			case s.inflight <- struct{}{}:
				t.Stop()
			case <-t.C:
				s.metrics.shed.Inc()
				return unavailable("the server is overloaded; retry in a few seconds")
			case <-c.Request().Context().Done():
				t.Stop()
				return c.Request().Context().Err()
			}
		}
		defer func() { <-s.inflight }()
		return next(c)
	}
}

// noStore marks answers as private and uncacheable, for routes outside
// /api/ that carry personal data (observe already does it under /api/).
func noStore(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Set("Cache-Control", "no-store")
		return next(c)
	}
}
