package merchants

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultCho40Threshold is the share of active stalls with QR at which a
// market is "chợ 4.0" in a province that set no threshold of its own.
const DefaultCho40Threshold = 0.8

// Source says where adoption figures come from.
type Source string

// Sources of adoption figures.
const (
	// SourceCache: the counters (Redis or the in-memory default), with
	// the few changes still in the outbox laid over them: complete and up
	// to date with every change committed before the read.
	SourceCache Source = "cache"
	// SourceDatabase: a recount in the database, because the counters were
	// cold, unreachable or behind by more than a drain batch.
	SourceDatabase Source = "database"
)

// CountSums is the sum of the counts of a set of markets: a commune, a
// province or the whole country.
type CountSums struct {
	Markets            int64 `json:"markets"`
	StallsDeclared     int64 `json:"stalls_declared"`
	StallsActive       int64 `json:"stalls_active"`
	StallsWithQR       int64 `json:"stalls_with_qr"`
	Vendors            int64 `json:"vendors"`
	VendorsWithQR      int64 `json:"vendors_with_qr"`
	SignsPrinted       int64 `json:"signs_printed"`
	VendorsTransacting int64 `json:"vendors_transacting"`
}

// Add counts one more market.
func (s *CountSums) Add(c MarketCounts) {
	s.Markets++
	s.StallsDeclared += c.StallsDeclared
	s.StallsActive += c.StallsActive
	s.StallsWithQR += c.StallsWithQR
	s.Vendors += c.Vendors
	s.VendorsWithQR += c.VendorsWithQR
	s.SignsPrinted += c.SignsPrinted
	s.VendorsTransacting += c.VendorsTransacting
}

// AdoptionCounters is the Counters the adoption service needs: the held
// market counts plus the unit totals kept in step with them.
type AdoptionCounters interface {
	Counters
	// Totals returns the held sums of the filter's unit: its commune, else
	// its province, else the whole country (MarketIDs are ignored). It
	// returns ErrCountersCold and ErrCountersUnavailable like Markets.
	Totals(ctx context.Context, f UnitFilter) (CountSums, error)
	// CheckTotals compares every held total with the sum of the held
	// market counts, atomically, and returns the units whose totals
	// differ (a commune's without its province; the country as the zero
	// Unit). It changes nothing: Rebuild repairs them. It returns
	// ErrCountersCold and ErrCountersUnavailable like Markets.
	CheckTotals(ctx context.Context) ([]Unit, error)
}

// AdoptionStore is the part of the relational store the adoption service
// reads and writes besides the counter outbox (implemented by
// merchants/gormstore). Days are calendar days in Vietnam, passed as
// midnight UTC of that date.
type AdoptionStore interface {
	CounterStore
	// Cho40Thresholds returns the thresholds provinces have set; a province
	// missing from the map uses DefaultCho40Threshold.
	Cho40Thresholds(ctx context.Context) (map[string]float64, error)
	// SetCho40Threshold sets a province's threshold (0 < t ≤ 1).
	SetCho40Threshold(ctx context.Context, provinceCode string, threshold float64) error
	// AdoptionTargets returns the targets of the filter's commune, or of the
	// filter's province and its communes, or every target; ordered by unit
	// and due date.
	AdoptionTargets(ctx context.Context, f UnitFilter) ([]AdoptionTarget, error)
	// SetAdoptionTarget creates or replaces the target of a unit and due date.
	SetAdoptionTarget(ctx context.Context, t AdoptionTarget) error
	// SaveAdoptionSnapshot stores the counts of markets for day, replacing
	// what the same day held for those markets.
	SaveAdoptionSnapshot(ctx context.Context, day time.Time, counts []MarketCounts) error
	// AdoptionSnapshotAt returns, for each of the filter's markets, its
	// counts in the newest snapshot on or before day (none for a market
	// with no snapshot by then), ordered by market ID.
	AdoptionSnapshotAt(ctx context.Context, f UnitFilter, day time.Time) ([]MarketCounts, error)
	// AdoptionSeries returns the sums of the filter's markets for every
	// snapshot day from from to to inclusive, oldest first.
	AdoptionSeries(ctx context.Context, f UnitFilter, from, to time.Time) ([]AdoptionPoint, error)
	// MemberAdoption returns, per user who registered vendors in the
	// filter's markets, the counts of the active vendors they registered.
	MemberAdoption(ctx context.Context, f UnitFilter) ([]MemberAdoption, error)
	// MarketNames returns the names of the filter's markets by ID.
	MarketNames(ctx context.Context, f UnitFilter) (map[int64]string, error)
	// AssistCounts returns, per market of the filter with any, how many
	// vendors the team helped with each assist from from (included) to to
	// (excluded), ordered by market ID.
	AssistCounts(ctx context.Context, f UnitFilter, from, to time.Time) ([]AssistCount, error)
	// PendingCounterMarkets returns, in one statement, the markets of the
	// oldest limit outbox rows, each once, with only MarketID, CommuneCode
	// and ProvinceCode set, and whether more rows wait.
	PendingCounterMarkets(ctx context.Context, limit int) (markets []MarketCounts, more bool, err error)
}

