package main

import (
	"errors"
	"fmt"
	"strings"
)

// config is the process configuration, read from the environment only here.
type config struct {
	// Addr is the listen address (SAPQR_ADDR).
	Addr string
	// DatabaseURL selects the store (SAPQR_DATABASE_URL): "sqlite:FILE" for
	// the embedded default, "postgres://…" for PostgreSQL.
	DatabaseURL string
	// RedisURL selects the counters (SAPQR_REDIS_URL): empty for in-memory
	// counters, "redis://…" for Redis.
	RedisURL string
}

const (
	defaultAddr        = "127.0.0.1:8080"
	defaultDatabaseURL = "sqlite:sapqr.db"
)

// loadConfig reads the configuration from getenv and checks its shape.
func loadConfig(getenv func(string) string) (config, error) {
	cfg := config{
		Addr:        getenv("SAPQR_ADDR"),
		DatabaseURL: getenv("SAPQR_DATABASE_URL"),
		RedisURL:    getenv("SAPQR_REDIS_URL"),
	}
	if cfg.Addr == "" {
		cfg.Addr = defaultAddr
	}
	if cfg.DatabaseURL == "" {
		cfg.DatabaseURL = defaultDatabaseURL
	}
	var errs []error
	if !strings.HasPrefix(cfg.DatabaseURL, "sqlite:") && !strings.HasPrefix(cfg.DatabaseURL, "postgres://") && !strings.HasPrefix(cfg.DatabaseURL, "postgresql://") {
		errs = append(errs, fmt.Errorf("SAPQR_DATABASE_URL %q: want sqlite:FILE or postgres://…", cfg.DatabaseURL))
	}
	if cfg.RedisURL != "" && !strings.HasPrefix(cfg.RedisURL, "redis://") && !strings.HasPrefix(cfg.RedisURL, "rediss://") {
		errs = append(errs, fmt.Errorf("SAPQR_REDIS_URL %q: want empty (in-memory counters) or redis://…", cfg.RedisURL))
	}
	return cfg, errors.Join(errs...)
}
