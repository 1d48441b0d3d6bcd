package merchants

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
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
	// ThresholdsTTL is how long thresholds read from the store are reused
	// by this process; 0 for 1 minute.
	ThresholdsTTL time.Duration
	// Logger receives what Run does and what goes wrong; nil discards.
	Logger *slog.Logger
	// Now is the clock; nil for time.Now.
	Now func() time.Time
	// Units names communes in reports; nil reports their codes.
	Units *Units
}

// vietnam is the time zone of snapshot days (UTC+7, no daylight saving).
var vietnam = time.FixedZone("ICT", 7*60*60)

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

	thrMu      sync.Mutex
	thresholds map[string]float64
	thrRead    time.Time

	pending pendingGate
}

// pendingQueryTimeout bounds a shared outbox query, which no single
// reader's context may cancel.
const pendingQueryTimeout = 10 * time.Second

// pendingGate shares one query of the markets waiting in the outbox among
// the adoption reads of this process: a read joins the next query to
// begin, never one already running, so the answer covers every change
// committed before the read began. While a query runs the reads arriving
// wait for the next one, which then serves them all: one database round
// trip per query time instead of one per read.
type pendingGate struct {
	mu      sync.Mutex
	running bool
	next    *pendingRound
}

// pendingQuery reads the markets waiting in the outbox and whether the
// answer is complete (see AdoptionStore.PendingCounterMarkets).
type pendingQuery func(ctx context.Context) (markets []MarketCounts, more bool, err error)

// pendingRound is one shared query and its answer, valid once done is
// closed.
type pendingRound struct {
	done    chan struct{}
	markets []MarketCounts
	more    bool
	err     error
}

// markets returns the answer of a query that began after the call, or
// ctx's error if it ends first.
func (g *pendingGate) markets(ctx context.Context, query pendingQuery) ([]MarketCounts, bool, error) {
	g.mu.Lock()
	if g.next == nil {
		g.next = &pendingRound{done: make(chan struct{})}
	}
	r := g.next
	if !g.running {
		g.running, g.next = true, nil
		qctx := context.WithoutCancel(ctx)
		go g.run(qctx, r, query)
	}
	g.mu.Unlock()
	select {
	case <-r.done:
		return r.markets, r.more, r.err
	case <-ctx.Done():
		return nil, false, ctx.Err()
	}
}

