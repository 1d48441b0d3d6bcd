// Package gormstore keeps the merchants domain in a relational database
// with GORM: PostgreSQL in production, a pure-Go SQLite file as the
// embedded default. It implements merchants.Store; row types (marketRow,
// vendorRow, …) carry the tags and never leave the package, and database
// errors are translated at its boundary (a unique violation wraps
// merchants.ErrConflict, a missing row merchants.ErrNotFound).
//
// # Migrations
//
// The schema is built by SQL files embedded from migrations/, applied in
// order of their number by Migrate (`sapqr migrate`, and `sapqr serve` at
// start) and recorded in the schema_migrations table. One run is one
// transaction: a failing file leaves the schema as it was. Running Migrate
// twice, or from two replicas at once, applies each file once: on
// PostgreSQL the run holds pg_advisory_xact_lock (keyed by the current
// schema), on SQLite a write transaction (BEGIN IMMEDIATE) serialises it.
//
// File names are NNNN_name.sql, NNNN a four-digit number. Numbers may have
// gaps; a file is never edited once committed (add a new one). A file
// named NNNN_name.sql is portable and runs on both databases. When the
// dialects differ, write a pair instead: NNNN_name.postgres.sql and
// NNNN_name.sqlite.sql, same number and name; each database runs its own.
// Portable SQL means: BIGINT ids filled by the application or by the pair's
// own identity syntax, TEXT, BOOLEAN, TIMESTAMP columns holding UTC,
// CREATE [UNIQUE] INDEX IF NOT EXISTS, partial indexes with WHERE.
// Statements are separated by a line holding only "-- +statement" or by
// ";" at the end of a line; avoid ";" inside string literals.
//
// Numbers are owned by area so parallel work does not collide:
// 0001–0049 the registry (markets, stalls, vendors, users, audit, outbox),
// 0050–0059 adoption counters and reports, 0060–0069 API idempotency,
// 0070–0079 administrative units and bulk import.
package gormstore