// MarketAdoption is the adoption of one market, with the meanings of
// DESIGN.md "Adoption fields".
type MarketAdoption struct {
	MarketID           int64  `json:"market_id"`
	CommuneCode        string `json:"commune_code"`
	ProvinceCode       string `json:"province_code"`
	StallsDeclared     int64  `json:"stalls_declared"`
	StallsActive       int64  `json:"stalls_active"`
	StallsWithQR       int64  `json:"stalls_with_qr"`
	Vendors            int64  `json:"vendors"`
	VendorsWithQR      int64  `json:"vendors_with_qr"`
	SignsPrinted       int64  `json:"signs_printed"`
	VendorsTransacting int64  `json:"vendors_transacting"`
	// QRRate is StallsWithQR ÷ StallsActive, 0 when no stall is active.
	QRRate float64 `json:"qr_rate"`
	// TransactingRate is VendorsTransacting ÷ Vendors, 0 without vendors.
	TransactingRate float64 `json:"transacting_rate"`
	// Cho40 is QRRate ≥ Threshold, the threshold of the market's province.
	Cho40     bool    `json:"cho40"`
	Threshold float64 `json:"cho40_threshold"`
	Source    Source  `json:"source"`
	// Stale is true when the database could not be reached and the
	// figures are the counters as they stood, in step with it, at AsOf
	// (zero otherwise); see Freshness.
	Stale bool      `json:"stale"`
	AsOf  time.Time `json:"as_of,omitzero"`
}

// UnitAdoption is the adoption of a commune, a province or the country: the
// market fields summed, plus Markets and Cho40Markets.
type UnitAdoption struct {
	ProvinceCode string `json:"province_code,omitempty"`
	CommuneCode  string `json:"commune_code,omitempty"`
	CountSums
	Cho40Markets    int64   `json:"cho40_markets"`
	QRRate          float64 `json:"qr_rate"`
	TransactingRate float64 `json:"transacting_rate"`
	// Cho40 is QRRate ≥ Threshold, the threshold of the unit's province
	// (DefaultCho40Threshold for the country).
	Cho40     bool    `json:"cho40"`
	Threshold float64 `json:"cho40_threshold"`
	Source    Source  `json:"source"`
	// Stale is true when the database could not be reached and the
	// figures are the counters as they stood, in step with it, at AsOf
	// (zero otherwise); see Freshness.
	Stale bool      `json:"stale"`
	AsOf  time.Time `json:"as_of,omitzero"`
}

// AdoptionTarget is a goal for a commune or a province: a share of its
// markets chợ 4.0 by a date ("all markets chợ 4.0 by 2026-12-31" is
// Cho40Share 1 with Due 2026-12-31).
type AdoptionTarget struct {
	ProvinceCode string    `json:"province_code"`
	CommuneCode  string    `json:"commune_code,omitempty"` // empty for the province
	Cho40Share   float64   `json:"cho40_share"`            // 0 < share ≤ 1
	Due          time.Time `json:"due"`                    // a day, midnight UTC
}

// AdoptionPoint is a unit's sums on one snapshot day.
type AdoptionPoint struct {
	Day time.Time `json:"day"`
	CountSums
}

// MemberAdoption counts the active vendors one team member registered.
type MemberAdoption struct {
	UserID             int64  `json:"user_id"`
	Username           string `json:"username"`
	Vendors            int64  `json:"vendors"`
	VendorsWithQR      int64  `json:"vendors_with_qr"`
	SignsPrinted       int64  `json:"signs_printed"`
	VendorsTransacting int64  `json:"vendors_transacting"`
}

