// Package harness runs SạpQR the way the fault drills and the load test need
// it: its own redis-server and PostgreSQL cluster on free loopback ports (so
// the shared services on 5432 and 6379 are never touched), the sapqr binary
// built once and started as real processes, a small API client that retries
// the way a phone at a market does (same Idempotency-Key, honouring
// Retry-After), and the figures a drill reports: latency percentiles, errors
// by kind, resident memory. Everything is bounded by the caller's context.
package harness
