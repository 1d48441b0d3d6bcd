package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/sapqr/sapqr/merchants"
	"github.com/sapqr/sapqr/merchants/gormstore"
)

// systemActor is who the command line acts as: an admin that is no user
// (audit entries record actor 0).
var systemActor = merchants.Actor{Role: merchants.RoleAdmin, Username: "system"}

// cmdServe serves the API and web UI until ctx is cancelled (SIGINT,
// SIGTERM): it migrates the database, starts the adoption counters loop,
// listens, and on cancel stops accepting, drains requests in flight for
// up to --shutdown-timeout and closes the database and Redis.
func cmdServe(ctx context.Context, env *environment, args []string) error {
	cfg, err := parseServeFlags(env.cfg, args, env.stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(env.stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	p := parts{server: true, log: log}
	if cfg.Demo {
		p.beforeMigrate = refuseForeignUsers
	}
	a, err := wire(ctx, cfg, p)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	defer a.Close()
	if cfg.Demo {
		// The login goes to the terminal only, never into the JSON log.
		if err := createDemo(ctx, a, env.stdout); err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	if !cfg.SecureCookies && !isLoopback(ln.Addr()) {
		log.Warn("session cookies are not Secure on an address other hosts can reach: "+
			"serve behind HTTPS and set SAPQR_SECURE_COOKIES=true (--secure-cookies)", "addr", ln.Addr().String())
	}
	fmt.Fprintf(env.stdout, "sapqr: listening on http://%s\n", ln.Addr())
	log.Info("serving", "addr", ln.Addr().String(), "version", version, "database", dialectOf(cfg.DatabaseURL), "redis", cfg.RedisURL != "")
	return serveHTTP(ctx, a, ln, cfg.ShutdownTimeout, log, env)
}

// serveHTTP serves a's server on ln, with the background loops (counters,
// purges), until ctx is cancelled; then it stops taking requests, drains
// those in flight for up to timeout and stops the loops.
func serveHTTP(ctx context.Context, a *app, ln net.Listener, timeout time.Duration, log *slog.Logger, env *environment) error {
	hs := &http.Server{
		Handler:           a.server,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		// Market sign batches stream for a while; the handler bounds them.
		WriteTimeout: 5 * time.Minute,
		IdleTimeout:  2 * time.Minute,
		ErrorLog:     slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	// Background loops stop after the server has drained, so requests in
	// flight still see the counters kept up to date.
	bg, stopBG := context.WithCancel(context.WithoutCancel(ctx))
	defer stopBG()
	var wg sync.WaitGroup
	wg.Go(func() { _ = a.adoption.Run(bg) })
	wg.Go(func() { purgeExpired(bg, a.store, a.svc, a.transfers, log) })
	// Said once Shutdown has closed the listener and is waiting for the
	// requests in flight: from then on no new request is taken.
	hs.RegisterOnShutdown(func() {
		fmt.Fprintln(env.stdout, "sapqr: shutting down: draining requests in flight")
	})
	serveErr := make(chan error, 1)
	go func() { serveErr <- hs.Serve(ln) }()
	var err error
	select {
	case err = <-serveErr:
		stopBG()
		wg.Wait()
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: draining requests in flight", "timeout", timeout.String())
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	err = hs.Shutdown(sctx)
	stopBG()
	wg.Wait()
	if err != nil {
		return fmt.Errorf("serve: shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

// isLoopback reports whether addr only takes connections from this host
// (127.0.0.0/8, ::1). An unspecified address (0.0.0.0, ::) takes them
// from anywhere.
func isLoopback(addr net.Addr) bool {
	host, _, err := net.SplitHostPort(addr.String())
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func dialectOf(dbURL string) string {
	if strings.HasPrefix(dbURL, "sqlite:") {
		return "sqlite"
	}
	return "postgres"
}

// purgeExpired deletes expired Idempotency-Key answers and expired
// sessions every hour, so neither table grows without bound, and clears
// the transfer memos past their retention. Expired rows
// are ignored anyway, so a failed purge only costs space.
func purgeExpired(ctx context.Context, store *gormstore.Store, svc *merchants.Service, transfers *merchants.TransferService, log *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := store.PurgeIdempotencyKeys(ctx, time.Now()); err != nil && ctx.Err() == nil {
			log.Warn("idempotency purge failed", "error", err)
		} else if n > 0 {
			log.Info("idempotency keys purged", "rows", n)
		}
		if n, err := svc.PurgeSessions(ctx); err != nil && ctx.Err() == nil {
			log.Warn("session purge failed", "error", err)
		} else if n > 0 {
			log.Info("expired sessions purged", "rows", n)
		}
		if transfers != nil {
			// Memos and payer names are personal data of people who never
			// signed up: cleared once the retention has passed.
			if n, err := transfers.ClearPersonalData(ctx); err != nil && ctx.Err() == nil {
				log.Warn("transfer memo purge failed", "error", err)
			} else if n > 0 {
				log.Info("transfer memos cleared", "rows", n)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
