package merchants_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/sapqr/sapqr/merchants"
	"github.com/sapqr/sapqr/merchants/rediscounters"
)

// fakeStore is the relational truth for adoption tests: market counts with
// their versions, a counter outbox, thresholds, targets and snapshots.
type fakeStore struct {
	mu         sync.Mutex
	markets    map[int64]merchants.MarketCounts
	outbox     []merchants.CounterEvent
	nextEvent  int64
	thresholds map[string]float64
	targets    []merchants.AdoptionTarget
	snapshots  map[time.Time][]merchants.MarketCounts
	names      map[int64]string
	// down makes the reads of the counters' outbox, recounts and
	// thresholds fail as an unreachable database does.
	down bool
}

// unreachable is the error of a read while the fake database is down.
func (s *fakeStore) unreachable() error {
	if s.down {
		return fmt.Errorf("fake store: %w", merchants.ErrUnavailable)
	}
	return nil
}

func newFakeStore() *fakeStore {
	return &fakeStore{
		markets:    map[int64]merchants.MarketCounts{},
		thresholds: map[string]float64{},
		snapshots:  map[time.Time][]merchants.MarketCounts{},
		names:      map[int64]string{},
	}
}

// change commits new counts for a market: the version moves on by one and
// an outbox row carries the result, as the real store does.
func (s *fakeStore) change(c merchants.MarketCounts) merchants.MarketCounts {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.Version = s.markets[c.MarketID].Version + 1
	s.markets[c.MarketID] = c
	s.nextEvent++
	s.outbox = append(s.outbox, merchants.CounterEvent{ID: s.nextEvent, Counts: c})
	return c
}

func matches(f merchants.UnitFilter, c merchants.MarketCounts) bool {
	switch {
	case f.CommuneCode != "" && c.CommuneCode != f.CommuneCode:
		return false
	case f.CommuneCode == "" && f.ProvinceCode != "" && c.ProvinceCode != f.ProvinceCode:
		return false
	case len(f.MarketIDs) > 0 && !slices.Contains(f.MarketIDs, c.MarketID):
		return false
	}
	return true
}

func (s *fakeStore) PendingCounterEvents(ctx context.Context, limit int) ([]merchants.CounterEvent, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.unreachable(); err != nil {
		return nil, err
	}
	return slices.Clone(s.outbox[:min(limit, len(s.outbox))]), nil
}

func (s *fakeStore) DeleteCounterEvents(ctx context.Context, ids []int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.outbox = slices.DeleteFunc(s.outbox, func(e merchants.CounterEvent) bool { return slices.Contains(ids, e.ID) })
	return nil
}

func (s *fakeStore) HasPendingCounterEvents(ctx context.Context, f merchants.UnitFilter) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.unreachable(); err != nil {
		return false, err
	}
	return slices.ContainsFunc(s.outbox, func(e merchants.CounterEvent) bool { return matches(f, e.Counts) }), nil
}

func (s *fakeStore) PendingCounterMarkets(ctx context.Context, limit int) ([]merchants.MarketCounts, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.unreachable(); err != nil {
		return nil, false, err
	}
	var out []merchants.MarketCounts
	for _, e := range s.outbox[:min(limit, len(s.outbox))] {
		c := merchants.MarketCounts{MarketID: e.Counts.MarketID, CommuneCode: e.Counts.CommuneCode, ProvinceCode: e.Counts.ProvinceCode}
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out, len(s.outbox) > limit, nil
}

func (s *fakeStore) RecountMarkets(ctx context.Context, f merchants.UnitFilter) ([]merchants.MarketCounts, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.unreachable(); err != nil {
		return nil, err
	}
	var out []merchants.MarketCounts
	for _, c := range s.markets {
		if matches(f, c) {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b merchants.MarketCounts) int { return int(a.MarketID - b.MarketID) })
	return out, nil
}

func (s *fakeStore) Cho40Thresholds(ctx context.Context) (map[string]float64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.unreachable(); err != nil {
		return nil, err
	}
	return maps(s.thresholds), nil
}

func maps(m map[string]float64) map[string]float64 {
	out := make(map[string]float64, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func (s *fakeStore) SetCho40Threshold(ctx context.Context, province string, t float64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.thresholds[province] = t
	return nil
}

func (s *fakeStore) AdoptionTargets(ctx context.Context, f merchants.UnitFilter) ([]merchants.AdoptionTarget, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.targets), nil
}

func (s *fakeStore) SetAdoptionTarget(ctx context.Context, t merchants.AdoptionTarget) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.targets = append(s.targets, t)
	return nil
}

func (s *fakeStore) SaveAdoptionSnapshot(ctx context.Context, day time.Time, counts []merchants.MarketCounts) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.snapshots[day] = slices.Clone(counts)
	return nil
}

