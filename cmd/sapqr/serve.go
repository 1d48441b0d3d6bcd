package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/sapqr/sapqr/api"
	"github.com/sapqr/sapqr/merchants"
	"github.com/sapqr/sapqr/merchants/gormstore"
	"github.com/sapqr/sapqr/printables"
)

// systemActor is who the command line acts as: an admin that is no user
// (audit entries record actor 0).
var systemActor = merchants.Actor{Role: merchants.RoleAdmin, Username: "system"}

// serveOptions are the flags of `sapqr serve`. Each defaults to its
// environment variable, so a container sets env and a person types flags.
type serveOptions struct {
	addr            string
	databaseURL     string
	redisURL        string
	redisNamespace  string
	demo            bool
	secureCookies   bool
	trustProxy      bool
	maxInFlight     int
	shutdownTimeout time.Duration
	logLevel        slog.Level
}

func parseServeFlags(env *environment, args []string) (serveOptions, error) {
	o := serveOptions{}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	fs.StringVar(&o.addr, "addr", env.cfg.Addr, "listen address (SAPQR_ADDR)")
	fs.StringVar(&o.databaseURL, "database-url", env.cfg.DatabaseURL, "sqlite:FILE or postgres://… (SAPQR_DATABASE_URL)")
	fs.StringVar(&o.redisURL, "redis-url", env.cfg.RedisURL, "redis://… for shared counters; empty for in-memory (SAPQR_REDIS_URL)")
	fs.StringVar(&o.redisNamespace, "redis-namespace", env.getenv("SAPQR_REDIS_NAMESPACE"), "prefix of the counters' Redis keys, to share one Redis between deployments (SAPQR_REDIS_NAMESPACE; default sapqr)")
	fs.BoolVar(&o.demo, "demo", false, "on an empty database, create a demo commune with two markets of registered vendors (some signs printed, first payments confirmed) and a demo admin (password printed once)")
	fs.BoolVar(&o.secureCookies, "secure-cookies", envBool(env.getenv("SAPQR_SECURE_COOKIES")), "mark session cookies Secure; set behind HTTPS (SAPQR_SECURE_COOKIES)")
	fs.BoolVar(&o.trustProxy, "trust-proxy", envBool(env.getenv("SAPQR_TRUST_PROXY")), "take client addresses from X-Forwarded-For; only behind a proxy that sets it (SAPQR_TRUST_PROXY)")
	fs.IntVar(&o.maxInFlight, "max-in-flight", envInt(env.getenv("SAPQR_MAX_IN_FLIGHT"), 512), "requests served at once before answering 503 (SAPQR_MAX_IN_FLIGHT)")
	fs.DurationVar(&o.shutdownTimeout, "shutdown-timeout", 25*time.Second, "how long shutdown waits for requests in flight")
	level := env.getenv("SAPQR_LOG_LEVEL")
	if level == "" {
		level = "info"
	}
	fs.Func("log-level", "debug, info, warn or error (SAPQR_LOG_LEVEL; default info)", func(s string) error { level = s; return nil })
	if err := fs.Parse(args); err != nil {
		return o, exitCode(2)
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("serve: unexpected argument %q", fs.Arg(0))
	}
	if err := o.logLevel.UnmarshalText([]byte(level)); err != nil {
		return o, fmt.Errorf("serve: log level %q: want debug, info, warn or error", level)
	}
	if o.maxInFlight < 1 {
		return o, fmt.Errorf("serve: --max-in-flight %d: want 1 or more", o.maxInFlight)
	}
	return o, nil
}

func envBool(s string) bool {
	b, _ := strconv.ParseBool(s)
	return b
}

func envInt(s string, def int) int {
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	return def
}

