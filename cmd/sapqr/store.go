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

// openMigrated opens the database the configuration names and applies
// every migration it lacks. It returns the errors of both.
func openMigrated(ctx context.Context, cfg config) (*gormstore.Store, error) {
	store, err := openStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if _, err := store.Migrate(ctx); err != nil {
		store.Close()
		return nil, err
	}
	return store, nil
}