// DriftReport is what a reconcile found and repaired.
type DriftReport struct {
	At time.Time `json:"at"`
	// Markets is how many markets the database recount holds.
	Markets int `json:"markets"`
	// WasCold: the counters were not built (or were flushed), so they were
	// rebuilt whole; nothing else is reported.
	WasCold bool `json:"was_cold"`
	// Drift lists the markets whose held counts were wrong.
	Drift []MarketDrift `json:"drift"`
	// Pending counts markets whose newer counts wait in the outbox: not
	// drift, they are applied by the next drain.
	Pending int `json:"pending"`
	// Ahead counts markets that changed after the recount's snapshot; the
	// newer held counts were kept.
	Ahead int `json:"ahead"`
	// Totals lists the units (the country as the zero Unit, a commune
	// without its province) whose held totals were not the sum of their
	// held markets; the repair recomputed them.
	Totals []Unit `json:"totals_drift"`
}

// DriftKind says how a market's held counts were wrong.
type DriftKind string

// Kinds of drift.
const (
	// DriftCounts: the same version as the database with other numbers.
	DriftCounts DriftKind = "counts"
	// DriftStale: an older version than the database with nothing pending
	// in the outbox (an update was lost).
	DriftStale DriftKind = "stale"
	// DriftMissing: not held at all with nothing pending.
	DriftMissing DriftKind = "missing"
)

// MarketDrift is one market whose held counts were wrong and were replaced
// by the database's.
type MarketDrift struct {
	MarketID int64         `json:"market_id"`
	Kind     DriftKind     `json:"kind"`
	Held     *MarketCounts `json:"held,omitempty"` // nil when missing
	Database MarketCounts  `json:"database"`
}

// AdoptionConfig tunes an AdoptionService. The zero value is usable.
type AdoptionConfig struct {
	// BatchSize is how many outbox rows one drain round trip applies;
	// 0 for 500.
	BatchSize int
	// DrainEvery is how often Run drains the outbox when nothing wakes it;
	// 0 for 200ms.
	DrainEvery time.Duration
	// ProbeEvery is how often Run checks that the counters are built (a
	// flushed or restarted Redis is rebuilt without waiting for a read);
	// 0 for 2s.
	ProbeEvery time.Duration
	// ReconcileEvery is how often Run reconciles; 0 for 15 minutes.
	ReconcileEvery time.Duration
	// SnapshotEvery is how often Run records today's snapshot (the last one
	// of a day stands for that day); 0 for 1 hour.
	SnapshotEvery time.Duration
	// Logger receives what Run does and what goes wrong; nil discards.
	Logger *slog.Logger
	// Now is the clock; nil for time.Now.
	Now func() time.Time
	// Units names communes in reports; nil reports their codes.
	Units *Units
}

// AdoptionService keeps the adoption counters in step with the database and
// answers adoption reads from them, or from the database when they cannot
// be trusted. Registrations never wait on it: they only write the outbox.
type AdoptionService struct {
	store    AdoptionStore
	counters AdoptionCounters
	cfg      AdoptionConfig
	log      *slog.Logger

	drainMu   sync.Mutex // one drain at a time in this process
	rebuildMu sync.Mutex // one rebuild or reconcile at a time
	wake      chan struct{}
	cold      chan struct{}

	// thresholds are those the last pendingRound read.
	thrMu      sync.Mutex
	thresholds map[string]float64

	pending pendingGate

	// inStep is when the counters were last known to hold every change
	// committed to the database (Unix nanoseconds, 0 for never): what a
	// read answers with while the database cannot be reached.
	inStep atomic.Int64
}

// NewAdoptionService returns a service over the store and the counters.
func NewAdoptionService(store AdoptionStore, counters AdoptionCounters, cfg AdoptionConfig) *AdoptionService {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 500
	}
	def(&cfg.DrainEvery, 200*time.Millisecond)
	def(&cfg.ProbeEvery, 2*time.Second)
	def(&cfg.ReconcileEvery, 15*time.Minute)
	def(&cfg.SnapshotEvery, time.Hour)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &AdoptionService{
		store: store, counters: counters, cfg: cfg, log: log,
		wake: make(chan struct{}, 1), cold: make(chan struct{}, 1),
	}
}
