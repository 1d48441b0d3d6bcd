package merchants

import (
	"context"
	"fmt"
	"time"
)

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
func (s *AdoptionService) today() time.Time { return dayOf(s.cfg.Now().In(Vietnam)) }

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
