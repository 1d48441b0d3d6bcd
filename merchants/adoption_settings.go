package merchants

import (
	"context"
	"errors"
	"fmt"
)

// pendingRound joins a shared round (pendingGate) that reads, on one
// query runner, the chợ 4.0 thresholds and then the markets waiting in the
// outbox. A round begins after the call does, so the thresholds it keeps
// include every change committed before the read began, on whichever
// replica made it: a threshold moves every market's chợ 4.0 state at once,
// with no per-process cache to wait out.
func (s *AdoptionService) pendingRound(ctx context.Context) ([]MarketCounts, bool, error) {
	return s.pending.markets(ctx, func(ctx context.Context) ([]MarketCounts, bool, error) {
		thr, err := s.store.Cho40Thresholds(ctx)
		if err != nil {
			return nil, false, fmt.Errorf("thresholds: %w", err)
		}
		s.thrMu.Lock()
		s.thresholds = thr
		s.thrMu.Unlock()
		return s.store.PendingCounterMarkets(ctx, s.cfg.BatchSize)
	})
}

// loadThresholds returns the chợ 4.0 threshold of every province as
// committed before the call (see pendingRound).
func (s *AdoptionService) loadThresholds(ctx context.Context) (map[string]float64, error) {
	_, _, err := s.pendingRound(ctx)
	return s.thresholdsAfter(err)
}

// thresholdsAfter returns the thresholds the last round read, given that
// round's error: while the database is away (ErrUnavailable) the
// thresholds last read stand, as the counters do (see countsOrStale).
func (s *AdoptionService) thresholdsAfter(roundErr error) (map[string]float64, error) {
	s.thrMu.Lock()
	defer s.thrMu.Unlock()
	if roundErr == nil || (errors.Is(roundErr, ErrUnavailable) && s.thresholds != nil) {
		return s.thresholds, nil
	}
	return nil, fmt.Errorf("adoption: thresholds: %w", roundErr)
}

func thresholdOf(t map[string]float64, provinceCode string) float64 {
	if v, ok := t[provinceCode]; ok {
		return v
	}
	return DefaultCho40Threshold
}