func (s *fakeStore) AdoptionSnapshotAt(ctx context.Context, f merchants.UnitFilter, day time.Time) ([]merchants.MarketCounts, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var best time.Time
	for d := range s.snapshots {
		if !d.After(day) && d.After(best) {
			best = d
		}
	}
	var out []merchants.MarketCounts
	for _, c := range s.snapshots[best] {
		if matches(f, c) {
			out = append(out, c)
		}
	}
	return out, nil
}

func (s *fakeStore) AdoptionSeries(ctx context.Context, f merchants.UnitFilter, from, to time.Time) ([]merchants.AdoptionPoint, error) {
	return nil, errors.New("not used by these tests")
}

func (s *fakeStore) MemberAdoption(ctx context.Context, f merchants.UnitFilter) ([]merchants.MemberAdoption, error) {
	return []merchants.MemberAdoption{{UserID: 1, Vendors: 3}, {UserID: 2, Vendors: 9}, {UserID: 3, Vendors: 3}}, nil
}

func (s *fakeStore) MarketNames(ctx context.Context, f merchants.UnitFilter) (map[int64]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[int64]string{}
	for id, n := range s.names {
		out[id] = n
	}
	return out, nil
}

// AssistCounts: the fake records no assists.
func (s *fakeStore) AssistCounts(ctx context.Context, f merchants.UnitFilter, from, to time.Time) ([]merchants.AssistCount, error) {
	return nil, nil
}

// countingCounters counts the Apply round trips and can be switched off,
// as an unreachable Redis.
type countingCounters struct {
	merchants.AdoptionCounters
	mu      sync.Mutex
	applies int
	down    bool
}

func (c *countingCounters) Apply(ctx context.Context, counts []merchants.MarketCounts) error {
	c.mu.Lock()
	c.applies++
	down := c.down
	c.mu.Unlock()
	if down {
		return merchants.ErrCountersUnavailable
	}
	return c.AdoptionCounters.Apply(ctx, counts)
}

func (c *countingCounters) Markets(ctx context.Context, f merchants.UnitFilter) ([]merchants.MarketCounts, error) {
	c.mu.Lock()
	down := c.down
	c.mu.Unlock()
	if down {
		return nil, merchants.ErrCountersUnavailable
	}
	return c.AdoptionCounters.Markets(ctx, f)
}

func market(id int64, province, commune string, active, withQR int64) merchants.MarketCounts {
	return merchants.MarketCounts{
		MarketID: id, ProvinceCode: province, CommuneCode: commune,
		StallsDeclared: 100, StallsActive: active, StallsWithQR: withQR,
		Vendors: active, VendorsWithQR: withQR, SignsPrinted: withQR, VendorsTransacting: withQR / 2,
	}
}

func newCounters() merchants.AdoptionCounters { return rediscounters.NewMemory() }

func setup(t *testing.T) (*fakeStore, *countingCounters, *merchants.AdoptionService) {
	t.Helper()
	store := newFakeStore()
	counters := &countingCounters{AdoptionCounters: rediscounters.NewMemory()}
	svc := merchants.NewAdoptionService(store, counters, merchants.AdoptionConfig{BatchSize: 3})
	return store, counters, svc
}