// run answers r, then each round that readers joined meanwhile, until none
// is waiting.
func (g *pendingGate) run(ctx context.Context, r *pendingRound, query pendingQuery) {
	for r != nil {
		qctx, cancel := context.WithTimeout(ctx, pendingQueryTimeout)
		r.markets, r.more, r.err = query(qctx)
		cancel()
		close(r.done)
		g.mu.Lock()
		r, g.next = g.next, nil
		g.running = r != nil
		g.mu.Unlock()
	}
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
	def(&cfg.ThresholdsTTL, time.Minute)
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

// Notify wakes Run to drain the outbox now, for example after a change was
// committed. It never blocks.
func (s *AdoptionService) Notify() { signal(s.wake) }

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// Drain applies the outbox to the counters, one round trip per batch, and
// deletes the applied rows, until the outbox is empty. It returns how many
// rows it applied; on error (ErrCountersUnavailable when the counters
// cannot be reached, or a store error) the rows not applied stay in the
// outbox for the next drain.
func (s *AdoptionService) Drain(ctx context.Context) (int, error) {
	s.drainMu.Lock()
	defer s.drainMu.Unlock()
	applied := 0
	for {
		events, err := s.store.PendingCounterEvents(ctx, s.cfg.BatchSize)
		if err != nil {
			return applied, fmt.Errorf("adoption: drain: %w", err)
		}
		if len(events) == 0 {
			return applied, nil
		}
		newest := make(map[int64]MarketCounts, len(events))
		ids := make([]int64, len(events))
		for i, e := range events {
			ids[i] = e.ID
			if held, ok := newest[e.Counts.MarketID]; !ok || held.Version < e.Counts.Version {
				newest[e.Counts.MarketID] = e.Counts
			}
		}
		counts := make([]MarketCounts, 0, len(newest))
		for _, c := range newest {
			counts = append(counts, c)
		}
		if err := s.counters.Apply(ctx, counts); err != nil {
			return applied, fmt.Errorf("adoption: drain: %w", err)
		}
		// Deleting after applying: a crash in between applies the rows
		// again next time, which changes nothing.
		if err := s.store.DeleteCounterEvents(ctx, ids); err != nil {
			return applied, fmt.Errorf("adoption: drain: %w", err)
		}
		applied += len(events)
		if len(events) < s.cfg.BatchSize {
			return applied, nil
		}
	}
}

// Rebuild recounts every market in the database and rebuilds the counters
// from it. It returns how many markets it stored, and
// ErrCountersUnavailable, ErrCountersCold (flushed during the rebuild) or a
// store error.
func (s *AdoptionService) Rebuild(ctx context.Context) (int, error) {
	s.rebuildMu.Lock()
	defer s.rebuildMu.Unlock()
	counts, err := s.store.RecountMarkets(ctx, UnitFilter{})
	if err != nil {
		return 0, fmt.Errorf("adoption: rebuild: %w", err)
	}
	if err := s.counters.Rebuild(ctx, counts); err != nil {
		return 0, fmt.Errorf("adoption: rebuild: %w", err)
	}
	return len(counts), nil
}

// Reconcile recounts every market in the database, compares the counters
// with it, repairs them (a rebuild that keeps only held versions newer than
// the recount) and reports the drift it found. It returns
// ErrCountersUnavailable when the counters cannot be reached, or a store
// error; the report is valid only without error.
func (s *AdoptionService) Reconcile(ctx context.Context) (DriftReport, error) {
	s.rebuildMu.Lock()
	defer s.rebuildMu.Unlock()
	rep := DriftReport{At: s.cfg.Now().UTC()}
	recount, err := s.store.RecountMarkets(ctx, UnitFilter{})
	if err != nil {
		return rep, fmt.Errorf("adoption: reconcile: %w", err)
	}
	rep.Markets = len(recount)
	// Read the counters after the recount: a version held now that is older
	// than the recount's is either pending in the outbox or lost.
	held, err := s.counters.Markets(ctx, UnitFilter{})
	switch {
	case errors.Is(err, ErrCountersCold):
		rep.WasCold = true
	case err != nil:
		return rep, fmt.Errorf("adoption: reconcile: %w", err)
	}
	if !rep.WasCold {
		byID := make(map[int64]MarketCounts, len(held))
		for _, c := range held {
			byID[c.MarketID] = c
		}
		var behind []MarketCounts
		for _, db := range recount {
			h, ok := byID[db.MarketID]
			switch {
			case !ok || h.Version < db.Version:
				behind = append(behind, db)
			case h.Version > db.Version:
				rep.Ahead++
			case h != db:
				rep.Drift = append(rep.Drift, MarketDrift{MarketID: db.MarketID, Kind: DriftCounts, Held: &h, Database: db})
			}
		}
		lost, pending, err := s.lost(ctx, behind)
		if err != nil {
			return rep, fmt.Errorf("adoption: reconcile: %w", err)
		}
		rep.Pending = pending
		rep.Drift = append(rep.Drift, lost...)
		if rep.Totals, err = s.counters.CheckTotals(ctx); err != nil && !errors.Is(err, ErrCountersCold) {
			return rep, fmt.Errorf("adoption: reconcile: %w", err)
		}
		slices.SortFunc(rep.Drift, func(a, b MarketDrift) int { return cmp.Compare(a.MarketID, b.MarketID) })
	}
	if err := s.counters.Rebuild(ctx, recount); err != nil {
		return rep, fmt.Errorf("adoption: reconcile: repair: %w", err)
	}
	return rep, nil
}

// lost tells, among markets held older than the recount (or not at all),
// those whose newer counts wait in the outbox from those whose update was
// lost. A market is lost only if nothing was pending for it and it is still
// behind when read again afterwards: an event drained in between has
// reached the counters by then.
func (s *AdoptionService) lost(ctx context.Context, behind []MarketCounts) (lost []MarketDrift, pending int, err error) {
	for _, db := range behind {
		waiting, err := s.store.HasPendingCounterEvents(ctx, UnitFilter{MarketIDs: []int64{db.MarketID}})
		if err != nil {
			return nil, 0, err
		}
		if waiting {
			pending++
			continue
		}
		again, err := s.counters.Markets(ctx, UnitFilter{MarketIDs: []int64{db.MarketID}})
		if err != nil {
			return nil, 0, err
		}
		switch {
		case len(again) == 0:
			lost = append(lost, MarketDrift{MarketID: db.MarketID, Kind: DriftMissing, Database: db})
		case again[0].Version < db.Version:
			lost = append(lost, MarketDrift{MarketID: db.MarketID, Kind: DriftStale, Held: &again[0], Database: db})
		}
	}
	return lost, pending, nil
}

// counts returns the filter's market counts from the counters when they
// are built, and else from a database recount, saying which. Counts still
// in the outbox are laid over the counters' (the newer version wins), so a
// read from the cache includes every change committed before it began;
// when more than a batch waits, the counters are behind and the database
// answers. Whether the filter's markets wait in the outbox comes from a
// query shared with concurrent reads (pendingGate) that began after this
// read did: a row it does not see was deleted, and so applied to the
// counters, before it began, and the counters are read after it.
func (s *AdoptionService) counts(ctx context.Context, f UnitFilter) ([]MarketCounts, Source, error) {
	waitingMarkets, more, err := s.pending.markets(ctx, func(ctx context.Context) ([]MarketCounts, bool, error) {
		return s.store.PendingCounterMarkets(ctx, s.cfg.BatchSize)
	})
	if err != nil {
		return nil, "", fmt.Errorf("adoption: %w", err)
	}
	pending := slices.ContainsFunc(waitingMarkets, f.matches)
	if !pending && more {
		// The outbox is longer than the shared query reads (the counters
		// are behind, or down): ask about this filter's markets alone.
		if pending, err = s.store.HasPendingCounterEvents(ctx, f); err != nil {
			return nil, "", fmt.Errorf("adoption: %w", err)
		}
	}
	var waiting []CounterEvent
	if pending {
		s.Notify()
		// Read the outbox before the counters: a row deleted in between
		// was applied before the counters are read.
		if waiting, err = s.store.PendingCounterEvents(ctx, s.cfg.BatchSize); err != nil {
			return nil, "", fmt.Errorf("adoption: %w", err)
		}
	}
	if len(waiting) < s.cfg.BatchSize {
		held, err := s.counters.Markets(ctx, f)
		if err == nil {
			return overlay(held, waiting, f), SourceCache, nil
		}
		if errors.Is(err, ErrCountersCold) {
			signal(s.cold)
		}
		s.log.DebugContext(ctx, "adoption read from the database", "reason", err)
	}
	counts, err := s.store.RecountMarkets(ctx, f)
	if err != nil {
		return nil, "", fmt.Errorf("adoption: %w", err)
	}
	return counts, SourceDatabase, nil
}

// overlay returns held with the newer counts of the filter's markets among
// the outbox events, ordered by market ID.
func overlay(held []MarketCounts, events []CounterEvent, f UnitFilter) []MarketCounts {
	if len(events) == 0 {
		return held
	}
	byID := make(map[int64]int, len(held))
	for i, c := range held {
		byID[c.MarketID] = i
	}
	for _, e := range events {
		c := e.Counts
		if !f.matches(c) {
			continue
		}
		i, ok := byID[c.MarketID]
		switch {
		case !ok:
			byID[c.MarketID] = len(held)
			held = append(held, c)
		case held[i].Version < c.Version:
			held[i] = c
		}
	}
	slices.SortFunc(held, func(a, b MarketCounts) int { return cmp.Compare(a.MarketID, b.MarketID) })
	return held
}

// matches reports whether the filter selects c's market.
func (f UnitFilter) matches(c MarketCounts) bool {
	switch {
	case f.CommuneCode != "" && c.CommuneCode != f.CommuneCode:
		return false
	case f.CommuneCode == "" && f.ProvinceCode != "" && c.ProvinceCode != f.ProvinceCode:
		return false
	case f.MarketIDs != nil && !slices.Contains(f.MarketIDs, c.MarketID):
		return false
	}
	return true
}

// loadThresholds returns the chợ 4.0 threshold of every province, read from the
// store at most once per ThresholdsTTL.
func (s *AdoptionService) loadThresholds(ctx context.Context) (map[string]float64, error) {
	s.thrMu.Lock()
	defer s.thrMu.Unlock()
	if s.thresholds != nil && s.cfg.Now().Sub(s.thrRead) < s.cfg.ThresholdsTTL {
		return s.thresholds, nil
	}
	t, err := s.store.Cho40Thresholds(ctx)
	if err != nil {
		return nil, fmt.Errorf("adoption: thresholds: %w", err)
	}
	s.thresholds, s.thrRead = t, s.cfg.Now()
	return t, nil
}

func thresholdOf(t map[string]float64, provinceCode string) float64 {
	if v, ok := t[provinceCode]; ok {
		return v
	}
	return DefaultCho40Threshold
}

// rate is n ÷ d, 0 when d is 0.
func rate(n, d int64) float64 {
	if d == 0 {
		return 0
	}
	return float64(n) / float64(d)
}

// reaches reports n ÷ d ≥ threshold without the rounding of the division
// deciding: 4 of 5 stalls reach 0.8.
func reaches(n, d int64, threshold float64) bool {
	return d > 0 && float64(n) >= threshold*float64(d)-1e-9
}

func marketAdoption(c MarketCounts, threshold float64, src Source) MarketAdoption {
	return MarketAdoption{
		MarketID: c.MarketID, CommuneCode: c.CommuneCode, ProvinceCode: c.ProvinceCode,
		StallsDeclared: c.StallsDeclared, StallsActive: c.StallsActive, StallsWithQR: c.StallsWithQR,
		Vendors: c.Vendors, VendorsWithQR: c.VendorsWithQR, SignsPrinted: c.SignsPrinted,
		VendorsTransacting: c.VendorsTransacting,
		QRRate:             rate(c.StallsWithQR, c.StallsActive),
		TransactingRate:    rate(c.VendorsTransacting, c.Vendors),
		Cho40:              reaches(c.StallsWithQR, c.StallsActive, threshold),
		Threshold:          threshold,
		Source:             src,
	}
}

// Market returns the adoption of one market. It returns an error wrapping
// ErrNotFound for an unknown market, or a store error; a counters failure
// is not an error (the figures then come from the database).
func (s *AdoptionService) Market(ctx context.Context, marketID int64) (MarketAdoption, error) {
	rows, err := s.Markets(ctx, UnitFilter{MarketIDs: []int64{marketID}})
	if err != nil {
		return MarketAdoption{}, err
	}
	if len(rows) == 0 {
		return MarketAdoption{}, fmt.Errorf("adoption: market %d: %w", marketID, ErrNotFound)
	}
	return rows[0], nil
}

// Markets returns the adoption of each of the filter's markets, ordered by
// market ID: a commune's or a province's dashboard table. It returns a
// store error only.
func (s *AdoptionService) Markets(ctx context.Context, f UnitFilter) ([]MarketAdoption, error) {
	rows, _, err := s.markets(ctx, f)
	return rows, err
}

// markets is Markets saying where the figures come from, even when there
// are no rows.
func (s *AdoptionService) markets(ctx context.Context, f UnitFilter) ([]MarketAdoption, Source, error) {
	counts, src, err := s.counts(ctx, f)
	if err != nil {
		return nil, "", err
	}
	thr, err := s.loadThresholds(ctx)
	if err != nil {
		return nil, "", err
	}
	rows := make([]MarketAdoption, len(counts))
	for i, c := range counts {
		rows[i] = marketAdoption(c, thresholdOf(thr, c.ProvinceCode), src)
	}
	slices.SortFunc(rows, func(a, b MarketAdoption) int { return cmp.Compare(a.MarketID, b.MarketID) })
	return rows, src, nil
}

// Unit returns the adoption of the filter's commune, else its province,
// else the whole country (MarketIDs are ignored). It returns a store error
// only.
func (s *AdoptionService) Unit(ctx context.Context, f UnitFilter) (UnitAdoption, error) {
	f.MarketIDs = nil
	rows, src, err := s.markets(ctx, f)
	if err != nil {
		return UnitAdoption{}, err
	}
	thr, err := s.loadThresholds(ctx)
	if err != nil {
		return UnitAdoption{}, err
	}
	return sumUnit(f, rows, thr, src), nil
}

// sumUnit adds up market rows into the adoption of the filter's unit.
func sumUnit(f UnitFilter, rows []MarketAdoption, thr map[string]float64, src Source) UnitAdoption {
	u := UnitAdoption{CommuneCode: f.CommuneCode, ProvinceCode: f.ProvinceCode, Source: src}
	for _, r := range rows {
		u.Add(MarketCounts{
			StallsDeclared: r.StallsDeclared, StallsActive: r.StallsActive, StallsWithQR: r.StallsWithQR,
			Vendors: r.Vendors, VendorsWithQR: r.VendorsWithQR, SignsPrinted: r.SignsPrinted,
			VendorsTransacting: r.VendorsTransacting,
		})
		if r.Cho40 {
			u.Cho40Markets++
		}
		if u.ProvinceCode == "" && f.CommuneCode != "" {
			u.ProvinceCode = r.ProvinceCode
		}
	}
	u.Threshold = DefaultCho40Threshold
	if u.ProvinceCode != "" {
		u.Threshold = thresholdOf(thr, u.ProvinceCode)
	}
	u.QRRate = rate(u.StallsWithQR, u.StallsActive)
	u.TransactingRate = rate(u.VendorsTransacting, u.Vendors)
	u.Cho40 = reaches(u.StallsWithQR, u.StallsActive, u.Threshold)
	return u
}

// Members returns per team member counts of the active vendors they
// registered in the filter's markets, most vendors first. It returns a
// store error only.
func (s *AdoptionService) Members(ctx context.Context, f UnitFilter) ([]MemberAdoption, error) {
	m, err := s.store.MemberAdoption(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("adoption: members: %w", err)
	}
	slices.SortStableFunc(m, func(a, b MemberAdoption) int {
		return cmp.Or(cmp.Compare(b.Vendors, a.Vendors), cmp.Compare(a.UserID, b.UserID))
	})
	return m, nil
}

// Series returns the daily sums of the filter's markets from the snapshots
// between from and to (days, inclusive). It returns a *ValidationError when
// to is before from, or a store error.
func (s *AdoptionService) Series(ctx context.Context, f UnitFilter, from, to time.Time) ([]AdoptionPoint, error) {
	from, to = dayOf(from), dayOf(to)
	if to.Before(from) {
		return nil, &ValidationError{Fields: []FieldError{{Field: "to", Message: "must be on or after from (" + from.Format(time.DateOnly) + ")"}}}
	}
	p, err := s.store.AdoptionSeries(ctx, f, from, to)
	if err != nil {
		return nil, fmt.Errorf("adoption: series: %w", err)
	}
	return p, nil
}

// dayOf returns the calendar date of t (as written, whatever its zone) at
// midnight UTC, the form days take in the store.
func dayOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// today returns the current day in Vietnam at midnight UTC.
func (s *AdoptionService) today() time.Time { return dayOf(s.cfg.Now().In(vietnam)) }

// Snapshot records every market's counts as the snapshot of today
// (Vietnam time); a later snapshot the same day replaces it. The counts
// come from the counters when they are up to date (exact, and far cheaper
// than a national recount), else from the database. It returns a store
// error.
func (s *AdoptionService) Snapshot(ctx context.Context) error {
	counts, _, err := s.counts(ctx, UnitFilter{})
	if err != nil {
		return fmt.Errorf("adoption: snapshot: %w", err)
	}
	if err := s.store.SaveAdoptionSnapshot(ctx, s.today(), counts); err != nil {
		return fmt.Errorf("adoption: snapshot: %w", err)
	}
	return nil
}

// SetThreshold sets the chợ 4.0 threshold of a province. It returns a
// *ValidationError, changing nothing, for a threshold outside (0, 1] or an
// empty province code, or a store error.
func (s *AdoptionService) SetThreshold(ctx context.Context, provinceCode string, threshold float64) error {
	var p problems
	if provinceCode == "" {
		p.add("province_code", "is required")
	}
	if !(threshold > 0 && threshold <= 1) {
		p.add("threshold", fmt.Sprintf("%v is outside the allowed range: a share of active stalls with QR above 0 and at most 1 (0.8 is 80%%)", threshold))
	}
	if err := p.err(); err != nil {
		return err
	}
	if err := s.store.SetCho40Threshold(ctx, provinceCode, threshold); err != nil {
		return fmt.Errorf("adoption: threshold: %w", err)
	}
	s.thrMu.Lock()
	s.thresholds = nil
	s.thrMu.Unlock()
	return nil
}

// SetTarget creates or replaces a unit's target for a due date. It returns
// a *ValidationError, changing nothing, for a missing province, a share
// outside (0, 1] or a missing due date, or a store error.
func (s *AdoptionService) SetTarget(ctx context.Context, t AdoptionTarget) error {
	var p problems
	if t.ProvinceCode == "" {
		p.add("province_code", "is required (with commune_code for a commune's target)")
	}
	if !(t.Cho40Share > 0 && t.Cho40Share <= 1) {
		p.add("cho40_share", fmt.Sprintf("%v is outside the allowed range: a share of markets above 0 and at most 1 (1 is every market)", t.Cho40Share))
	}
	if t.Due.IsZero() {
		p.add("due", "is required: the day the target is due")
	}
	if err := p.err(); err != nil {
		return err
	}
	t.Due = dayOf(t.Due)
	if err := s.store.SetAdoptionTarget(ctx, t); err != nil {
		return fmt.Errorf("adoption: target: %w", err)
	}
	return nil
}

// Run keeps the counters in step until ctx is cancelled, then returns nil:
// it builds them when cold, drains the outbox every DrainEvery (or at once
// after Notify), probes for a flush every ProbeEvery, reconciles every
// ReconcileEvery and records today's snapshot every SnapshotEvery. Failures
// are logged and retried, never returned: the counters are a cache.
func (s *AdoptionService) Run(ctx context.Context) error {
	drain := time.NewTicker(s.cfg.DrainEvery)
	defer drain.Stop()
	probe := time.NewTicker(s.cfg.ProbeEvery)
	defer probe.Stop()
	reconcile := time.NewTicker(s.cfg.ReconcileEvery)
	defer reconcile.Stop()
	snapshot := time.NewTicker(s.cfg.SnapshotEvery)
	defer snapshot.Stop()

	var drainErr error // the last drain failure, logged once until it changes
	doDrain := func() {
		_, err := s.Drain(ctx)
		if err != nil && ctx.Err() == nil && (drainErr == nil || drainErr.Error() != err.Error()) {
			s.log.WarnContext(ctx, "adoption counters: drain failed; reads use the database until it works", "err", err)
		}
		if err == nil && drainErr != nil {
			s.log.InfoContext(ctx, "adoption counters: draining again")
		}
		drainErr = err
	}
	doProbe := func() {
		if _, err := s.counters.Totals(ctx, UnitFilter{}); errors.Is(err, ErrCountersCold) {
			signal(s.cold)
		}
	}
	doSnapshot := func() {
		if err := s.Snapshot(ctx); err != nil && ctx.Err() == nil {
			s.log.WarnContext(ctx, "adoption snapshot failed", "err", err)
		}
	}

	doProbe()
	doSnapshot()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.wake:
			doDrain()
		case <-drain.C:
			doDrain()
		case <-probe.C:
			doProbe()
		case <-s.cold:
			// Drain first so the rebuild's recount is not older than what
			// was already applied; the rebuild keeps newer versions anyway.
			doDrain()
			n, err := s.Rebuild(ctx)
			if err != nil {
				if ctx.Err() == nil {
					s.log.WarnContext(ctx, "adoption counters: rebuild failed; will retry", "err", err)
				}
				continue
			}
			s.log.InfoContext(ctx, "adoption counters rebuilt from the database", "markets", n)
		case <-reconcile.C:
			rep, err := s.Reconcile(ctx)
			switch {
			case err != nil && ctx.Err() == nil:
				s.log.WarnContext(ctx, "adoption reconcile failed", "err", err)
			case len(rep.Drift) > 0:
				s.log.WarnContext(ctx, "adoption counters drifted from the database; repaired", "markets", rep.Markets, "drift", len(rep.Drift), "first", rep.Drift[0].MarketID)
			case err == nil:
				s.log.InfoContext(ctx, "adoption reconcile", "markets", rep.Markets, "was_cold", rep.WasCold, "pending", rep.Pending, "ahead", rep.Ahead)
			}
		case <-snapshot.C:
			doSnapshot()
		}
	}
}
