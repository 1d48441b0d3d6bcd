package merchants

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

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
		begun := s.cfg.Now()
		events, err := s.store.PendingCounterEvents(ctx, s.cfg.BatchSize)
		if err != nil {
			return applied, fmt.Errorf("adoption: drain: %w", err)
		}
		if len(events) == 0 {
			s.markInStep(begun)
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
			// Every row committed before the batch was read is applied.
			s.markInStep(begun)
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
