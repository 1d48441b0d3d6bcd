package main

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sapqr/sapqr/merchants/rediscounters"
)

// config is the process configuration. It is read here and nowhere else:
// every environment variable by loadConfig, and the flags of `sapqr serve`,
// which override them, by parseServeFlags. A bad value is refused with the
// name of its variable or flag and what is allowed (exit status 2).
type config struct {
	// Addr is the listen address (SAPQR_ADDR, --addr).
	Addr string
	// DatabaseURL selects the store (SAPQR_DATABASE_URL, --database-url):
	// "sqlite:FILE" for the embedded default, "postgres://…" for PostgreSQL.
	DatabaseURL string
	// RedisURL selects the counters (SAPQR_REDIS_URL, --redis-url): empty for
	// in-memory counters, else a URL rediscounters.NewClient accepts.
	RedisURL string
	// RedisNamespace prefixes the counters' keys (SAPQR_REDIS_NAMESPACE,
	// --redis-namespace); empty for rediscounters.DefaultNamespace.
	RedisNamespace string
	// SecureCookies marks the session cookies Secure (SAPQR_SECURE_COOKIES,
	// --secure-cookies).
	SecureCookies bool
	// TrustProxy takes client addresses from X-Forwarded-For
	// (SAPQR_TRUST_PROXY, --trust-proxy).
	TrustProxy bool
	// AnswerKey seals stored Idempotency-Key answers (SAPQR_ANSWER_KEY):
	// 32 bytes, given as base64 or hex; empty for none.
	AnswerKey []byte
	// MaxInFlight bounds the requests served at once (SAPQR_MAX_IN_FLIGHT,
	// --max-in-flight).
	MaxInFlight int
	// LogLevel is the least level logged (SAPQR_LOG_LEVEL, --log-level).
	LogLevel slog.Level
	// ShutdownTimeout bounds the drain of requests in flight
	// (--shutdown-timeout).
	ShutdownTimeout time.Duration
	// Demo creates demo data and a demo admin on an empty database (--demo).
	Demo bool
	// TransferMemoRetention is how long transfer memos and payer names are
	// kept (SAPQR_TRANSFER_MEMO_RETENTION, --transfer-memo-retention); 0
	// for merchants' default, 30 days.
	TransferMemoRetention time.Duration
}

// setting is one configuration value: its environment variable (if any),
// its flag of `serve` (if any), the flag's help and where it parses to.
type setting struct {
	env, flag, usage string
	value            flag.Value
}

// settings lists every setting of cfg, bound to its fields.
func (cfg *config) settings() []setting {
	return []setting{
		{"SAPQR_ADDR", "addr", "listen address, host:port", checkedString(&cfg.Addr, checkAddr)},
		{"SAPQR_DATABASE_URL", "database-url", "sqlite:FILE or postgres://…", checkedString(&cfg.DatabaseURL, checkDatabaseURL)},
		{"SAPQR_REDIS_URL", "redis-url", "redis://… (one server, Sentinel with master_name=, Cluster with addr= or cluster=true) for shared counters; empty for in-memory", checkedString(&cfg.RedisURL, checkRedisURL)},
		{"SAPQR_REDIS_NAMESPACE", "redis-namespace", "prefix of the counters' Redis keys, to share one Redis between deployments (default sapqr)", checkedString(&cfg.RedisNamespace, rediscounters.CheckNamespace)},
		{"SAPQR_SECURE_COOKIES", "secure-cookies", "mark session cookies Secure (and name them __Host-…); set behind HTTPS", (*strictBool)(&cfg.SecureCookies)},
		{"SAPQR_TRUST_PROXY", "trust-proxy", "take client addresses from X-Forwarded-For; only behind a proxy that sets it", (*strictBool)(&cfg.TrustProxy)},
		{"SAPQR_ANSWER_KEY", "", "32 random bytes (base64 or hex), the same on every replica, mixed into the key that seals stored Idempotency-Key answers", (*secretKey)(&cfg.AnswerKey)},
		{"SAPQR_MAX_IN_FLIGHT", "max-in-flight", "requests served at once before answering 503", &positiveInt{&cfg.MaxInFlight}},
		{"SAPQR_LOG_LEVEL", "log-level", "debug, info, warn or error", (*logLevel)(&cfg.LogLevel)},
		{"", "shutdown-timeout", "how long shutdown waits for requests in flight", &positiveDuration{&cfg.ShutdownTimeout}},
		{"SAPQR_TRANSFER_MEMO_RETENTION", "transfer-memo-retention", "how long transfer memos and payer names are kept before they are cleared, amounts and times staying (default 720h, 30 days)", &positiveDuration{&cfg.TransferMemoRetention}},
		{"", "demo", "on an empty database, create a demo commune with two markets of registered vendors (some signs printed, first payments confirmed) and a demo admin (password printed once); refused on a database with other users", (*strictBool)(&cfg.Demo)},
	}
}

// defaultConfig is the configuration when nothing is set.
func defaultConfig() config {
	return config{
		Addr:            "127.0.0.1:8080",
		DatabaseURL:     "sqlite:sapqr.db",
		MaxInFlight:     512,
		LogLevel:        slog.LevelInfo,
		ShutdownTimeout: 25 * time.Second,
	}
}

