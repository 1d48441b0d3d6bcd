package api

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/sapqr/sapqr/merchants"
	"github.com/sapqr/sapqr/printables"
)

// IdempotencyStore keeps the first answer to each (user, Idempotency-Key)
// so a retried POST is answered without running again. Implemented by
// merchants/gormstore, so every replica shares it.
type IdempotencyStore interface {
	// ClaimIdempotencyKey claims key for userID on behalf of claim (an ID
	// unique to one request) with the request's fingerprint, blocking
	// other requests under the key until now+lease; the record lives for
	// ttl. claimed is true when the key was free, its record had expired,
	// the claim holding it outlived its lease, or abandoned(holder)
	// reports the holder's request over; otherwise heldFingerprint and
	// response are what is held, response being nil while the holder's
	// request runs. Of concurrent claims exactly one wins.
	ClaimIdempotencyKey(ctx context.Context, userID int64, key, fingerprint, claim string, now time.Time, lease, ttl time.Duration, abandoned func(holder string) bool) (claimed bool, heldFingerprint string, response []byte, err error)
	// ClaimsInTransaction reports whether a claim made inside Atomically
	// belongs to its transaction: then the claim, the request's writes and
	// its answer commit together, a concurrent request under the key is
	// told at once that it is in progress, and a failed request leaves no
	// claim behind. Otherwise claims are made before Atomically and
	// released when the request fails.
	ClaimsInTransaction() bool
	// Atomically runs fn with a context whose store calls, the domain's
	// included, share one transaction, committed when fn returns nil and
	// rolled back otherwise.
	Atomically(ctx context.Context, fn func(ctx context.Context) error) error
	// SaveIdempotentResponse stores the answer of the request holding key
	// under claim; it fails when claim no longer holds the key.
	SaveIdempotentResponse(ctx context.Context, userID int64, key, claim string, response []byte) error
	// ReleaseIdempotencyKey forgets claim's hold on key, so a retry runs
	// again. A stored answer, another claim's hold and an unknown key are
	// left alone without error.
	ReleaseIdempotencyKey(ctx context.Context, userID int64, key, claim string) error
}

// Config is what a Server is built from. Merchants, Units, Adoption,
// Signs, Idempotency and Database are required; the rest have defaults.
type Config struct {
	// Merchants is the domain service every resource route calls.
	Merchants *merchants.Service
	// Units is the administrative-unit directory in force.
	Units *merchants.Units
	// Adoption answers adoption figures and reports.
	Adoption *merchants.AdoptionService
	// Transfers receives transfer notifications and serves hook sources;
	// nil serves none of their routes.
	Transfers *merchants.TransferService
	// Signs draws the PDF stall signs.
	Signs *printables.Renderer
	// Idempotency stores Idempotency-Key answers.
	Idempotency IdempotencyStore
	// Database is pinged by /readyz; when it fails the replica is "down".
	Database Pinger
	// Counters is pinged by /readyz; when it fails the replica is
	// "degraded". Nil when the counters are in-process.
	Counters Pinger

	// Logger receives one line per request and every server fault; nil
	// discards.
	Logger *slog.Logger
	// Registerer and Gatherer hold the API's Prometheus metrics and serve
	// /metrics; nil for a private registry.
	Registerer prometheus.Registerer
	Gatherer   prometheus.Gatherer
	// Version is reported by /healthz and /readyz.
	Version string

	// SecureCookies marks the session cookie Secure (serve behind HTTPS).
	SecureCookies bool
	// AnswerKey, when set, is mixed into the key that seals stored
	// Idempotency-Key answers (see sealed.go), so that even guessed
	// Idempotency-Keys do not open a copy of the database's answers. All
	// replicas need the same; changing it makes the answers stored before
	// unreadable (they expire within IdempotencyTTL).
	AnswerKey []byte
	// TrustProxy takes the client address from X-Forwarded-For, for the
	// login rate limit; only set it behind a proxy that overwrites it.
	TrustProxy bool

	// MaxBodyBytes caps JSON request bodies (default 64 KiB);
	// MaxUploadBytes caps file uploads (default 10 MiB).
	MaxBodyBytes   int64
	MaxUploadBytes int64
	// WriteTimeout bounds the handling of every request that changes
	// something (any method but GET and HEAD; default 10 s), UploadTimeout
	// that of a file upload (default 2 min): past it the request's context
	// ends and it answers 503. The bound is what keeps an Idempotency-Key
	// claim short: it is leased for the request's time left plus a margin,
	// so a retry reaching another replica after this one died waits at
	// most that long.
	WriteTimeout  time.Duration
	UploadTimeout time.Duration
	// MaxInFlight bounds the requests served at once (default 512);
	// QueueWait is how long a request past it waits for a slot before a
	// 503 (default 200 ms).
	MaxInFlight int
	QueueWait   time.Duration

	// Now is the clock; nil for time.Now.
	Now func() time.Time
}

// Server is the SạpQR HTTP API. It is an http.Handler; build it with New.
type Server struct {
	cfg      Config
	log      *slog.Logger
	echo     *echo.Echo
	metrics  *httpMetrics
	promh    http.Handler
	inflight chan struct{}
	openapi  []byte
	now      func() time.Time

	claims *claimSet
}

// New builds a Server with every route registered. It returns an error
// when a required dependency is missing or the metrics cannot be
// registered (a second Server on the same registry).
func New(cfg Config) (*Server, error) {
	if cfg.Merchants == nil || cfg.Units == nil || cfg.Adoption == nil || cfg.Signs == nil || cfg.Idempotency == nil || cfg.Database == nil {
		return nil, errors.New("api: Config needs Merchants, Units, Adoption, Signs, Idempotency and Database")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Registerer == nil || cfg.Gatherer == nil {
		reg := prometheus.NewRegistry()
		cfg.Registerer, cfg.Gatherer = reg, reg
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 64 << 10
	}
	if cfg.MaxUploadBytes <= 0 {
		cfg.MaxUploadBytes = 10 << 20
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = 10 * time.Second
	}
	if cfg.UploadTimeout <= 0 {
		cfg.UploadTimeout = 2 * time.Minute
	}
	if cfg.MaxInFlight <= 0 {
		cfg.MaxInFlight = 512
	}
	if cfg.QueueWait <= 0 {
		cfg.QueueWait = 200 * time.Millisecond
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	m, err := newHTTPMetrics(cfg.Registerer)
	if err != nil {
		return nil, err
	}
	doc, err := openapiJSON()
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:      cfg,
		log:      cfg.Logger,
		metrics:  m,
		inflight: make(chan struct{}, cfg.MaxInFlight),
		openapi:  doc,
		now:      cfg.Now,
		claims:   newClaimSet(),
	}
	s.promh = promHandler(cfg.Gatherer)

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.Logger.SetOutput(io.Discard)
	e.HTTPErrorHandler = s.handleError
	if cfg.TrustProxy {
		e.IPExtractor = echo.ExtractIPFromXFFHeader()
	} else {
		e.IPExtractor = echo.ExtractIPDirect()
	}
	s.echo = e
	s.routes()
	return s, nil
}

// ServeHTTP serves one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.echo.ServeHTTP(w, r) }