// cmdServe serves the API and web UI until ctx is cancelled (SIGINT,
// SIGTERM): it migrates the database, starts the adoption counters loop,
// listens, and on cancel stops accepting, drains requests in flight for
// up to --shutdown-timeout and closes the database and Redis.
func cmdServe(ctx context.Context, env *environment, args []string) error {
	o, err := parseServeFlags(env, args)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(env.stderr, &slog.HandlerOptions{Level: o.logLevel}))

	// The flags override the environment's configuration.
	cfg := env.cfg
	cfg.DatabaseURL, cfg.RedisURL = o.databaseURL, o.redisURL
	store, err := openMigrated(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	units, err := merchants.LoadUnits(time.Now())
	if err != nil {
		return fmt.Errorf("serve: administrative units: %w", err)
	}
	svc := merchants.NewService(store, merchants.Config{Units: units})

	counters, pingCounters, closeCounters, err := openCounters(ctx, cfg, o.redisNamespace)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	defer closeCounters()
	var countersCheck api.Pinger // nil for in-memory counters: nothing to reach
	if pingCounters != nil {
		countersCheck = api.PingFunc(pingCounters)
	}
	adoption := merchants.NewAdoptionService(store, counters, merchants.AdoptionConfig{Logger: log, Units: units})

	if o.demo {
		if err := createDemo(ctx, svc, units, env.stdout); err != nil {
			return err
		}
	}

	renderer, err := printables.NewRenderer()
	if err != nil {
		return fmt.Errorf("serve: sign fonts: %w", err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	srv, err := api.New(api.Config{
		Merchants:     svc,
		Units:         units,
		Adoption:      adoption,
		Signs:         renderer,
		Idempotency:   store,
		Database:      store,
		Counters:      countersCheck,
		Logger:        log,
		Registerer:    reg,
		Gatherer:      reg,
		Version:       version,
		SecureCookies: o.secureCookies,
		TrustProxy:    o.trustProxy,
		MaxInFlight:   o.maxInFlight,
	})
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	hs := &http.Server{
		Handler:           srv,
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
	wg.Go(func() { _ = adoption.Run(bg) })
	wg.Go(func() { purgeExpired(bg, store, svc, log) })

	// Said once Shutdown has closed the listener and is waiting for the
	// requests in flight: from then on no new request is taken.
	hs.RegisterOnShutdown(func() {
		fmt.Fprintln(env.stdout, "sapqr: shutting down: draining requests in flight")
	})
	serveErr := make(chan error, 1)
	go func() { serveErr <- hs.Serve(ln) }()
	fmt.Fprintf(env.stdout, "sapqr: listening on http://%s\n", ln.Addr())
	log.Info("serving", "addr", ln.Addr().String(), "version", version, "database", dialectOf(o.databaseURL), "redis", o.redisURL != "")

	select {
	case err = <-serveErr:
		stopBG()
		wg.Wait()
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: draining requests in flight", "timeout", o.shutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), o.shutdownTimeout)
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

func dialectOf(dbURL string) string {
	if strings.HasPrefix(dbURL, "sqlite:") {
		return "sqlite"
	}
	return "postgres"
}

// purgeExpired deletes expired Idempotency-Key answers and expired
// sessions every hour, so neither table grows without bound. Expired rows
// are ignored anyway, so a failed purge only costs space.
func purgeExpired(ctx context.Context, store *gormstore.Store, svc *merchants.Service, log *slog.Logger) {
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
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Demo data of `serve --demo`.
const (
	demoAdmin    = "demo-admin"
	demoProvince = "01" // Hà Nội
)

// createDemo fills a database with no market yet with the demo data of
// merchants.SeedDemo in the first commune of demoProvince (two markets,
// vendors registered, some signs printed and first payments confirmed,
// all through the service, so audited and counted), adds a demo admin
// with a random password and prints the login once to w. On any other
// database it does nothing: demo data never mixes with real data.
func createDemo(ctx context.Context, svc *merchants.Service, units *merchants.Units, w io.Writer) error {
	page, err := svc.ListMarkets(ctx, systemActor, merchants.MarketFilter{Limit: 1})
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if len(page.Markets) > 0 {
		fmt.Fprintln(w, "sapqr: --demo: the database already holds markets; no demo data added")
		return nil
	}
	communes, err := units.Communes(demoProvince)
	if err != nil || len(communes) == 0 {
		return fmt.Errorf("demo: no commune in province %s: %v", demoProvince, err)
	}
	commune := communes[0]
	res, err := svc.SeedDemo(ctx, systemActor, commune, nil)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	names := make([]string, len(res.Markets))
	for i, m := range res.Markets {
		names[i] = strconv.Quote(m.Name)
	}
	fmt.Fprintf(w, "sapqr: demo data: %s (commune %s): markets %s with %d vendors, some with printed signs and confirmed first payments\n",
		commune.FullName(), commune.Code, strings.Join(names, " and "), res.Vendors)

	password := rand.Text()
	_, err = svc.CreateUser(ctx, systemActor, merchants.CreateUserInput{
		Username: demoAdmin, Password: password, DisplayName: "Demo admin", Role: merchants.RoleAdmin,
	})
	if errors.Is(err, merchants.ErrConflict) {
		fmt.Fprintf(w, "sapqr: --demo: user %s already exists; its password is unchanged\n", demoAdmin)
		return nil
	}
	if err != nil {
		return fmt.Errorf("demo admin: %w", err)
	}
	fmt.Fprintf(w, "sapqr: demo login (shown once): username %s password %s\n", demoAdmin, password)
	return nil
}

// stringList is a repeatable flag; commas also separate values.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }

func (l *stringList) Set(s string) error {
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			*l = append(*l, v)
		}
	}
	return nil
}

// cmdUser manages users: `sapqr user add --role admin|province|commune|member
// --username U [--commune CODE...] [--province CODE] [--display-name NAME]
// --password-stdin`.
func cmdUser(ctx context.Context, env *environment, args []string) error {
	if len(args) == 0 || args[0] != "add" {
		fmt.Fprintln(env.stderr, "usage: sapqr user add --role admin|province|commune|member --username U [--commune CODE...] [--province CODE] [--display-name NAME] --password-stdin")
		return exitCode(2)
	}
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	var (
		role, username, province, display string
		communes                          stringList
		passwordStdin                     bool
	)
	fs.StringVar(&role, "role", "", "admin, province, commune or member")
	fs.StringVar(&username, "username", "", "3 to 64 of a-z, 0-9, '.', '_' and '-'")
	fs.Var(&communes, "commune", "commune code in the user's scope (repeat, or separate with commas); commune and member roles")
	fs.StringVar(&province, "province", "", "province code of a province officer")
	fs.StringVar(&display, "display-name", "", "name shown in the UI")
	fs.BoolVar(&passwordStdin, "password-stdin", false, "read the password from the first line of standard input (required)")
	if err := fs.Parse(args[1:]); err != nil {
		return exitCode(2)
	}
	if !passwordStdin {
		return errors.New("user add: --password-stdin is required: passwords are never taken from the command line, where other users can read them")
	}
	line, err := bufio.NewReader(env.stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("user add: read password: %w", err)
	}
	password := strings.TrimRight(line, "\r\n")

	svc, done, err := openService(ctx, env)
	if err != nil {
		return err
	}
	defer done()
	u, err := svc.CreateUser(ctx, systemActor, merchants.CreateUserInput{
		Username: username, Password: password, DisplayName: display, Role: merchants.Role(role),
		ProvinceCode: province, CommuneCodes: communes,
	})
	var ve *merchants.ValidationError
	if errors.As(err, &ve) {
		for _, f := range ve.Fields {
			fmt.Fprintf(env.stderr, "sapqr: user add: %s: %s\n", flagOf(f.Field), f.Message)
		}
		return exitCode(1)
	}
	if err != nil {
		return fmt.Errorf("user add: %w", err)
	}
	fmt.Fprintf(env.stdout, "created user %s (id %d, role %s)\n", u.Username, u.ID, u.Role)
	return nil
}

// flagOf names the flag that sets a CreateUserInput field.
func flagOf(field string) string {
	switch {
	case field == "password":
		return "password (stdin)"
	case field == "province_code":
		return "--province"
	case strings.HasPrefix(field, "commune_codes"):
		return "--commune"
	case field == "display_name":
		return "--display-name"
	}
	return "--" + field
}
