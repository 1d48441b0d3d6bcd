package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/sapqr/sapqr/api"
	"github.com/sapqr/sapqr/merchants"
	"github.com/sapqr/sapqr/merchants/gormstore"
	"github.com/sapqr/sapqr/merchants/rediscounters"
	"github.com/sapqr/sapqr/printables"
)

// parts says what wire builds. Each part brings what it stands on: the
// adoption service brings the store and the counters, the server brings
// everything.
type parts struct {
	store    bool // the database, as it is
	migrate  bool // the database, migrated first (implies store)
	counters bool // the adoption counters: Redis for SAPQR_REDIS_URL, else in memory
	service  bool // merchants.Service over the store
	adoption bool // merchants.AdoptionService over the store and the counters
	server   bool // the api.Server over all of them (with log)
	log      *slog.Logger
	// beforeMigrate, when set, looks at the database before any migration
	// is applied; its error stops wire with nothing written.
	beforeMigrate func(context.Context, *gormstore.Store) error
}

// app is what wire built; the fields of parts not asked for are nil.
type app struct {
	store    *gormstore.Store
	units    *merchants.Units
	svc      *merchants.Service
	counters merchants.AdoptionCounters
	redis    *rediscounters.Redis // nil for in-memory counters
	adoption *merchants.AdoptionService
	server   *api.Server
	// transfers receives transfer notifications (with the service).
	transfers *merchants.TransferService
}

// Close releases the counters' connections and the database.
func (a *app) Close() error {
	var errs []error
	if a.redis != nil {
		errs = append(errs, a.redis.Close())
	}
	if a.store != nil {
		errs = append(errs, a.store.Close())
	}
	return errors.Join(errs...)
}

// wire builds the concrete types of the program from the configuration:
// the one place that knows GORM's store, the Redis or in-memory counters,
// the services and the HTTP server. It contacts the database (and
// migrates it when asked) but never Redis, so a Redis that is down does
// not stop a start. On error everything opened so far is closed.
func wire(ctx context.Context, cfg config, p parts) (_ *app, err error) {
	p.adoption = p.adoption || p.server
	p.service = p.service || p.server
	p.counters = p.counters || p.adoption
	p.migrate = p.migrate || p.server
	p.store = p.store || p.migrate || p.service || p.adoption
	a := &app{}
	defer func() {
		if err != nil {
			a.Close()
		}
	}()
	if p.store {
		if a.store, err = gormstore.Open(ctx, cfg.DatabaseURL); err != nil {
			return nil, err
		}
	}
	if p.migrate {
		if p.beforeMigrate != nil {
			if err := p.beforeMigrate(ctx, a.store); err != nil {
				return nil, err
			}
		}
		if _, err := a.store.Migrate(ctx); err != nil {
			return nil, err
		}
	}
	if p.counters {
		if err := a.openCounters(cfg); err != nil {
			return nil, err
		}
	}
	if p.service || p.adoption {
		if a.units, err = merchants.LoadUnits(time.Now()); err != nil {
			return nil, fmt.Errorf("administrative units: %w", err)
		}
	}
	if p.service {
		mc := merchants.Config{Units: a.units}
		if a.redis != nil {
			// Failed logins are counted where every replica sees them.
			mc.LoginThrottle = a.redis
		}
		a.svc = merchants.NewService(a.store, mc)
		a.transfers = merchants.NewTransferService(a.svc, a.store, merchants.TransferConfig{PersonalDataRetention: cfg.TransferMemoRetention})
	}
	if p.adoption {
		a.adoption = merchants.NewAdoptionService(a.store, a.counters, merchants.AdoptionConfig{Logger: p.log, Units: a.units})
	}
	if p.server {
		if a.server, err = a.newServer(cfg, p.log); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// openCounters opens the adoption counters the configuration names: Redis
// for SAPQR_REDIS_URL (any form rediscounters.Open takes), with its keys
// under SAPQR_REDIS_NAMESPACE, else in-memory counters, which live and die
// with this process. It does not contact Redis: the counters report
// themselves unavailable and the adoption service reads the database.
func (a *app) openCounters(cfg config) error {
	if cfg.RedisURL == "" {
		a.counters = rediscounters.NewMemory()
		return nil
	}
	r, err := rediscounters.Open(cfg.RedisURL, cfg.RedisNamespace)
	if err != nil {
		return fmt.Errorf("SAPQR_REDIS_URL: %w", err)
	}
	a.redis, a.counters = r, r
	return nil
}

// newServer builds the HTTP API and UI over what wire opened, with its own
// Prometheus registry.
func (a *app) newServer(cfg config, log *slog.Logger) (*api.Server, error) {
	renderer, err := printables.NewRenderer()
	if err != nil {
		return nil, fmt.Errorf("sign fonts: %w", err)
	}
	var countersCheck api.Pinger // nil for in-memory counters: nothing to reach
	if a.redis != nil {
		countersCheck = api.PingFunc(a.redis.Ping)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return api.New(api.Config{
		Merchants:     a.svc,
		Units:         a.units,
		Adoption:      a.adoption,
		Transfers:     a.transfers,
		Signs:         renderer,
		Idempotency:   a.store,
		Database:      a.store,
		Counters:      countersCheck,
		Logger:        log,
		Registerer:    reg,
		Gatherer:      reg,
		Version:       version,
		SecureCookies: cfg.SecureCookies,
		TrustProxy:    cfg.TrustProxy,
		AnswerKey:     cfg.AnswerKey,
		MaxInFlight:   cfg.MaxInFlight,
	})
}

// openService opens and migrates the store and returns a Service on it
// with the administrative units in force, and a function that closes it.
func openService(ctx context.Context, env *environment) (*merchants.Service, func(), error) {
	a, err := wire(ctx, env.cfg, parts{migrate: true, service: true})
	if err != nil {
		return nil, nil, err
	}
	return a.svc, func() { a.Close() }, nil
}
