package merchants

import (
	"context"
	"errors"
	"fmt"
)

// loadThresholds returns the chợ 4.0 threshold of every province, read from the
// store at most once per ThresholdsTTL.
func (s *AdoptionService) loadThresholds(ctx context.Context) (map[string]float64, error) {
	s.thrMu.Lock()
	defer s.thrMu.Unlock()
	if s.thresholds != nil && s.cfg.Now().Sub(s.thrRead) < s.cfg.ThresholdsTTL {
		return s.thresholds, nil
	}
	t, err := s.store.Cho40Thresholds(ctx)
	if err != nil && errors.Is(err, ErrUnavailable) && s.thresholds != nil {
		// The database is away: the thresholds last read stand, as the
		// counters do (see countsOrStale).
		return s.thresholds, nil
	}
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
