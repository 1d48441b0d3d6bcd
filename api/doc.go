// Package api is the HTTP interface of SạpQR: every route (routes.go), the
// one error-to-status table (errors.go), one file per resource, middleware
// and the embedded web UI. It is the only package that imports Echo.
//
// A Server is built by New from plain dependencies: the domain services,
// an IdempotencyStore and the Pingers /readyz checks. Every request gets a
// request ID (echoed in X-Request-ID), security headers, a body limit and
// one JSON log line; load past Config.MaxInFlight is shed with 503 and
// Retry-After. Routes under /api/v1 need a bearer token or the UI's
// session cookie (with X-CSRF-Token on changes); the domain decides what
// the caller's role and area allow, and errors leave as RFC 9457 problems
// with a stable code. Requests that change something run under a deadline
// (Config.WriteTimeout). POSTs honour Idempotency-Key, shared by replicas
// through the database; a claim on a key is leased for its request's
// deadline, so one left behind by a failed request is taken over at once
// by the server that made it and after the lease by any other. api/openapi.yaml describes it all and tests check
// every answer against it.
package api
