package main

import (
	"context"

	"github.com/sapqr/sapqr/merchants/gormstore"
)

// openStore opens the database the configuration names. It does not
// migrate: `sapqr migrate` and `sapqr serve` do.
func openStore(ctx context.Context, cfg config) (*gormstore.Store, error) {
	return gormstore.Open(ctx, cfg.DatabaseURL)
}
