// Package merchantstest gives tests of any package a real, fresh store
// and a Service on it, with fixtures for the common nouns.
//
// NewStore opens an SQLite file in t.TempDir() by default, and a fresh
// PostgreSQL schema (random name, dropped at cleanup) when the
// SAPQR_TEST_DATABASE_URL environment variable is set, as CI does. Tests
// of different packages may run at once against one database: each gets
// its own schema.
package merchantstest