// loadConfig reads every environment variable of the configuration from
// getenv; an unset or empty variable keeps its default. It returns a
// usageError naming each variable whose value is refused.
func loadConfig(getenv func(string) string) (config, error) {
	cfg := defaultConfig()
	var errs []error
	for _, s := range cfg.settings() {
		if s.env == "" {
			continue
		}
		if v := getenv(s.env); v != "" {
			if err := s.value.Set(v); err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: %w", s.env, v, err))
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return cfg, usageError{err}
	}
	return cfg, nil
}

// parseServeFlags reads the flags of `sapqr serve` over cfg (the
// environment's configuration); each flag defaults to its variable. It
// returns a usageError naming a refused flag, and flag.ErrHelp for -h.
func parseServeFlags(cfg config, args []string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	for _, s := range cfg.settings() {
		if s.flag == "" {
			continue // a secret: from the environment only, never on a command line
		}
		usage := s.usage
		if s.env != "" {
			usage += " (" + s.env + ")"
		}
		fs.Var(s.value, s.flag, usage)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return cfg, err
		}
		return cfg, usageError{fmt.Errorf("serve: %w", err)}
	}
	if fs.NArg() > 0 {
		return cfg, usageError{fmt.Errorf("serve: unexpected argument %q; every value goes with a flag", fs.Arg(0))}
	}
	return cfg, nil
}

func checkAddr(s string) error {
	_, port, err := net.SplitHostPort(s)
	if err != nil {
		return errors.New("want host:port, e.g. 127.0.0.1:8080 or :8080")
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return fmt.Errorf("port %q: want a number from 0 to 65535", port)
	}
	return nil
}

func checkDatabaseURL(s string) error {
	switch {
	case strings.HasPrefix(s, "sqlite:"):
		if strings.TrimPrefix(s, "sqlite:") == "" {
			return errors.New("want sqlite:FILE with a file name")
		}
		return nil
	case strings.HasPrefix(s, "postgres://"), strings.HasPrefix(s, "postgresql://"):
		u, err := url.Parse(s)
		if err != nil {
			return fmt.Errorf("want postgres://user@host/db?…: %v", errors.Unwrap(err))
		}
		if u.Host == "" {
			return errors.New("want postgres://user@host/db?…: the host is missing")
		}
		return nil
	}
	return errors.New("want sqlite:FILE or postgres://user@host/db?…")
}

func checkRedisURL(s string) error {
	if s == "" {
		return nil // in-memory counters
	}
	if err := rediscounters.CheckURL(s); err != nil {
		return fmt.Errorf("want empty (in-memory counters), redis://host:6379/0, a Sentinel URL (master_name=) or a Cluster URL (addr= or cluster=true): %w", err)
	}
	return nil
}

// checkedString is a string setting that check accepts.
func checkedString(p *string, check func(string) error) flag.Value {
	return &stringValue{p, check}
}

type stringValue struct {
	p     *string
	check func(string) error
}

func (v *stringValue) String() string {
	if v.p == nil {
		return ""
	}
	return *v.p
}

func (v *stringValue) Set(s string) error {
	if err := v.check(s); err != nil {
		return err
	}
	*v.p = s
	return nil
}

// strictBool is a boolean setting: true, false, 1 or 0 in any case, and
// nothing else (strconv.ParseBool would also take t, f and True). As a
// flag, its name alone means true.
type strictBool bool

func (b *strictBool) String() string {
	if b == nil {
		return "false"
	}
	return strconv.FormatBool(bool(*b))
}

func (b *strictBool) Set(s string) error {
	switch strings.ToLower(s) {
	case "true", "1":
		*b = true
	case "false", "0":
		*b = false
	default:
		return errors.New("want true or false (or 1 or 0)")
	}
	return nil
}

// IsBoolFlag lets the flag be given without a value.
func (b *strictBool) IsBoolFlag() bool { return true }

// secretKey is a 32-byte key given as base64 (standard or URL alphabet,
// padded or not) or hex. Its String never shows it.
type secretKey []byte

func (k *secretKey) String() string {
	if k == nil || len(*k) == 0 {
		return ""
	}
	return "(set)"
}

func (k *secretKey) Set(s string) error {
	for _, dec := range []func(string) ([]byte, error){
		hex.DecodeString, base64.StdEncoding.DecodeString, base64.RawStdEncoding.DecodeString,
		base64.URLEncoding.DecodeString, base64.RawURLEncoding.DecodeString,
	} {
		if b, err := dec(s); err == nil && len(b) == 32 {
			*k = b
			return nil
		}
	}
	return errors.New("want 32 random bytes as base64 or hex, e.g. the output of `openssl rand -base64 32`")
}

// positiveInt is a whole-number setting of 1 or more.
type positiveInt struct{ p *int }

func (v *positiveInt) String() string {
	if v.p == nil {
		return "0"
	}
	return strconv.Itoa(*v.p)
}

func (v *positiveInt) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return errors.New("want a whole number of 1 or more")
	}
	*v.p = n
	return nil
}

// positiveDuration is a duration setting above zero.
type positiveDuration struct{ p *time.Duration }

func (v *positiveDuration) String() string {
	if v.p == nil {
		return "0s"
	}
	return v.p.String()
}

func (v *positiveDuration) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return errors.New("want a duration above zero with its unit, e.g. 25s or 1m30s")
	}
	*v.p = d
	return nil
}

// logLevel is the log level setting.
type logLevel slog.Level

func (l *logLevel) String() string {
	if l == nil {
		return "info"
	}
	return strings.ToLower(slog.Level(*l).String())
}

func (l *logLevel) Set(s string) error {
	switch strings.ToLower(s) {
	case "debug":
		*l = logLevel(slog.LevelDebug)
	case "info":
		*l = logLevel(slog.LevelInfo)
	case "warn":
		*l = logLevel(slog.LevelWarn)
	case "error":
		*l = logLevel(slog.LevelError)
	default:
		return errors.New("want debug, info, warn or error")
	}
	return nil
}
