package main

import (
	"context"
	_ "embed"
	"fmt"
	"runtime"
	"time"
)

// The anchor: PostgreSQL alone doing one registration's writes, with the
// constraints a registration needs (see anchor/README.md).
var (
	//go:embed anchor/registration-schema.sql
	anchorSchema string
	//go:embed anchor/registration.pgbench
	anchorScript string
)

// anchorClients is the anchor's pgbench connections, as its README runs it.
const anchorClients = 16

// anchorDatabase is the database the anchor runs in, beside the
// service's own.
const anchorDatabase = "anchor"

// runAnchor runs the anchor on s's PostgreSQL for d and returns its
// transactions per second: the ceiling registrations are a share of.
func runAnchor(ctx context.Context, s *stack, d time.Duration) (float64, error) {
	if err := s.pg.CreateDatabase(ctx, anchorDatabase); err != nil {
		return 0, err
	}
	if err := s.pg.RunSQL(ctx, anchorDatabase, anchorSchema); err != nil {
		return 0, err
	}
	tps, _, err := s.pg.Pgbench(ctx, anchorDatabase, anchorScript, anchorClients, min(2, runtime.NumCPU()), d)
	if err != nil {
		return 0, err
	}
	// Its rows would only weigh on the service's phases (autovacuum, cache).
	if _, err := s.pg.Query(ctx, "postgres", "DROP DATABASE "+anchorDatabase); err != nil {
		return tps, fmt.Errorf("dropping the anchor's database: %w", err)
	}
	return tps, nil
}
