package merchants

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

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
	begun := s.cfg.Now()
	waitingMarkets, more, err := s.pendingRound(ctx)
	if err != nil {
		return nil, "", fmt.Errorf("adoption: %w", err)
	}
	if len(waitingMarkets) == 0 && !more {
		// Nothing waited when a query that began after this read did
		// ran: the counters held everything committed before it.
		s.markInStep(begun)
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

// freshness says where a read's figures come from: Source, and when the
// database could not be reached, the time the counters were last in step
// with it.
type freshness struct {
	source Source
	stale  bool
	asOf   time.Time
}

// markets is Markets saying where the figures come from, even when there
// are no rows.
func (s *AdoptionService) markets(ctx context.Context, f UnitFilter) ([]MarketAdoption, freshness, error) {
	rows, _, fr, err := s.marketsThresholds(ctx, f)
	return rows, fr, err
}

// marketsThresholds is markets with the thresholds it applied: those read
// by the round counts joined (see pendingRound), or the last read while
// the database is away.
func (s *AdoptionService) marketsThresholds(ctx context.Context, f UnitFilter) ([]MarketAdoption, map[string]float64, freshness, error) {
	counts, fr, err := s.countsOrStale(ctx, f)
	if err != nil {
		return nil, nil, freshness{}, err
	}
	var roundErr error
	if fr.stale {
		roundErr = ErrUnavailable
	}
	thr, err := s.thresholdsAfter(roundErr)
	if err != nil {
		return nil, nil, freshness{}, err
	}
	rows := make([]MarketAdoption, len(counts))
	for i, c := range counts {
		rows[i] = marketAdoption(c, thresholdOf(thr, c.ProvinceCode), fr.source)
		rows[i].Stale, rows[i].AsOf = fr.stale, fr.asOf
	}
	slices.SortFunc(rows, func(a, b MarketAdoption) int { return cmp.Compare(a.MarketID, b.MarketID) })
	return rows, thr, fr, nil
}

// countsOrStale is counts, except that while the database cannot be
// reached (ErrUnavailable) it answers with the counters as they stand,
// marked stale as of the last moment they were known to be in step with
// the database. Counters never known in step, or unreachable too, leave
// the database's error.
func (s *AdoptionService) countsOrStale(ctx context.Context, f UnitFilter) ([]MarketCounts, freshness, error) {
	counts, src, err := s.counts(ctx, f)
	if err == nil {
		return counts, freshness{source: src}, nil
	}
	at := s.inStep.Load()
	if !errors.Is(err, ErrUnavailable) || at == 0 {
		return nil, freshness{}, err
	}
	held, cerr := s.counters.Markets(ctx, f)
	if cerr != nil {
		return nil, freshness{}, err
	}
	return held, freshness{source: SourceCache, stale: true, asOf: time.Unix(0, at).UTC()}, nil
}

// markInStep records that the counters held every change committed before
// t, unless a later moment is already recorded.
func (s *AdoptionService) markInStep(t time.Time) {
	n := t.UnixNano()
	for {
		old := s.inStep.Load()
		if old >= n || s.inStep.CompareAndSwap(old, n) {
			return
		}
	}
}

// Unit returns the adoption of the filter's commune, else its province,
// else the whole country (MarketIDs are ignored). It returns a store error
// only.
func (s *AdoptionService) Unit(ctx context.Context, f UnitFilter) (UnitAdoption, error) {
	f.MarketIDs = nil
	rows, thr, fr, err := s.marketsThresholds(ctx, f)
	if err != nil {
		return UnitAdoption{}, err
	}
	u := sumUnit(f, rows, thr, fr.source)
	u.Stale, u.AsOf = fr.stale, fr.asOf
	return u, nil
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
