package rediscounters

import (
	"cmp"
	"context"
	"slices"
	"sync"

	"github.com/sapqr/sapqr/merchants"
)

// Memory holds the counters in process memory: the embedded default for a
// single process. It starts cold, like an empty Redis, until the first
// Rebuild. The zero value is not usable; call NewMemory.
type Memory struct {
	mu      sync.RWMutex
	built   bool
	markets map[int64]merchants.MarketCounts
	totals  map[unitKey]*merchants.CountSums
}

// unitKey names a unit: kind "n" (national, empty code), "p" or "c".
type unitKey struct{ kind, code string }

var (
	_ merchants.Counters         = (*Memory)(nil)
	_ merchants.AdoptionCounters = (*Memory)(nil)
)

// NewMemory returns empty, cold in-memory counters.
func NewMemory() *Memory {
	return &Memory{markets: make(map[int64]merchants.MarketCounts), totals: make(map[unitKey]*merchants.CountSums)}
}

// Apply stores each market's counts when their version is newer than the
// one held and moves the totals by the difference. It returns an error,
// changing nothing, when a count is invalid (no market ID, an empty unit
// code, a negative count).
func (m *Memory) Apply(ctx context.Context, counts []merchants.MarketCounts) error {
	if err := checkCounts(counts); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, c := range counts {
		if old, ok := m.markets[c.MarketID]; !ok || old.Version < c.Version {
			m.put(c)
		}
	}
	return nil
}

// put replaces the held counts of c's market; the caller holds m.mu.
func (m *Memory) put(c merchants.MarketCounts) {
	if old, ok := m.markets[c.MarketID]; ok {
		m.move(old, -1)
	}
	m.markets[c.MarketID] = c
	m.move(c, 1)
}

// move adds sign × c to the totals of c's units; the caller holds m.mu.
func (m *Memory) move(c merchants.MarketCounts, sign int64) {
	for _, k := range []unitKey{{"n", ""}, {"p", c.ProvinceCode}, {"c", c.CommuneCode}} {
		t := m.totals[k]
		if t == nil {
			t = new(merchants.CountSums)
			m.totals[k] = t
		}
		t.Markets += sign
		t.StallsDeclared += sign * c.StallsDeclared
		t.StallsActive += sign * c.StallsActive
		t.StallsWithQR += sign * c.StallsWithQR
		t.Vendors += sign * c.Vendors
		t.VendorsWithQR += sign * c.VendorsWithQR
		t.SignsPrinted += sign * c.SignsPrinted
		t.VendorsTransacting += sign * c.VendorsTransacting
	}
}

// Markets returns the held counts of the filter's markets, ordered by
// market ID. It returns merchants.ErrCountersCold before the first Rebuild.
func (m *Memory) Markets(ctx context.Context, f merchants.UnitFilter) ([]merchants.MarketCounts, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if !m.built {
		return nil, merchants.ErrCountersCold
	}
	if f.MarketIDs != nil && len(f.MarketIDs) == 0 {
		return nil, nil // an empty, non-nil list selects no market, as in the store
	}
	ids := idSet(f.MarketIDs)
	var out []merchants.MarketCounts
	for _, c := range m.markets {
		switch {
		case f.CommuneCode != "" && c.CommuneCode != f.CommuneCode,
			f.CommuneCode == "" && f.ProvinceCode != "" && c.ProvinceCode != f.ProvinceCode,
			ids != nil && !ids[c.MarketID]:
			continue
		}
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b merchants.MarketCounts) int { return cmp.Compare(a.MarketID, b.MarketID) })
	return out, nil
}

// Totals returns the held sums of the filter's unit. It returns
// merchants.ErrCountersCold before the first Rebuild.
func (m *Memory) Totals(ctx context.Context, f merchants.UnitFilter) (merchants.CountSums, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if !m.built {
		return merchants.CountSums{}, merchants.ErrCountersCold
	}
	if t := m.totals[unitOf(f)]; t != nil {
		return *t, nil
	}
	return merchants.CountSums{}, nil
}

func unitOf(f merchants.UnitFilter) unitKey {
	switch {
	case f.CommuneCode != "":
		return unitKey{"c", f.CommuneCode}
	case f.ProvinceCode != "":
		return unitKey{"p", f.ProvinceCode}
	}
	return unitKey{"n", ""}
}

// CheckTotals compares every held total with the sum of the held market
// counts and returns the units whose totals differ, ordered; it changes
// nothing. It returns merchants.ErrCountersCold before the first Rebuild.
func (m *Memory) CheckTotals(ctx context.Context) ([]merchants.Unit, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if !m.built {
		return nil, merchants.ErrCountersCold
	}
	want := make(map[unitKey]*merchants.CountSums)
	for _, c := range m.markets {
		for _, k := range []unitKey{{"n", ""}, {"p", c.ProvinceCode}, {"c", c.CommuneCode}} {
			if want[k] == nil {
				want[k] = new(merchants.CountSums)
			}
			want[k].Add(c)
		}
	}
	var out []merchants.Unit
	for k, held := range m.totals {
		w := want[k]
		if w == nil {
			w = new(merchants.CountSums)
		}
		if *w != *held {
			out = append(out, k.unit())
		}
	}
	for k := range want {
		if m.totals[k] == nil {
			out = append(out, k.unit())
		}
	}
	sortUnits(out)
	return out, nil
}

func (k unitKey) unit() merchants.Unit {
	switch k.kind {
	case "p":
		return merchants.Unit{ProvinceCode: k.code}
	case "c":
		return merchants.Unit{CommuneCode: k.code}
	}
	return merchants.Unit{}
}

// sortUnits orders units: the country, then provinces, then communes.
func sortUnits(us []merchants.Unit) {
	slices.SortFunc(us, func(a, b merchants.Unit) int {
		rank := func(u merchants.Unit) int {
			switch {
			case u.CommuneCode != "":
				return 2
			case u.ProvinceCode != "":
				return 1
			}
			return 0
		}
		return cmp.Or(cmp.Compare(rank(a), rank(b)), cmp.Compare(a.ProvinceCode, b.ProvinceCode), cmp.Compare(a.CommuneCode, b.CommuneCode))
	})
}

// Rebuild stores counts (a recount) over what is held, keeping only held
// versions newer than the recount's, recomputes every total and marks the
// counters built. An equal version is overwritten: that is how a recount
// repairs drift. It returns an error, changing nothing, for invalid counts.
func (m *Memory) Rebuild(ctx context.Context, counts []merchants.MarketCounts) error {
	if err := checkCounts(counts); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, c := range counts {
		if old, ok := m.markets[c.MarketID]; !ok || old.Version <= c.Version {
			m.markets[c.MarketID] = c
		}
	}
	clear(m.totals)
	for _, c := range m.markets {
		m.move(c, 1)
	}
	m.built = true
	return nil
}
