package merchants

import (
	"context"
	"errors"
	"fmt"
)

func checkStallStatus(p *problems, st StallStatus) {
	switch st {
	case StallActive, StallVacant, StallClosed:
	default:
		p.add("status", "must be active, vacant or closed")
	}
}

// CreateStall adds a stall to a market. Unlike registration, it may go
// beyond the market's declared stall count: an officer adding a stall knows
// the market. It returns ErrNotFound for an unknown market, ErrForbidden
// outside the actor's scope, a *ValidationError for bad input and
// ErrConflict when the market already has a stall with the code.
func (s *Service) CreateStall(ctx context.Context, a Actor, in CreateStallInput) (Stall, error) {
	m, err := s.store.Market(ctx, in.MarketID)
	if err != nil {
		return Stall{}, fmt.Errorf("market %d: %w", in.MarketID, err)
	}
	if err := Authorize(a, PermRegister, m.Unit()); err != nil {
		return Stall{}, fmt.Errorf("market %d: %w", m.ID, err)
	}
	var p problems
	st := Stall{
		MarketID: m.ID,
		Code:     checkStallCode(&p, "code", in.Code),
		Category: checkText(&p, "category", in.Category, false, 100),
		Status:   in.Status,
	}
	if st.Status == "" {
		st.Status = StallActive
	}
	checkStallStatus(&p, st.Status)
	if err := p.err(); err != nil {
		return Stall{}, err
	}
	err = s.store.InTx(ctx, func(tx Tx) error {
		if _, err := tx.LockMarket(ctx, m.ID); err != nil {
			return err
		}
		if _, err := tx.StallByCode(ctx, m.ID, st.Code); err == nil {
			return conflict(RuleStallCodeTaken, "market %d already has stall %s", m.ID, st.Code)
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		if st, err = tx.CreateStall(ctx, st); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, a, ActionCreate, "stall", st.ID, m.ID, nil, auditStall(st)); err != nil {
			return err
		}
		_, err = tx.EmitMarketCounts(ctx, m.ID)
		return err
	})
	if err != nil {
		return Stall{}, fmt.Errorf("create stall: %w", err)
	}
	return st, nil
}

// Stall returns a stall. It returns ErrNotFound when there is none or its
// market is outside the actor's scope.
func (s *Service) Stall(ctx context.Context, a Actor, id int64) (Stall, error) {
	st, err := s.store.Stall(ctx, id)
	if err != nil {
		return Stall{}, err
	}
	if _, err := s.Market(ctx, a, st.MarketID); err != nil {
		return Stall{}, fmt.Errorf("stall %d: %w", id, err)
	}
	return st, nil
}

// ListStalls returns a page of a market's stalls by ascending ID. It
// returns ErrNotFound when the market does not exist or is outside the
// actor's scope and a *ValidationError for a bad filter.
func (s *Service) ListStalls(ctx context.Context, a Actor, f StallFilter) (StallPage, error) {
	if _, err := s.Market(ctx, a, f.MarketID); err != nil {
		return StallPage{}, err
	}
	var p problems
	after := decodeCursor(&p, f.Cursor)
	limit := s.pageLimit(&p, f.Limit)
	if f.Status != "" {
		checkStallStatus(&p, f.Status)
	}
	if err := p.err(); err != nil {
		return StallPage{}, err
	}
	sts, err := s.store.ListStalls(ctx, StallQuery{MarketID: f.MarketID, Status: f.Status, AfterID: after, Limit: limit + 1})
	if err != nil {
		return StallPage{}, fmt.Errorf("list stalls: %w", err)
	}
	page := StallPage{Stalls: sts}
	if len(sts) > limit {
		page.Stalls = sts[:limit]
		page.NextCursor = encodeCursor(sts[limit-1].ID)
	}
	return page, nil
}

// UpdateStall changes a stall. A stall with an active vendor cannot be
// closed or left vacant. It returns ErrNotFound for an unknown stall,
// ErrForbidden outside the actor's scope, a *ValidationError for bad input
// and ErrConflict for a code already used in the market.
func (s *Service) UpdateStall(ctx context.Context, a Actor, id int64, in UpdateStallInput) (Stall, error) {
	cur, err := s.store.Stall(ctx, id)
	if err != nil {
		return Stall{}, err
	}
	m, err := s.store.Market(ctx, cur.MarketID)
	if err != nil {
		return Stall{}, err
	}
	if err := Authorize(a, PermRegister, m.Unit()); err != nil {
		return Stall{}, fmt.Errorf("stall %d: %w", id, err)
	}
	var st Stall
	err = s.store.InTx(ctx, func(tx Tx) error {
		if _, err := tx.LockMarket(ctx, m.ID); err != nil {
			return err
		}
		before, err := tx.Stall(ctx, id)
		if err != nil {
			return err
		}
		st = before
		var p problems
		if in.Code != nil {
			st.Code = checkStallCode(&p, "code", *in.Code)
		}
		if in.Category != nil {
			st.Category = checkText(&p, "category", *in.Category, false, 100)
		}
		if in.Status != nil {
			st.Status = *in.Status
			checkStallStatus(&p, st.Status)
		}
		if st.Status != StallActive && before.Status == StallActive {
			if v, err := tx.ActiveVendorOnStall(ctx, id); err == nil {
				p.add("status", fmt.Sprintf("stall is held by active vendor %d; release it from the vendor, move the vendor or deactivate it first", v.ID))
			} else if !errors.Is(err, ErrNotFound) {
				return err
			}
		}
		if err := p.err(); err != nil {
			return err
		}
		if st.Code != before.Code {
			if other, err := tx.StallByCode(ctx, m.ID, st.Code); err == nil && other.ID != id {
				return conflict(RuleStallCodeTaken, "market %d already has stall %s", m.ID, st.Code)
			}
		}
		st.UpdatedAt = s.clock()
		if err := tx.UpdateStall(ctx, st); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, a, ActionUpdate, "stall", id, m.ID, auditStall(before), auditStall(st)); err != nil {
			return err
		}
		if st.Status != before.Status {
			_, err = tx.EmitMarketCounts(ctx, m.ID)
		}
		return err
	})
	if err != nil {
		return Stall{}, fmt.Errorf("update stall %d: %w", id, err)
	}
	return st, nil
}
