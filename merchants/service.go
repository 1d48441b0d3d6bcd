package merchants

import (
	"crypto/rand"
	"io"
	"runtime"
	"time"
)

// UnitResolver answers questions about administrative units (implemented
// over the reference data in merchants/units).
type UnitResolver interface {
	// ProvinceOfCommune returns the code of the province a commune in force
	// belongs to, or an error wrapping ErrNotFound for an unknown commune.
	ProvinceOfCommune(communeCode string) (string, error)
}

// Config tunes a Service. The zero Config is usable: no unit directory,
// the real clock and random source, and the defaults below.
type Config struct {
	// Units checks commune codes and finds their province. When nil,
	// CreateMarketInput.ProvinceCode is required and codes are only checked
	// for their shape.
	Units UnitResolver
	// Now is the clock; nil for time.Now.
	Now func() time.Time
	// Random is the source of tokens and salts; nil for crypto/rand.
	Random io.Reader
	// SessionTTL is how long a login token is valid; 0 for 12 hours.
	SessionTTL time.Duration
	// Password are the argon2id parameters for new password hashes; the
	// zero value for the OWASP minimum (19 MiB, two passes, one lane).
	// At most GOMAXPROCS hashes run at once, bounding the memory a storm
	// of logins takes; the others wait their turn.
	Password PasswordParams
	// LoginThrottle keeps failed-login counts every replica shares (Redis
	// when configured); nil for the Store's own table.
	LoginThrottle LoginThrottle
	// DefaultPageSize and MaxPageSize bound list pages; 0 for 50 and 200.
	DefaultPageSize int
	MaxPageSize     int
}

// Service is the SạpQR domain: every call takes the Actor making it,
// checks it with Authorize, validates its input, and changes the Store in
// one transaction with an audit entry and, when counts move, a counter
// outbox row.
type Service struct {
	store      Store
	units      UnitResolver
	now        func() time.Time
	random     io.Reader
	sessionTTL time.Duration
	passwords  *passwordHasher
	throttle   LoginThrottle
	pageSize   int
	maxPage    int
	outage     outageMemo // see AuthenticateRead
}

// NewService returns a Service keeping its data in store.
func NewService(store Store, cfg Config) *Service {
	s := &Service{
		store:      store,
		units:      cfg.Units,
		now:        cfg.Now,
		random:     cfg.Random,
		sessionTTL: cfg.SessionTTL,
		pageSize:   cfg.DefaultPageSize,
		maxPage:    cfg.MaxPageSize,
		throttle:   cfg.LoginThrottle,
	}
	if s.throttle == nil {
		s.throttle = store
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.random == nil {
		s.random = rand.Reader
	}
	if s.sessionTTL <= 0 {
		s.sessionTTL = 12 * time.Hour
	}
	pp := cfg.Password
	if pp == (PasswordParams{}) {
		pp = defaultPasswordParams()
	}
	// argon2id is CPU-bound: more runs than CPUs finish no sooner, and
	// each holds its memory cost while it waits for a CPU.
	s.passwords = newPasswordHasher(pp, s.random, runtime.GOMAXPROCS(0))
	if s.maxPage <= 0 {
		s.maxPage = 200
	}
	if s.pageSize <= 0 {
		s.pageSize = min(50, s.maxPage)
	}
	return s
}

// MaxPageSize is the largest page a list returns.
func (s *Service) MaxPageSize() int { return s.maxPage }

// clock returns the current time in UTC, truncated to microseconds as both
// databases store it, so a value read back equals the value written.
func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }
