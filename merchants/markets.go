package merchants

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/sapqr/sapqr/qr"
)

// CreateMarket creates a market in a commune. It returns ErrForbidden
// unless the actor manages markets in that commune, a *ValidationError for
// bad input and ErrConflict when the commune already has a market with
// the code.
func (s *Service) CreateMarket(ctx context.Context, a Actor, in CreateMarketInput) (Market, error) {
	var p problems
	m := Market{
		Code:           checkCode(&p, "code", in.Code, false, 32),
		Name:           checkMarketName(&p, "name", in.Name),
		CommuneCode:    checkUnitCode(&p, "commune_code", in.CommuneCode, true),
		ProvinceCode:   checkUnitCode(&p, "province_code", in.ProvinceCode, false),
		Address:        checkText(&p, "address", in.Address, false, 300),
		Class:          in.Class,
		StallsDeclared: in.StallsDeclared,
		Status:         MarketActive,
		CreatedBy:      a.UserID,
	}
	s.resolveProvince(&p, &m)
	checkMarketNumbers(&p, m)
	m.FeeAccount = checkFeeAccount(&p, in.FeeAccount)
	if m.CommuneCode != "" && m.ProvinceCode != "" {
		// Authorise before reporting other problems, so a user learns
		// nothing about units outside its scope.
		if err := Authorize(a, PermManageMarkets, m.Unit()); err != nil {
			return Market{}, err
		}
	} else if !a.Can(PermManageMarkets) {
		return Market{}, Authorize(a, PermManageMarkets, m.Unit())
	}
	if err := p.err(); err != nil {
		return Market{}, err
	}
	err := s.store.InTx(ctx, func(tx Tx) error {
		var err error
		if m, err = tx.CreateMarket(ctx, m); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, a, ActionCreate, "market", m.ID, m.ID, nil, auditMarket(m)); err != nil {
			return err
		}
		c, err := tx.EmitMarketCounts(ctx, m.ID)
		m.CounterVersion = c.Version
		return err
	})
	if err != nil {
		return Market{}, fmt.Errorf("create market: %w", err)
	}
	return m, nil
}

// resolveProvince fills or checks m.ProvinceCode from the unit directory.
func (s *Service) resolveProvince(p *problems, m *Market) {
	if m.CommuneCode == "" {
		return
	}
	if s.units == nil {
		if m.ProvinceCode == "" {
			p.add("province_code", "is required (no administrative unit directory is configured)")
		}
		return
	}
	prov, err := s.units.ProvinceOfCommune(m.CommuneCode)
	switch {
	case errors.Is(err, ErrNotFound):
		p.add("commune_code", fmt.Sprintf("%s is not a commune-level unit in force", m.CommuneCode))
	case err != nil:
		p.add("commune_code", err.Error())
	case m.ProvinceCode != "" && m.ProvinceCode != prov:
		p.add("province_code", fmt.Sprintf("commune %s belongs to province %s, not %s", m.CommuneCode, prov, m.ProvinceCode))
	default:
		m.ProvinceCode = prov
	}
}

func checkMarketNumbers(p *problems, m Market) {
	if m.Class < 0 || m.Class > 3 {
		p.add("class", "must be 1, 2 or 3 (hạng chợ), or 0 when not classified")
	}
	if m.StallsDeclared < 0 || m.StallsDeclared > 100_000 {
		p.add("stall_count", "must be between 0 and 100000")
	}
	switch m.Status {
	case MarketActive, MarketClosed:
	default:
		p.add("status", "must be active or closed")
	}
}

// checkFeeAccount checks a market board's account; nil or zero means none.
func checkFeeAccount(p *problems, in *PayeeAccount) *PayeeAccount {
	if in == nil || *in == (PayeeAccount{}) {
		return nil
	}
	n := len(*p)
	acc := &PayeeAccount{
		BIN:           checkBIN(p, "fee_account.bin", in.BIN),
		AccountNumber: checkAccountNumber(p, "fee_account.account_number", in.AccountNumber),
		HolderName:    checkHolderName(p, "fee_account.holder_name", in.HolderName),
	}
	if len(*p) == n {
		checkPayload(p, "fee_account.", BankAccount{BIN: acc.BIN, AccountNumber: acc.AccountNumber, HolderName: acc.HolderName})
	}
	return acc
}

// Market returns a market. It returns ErrNotFound when there is none or
// it is outside the actor's scope.
func (s *Service) Market(ctx context.Context, a Actor, id int64) (Market, error) {
	m, err := s.store.Market(ctx, id)
	if err != nil {
		return Market{}, err
	}
	if err := Authorize(a, PermRead, m.Unit()); err != nil {
		return Market{}, fmt.Errorf("market %d: %w", id, err)
	}
	return m, nil
}

// ListMarkets returns a page of the markets in the actor's scope that
// match f, by ascending ID. It returns ErrNotFound when f names a unit
// outside the scope and a *ValidationError for a bad cursor or limit.
func (s *Service) ListMarkets(ctx context.Context, a Actor, f MarketFilter) (MarketPage, error) {
	var p problems
	after := decodeCursor(&p, f.Cursor)
	limit := s.pageLimit(&p, f.Limit)
	q := MarketQuery{AfterID: after, Limit: limit + 1, NameFolded: Fold(f.Q)}
	var err error
	q.ProvinceCode, q.CommuneCodes, err = scopeFilter(a, f.ProvinceCode, f.CommuneCode)
	if err != nil {
		return MarketPage{}, err
	}
	if err := p.err(); err != nil {
		return MarketPage{}, err
	}
	ms, err := s.store.ListMarkets(ctx, q)
	if err != nil {
		return MarketPage{}, fmt.Errorf("list markets: %w", err)
	}
	page := MarketPage{Markets: ms}
	if len(ms) > limit {
		page.Markets = ms[:limit]
		page.NextCursor = encodeCursor(ms[limit-1].ID)
	}
	return page, nil
}

// scopeFilter narrows a list's unit filter to the actor's scope. It
// returns ErrNotFound when the filter names a unit outside the scope.
func scopeFilter(a Actor, province, commune string) (string, []string, error) {
	if !a.Role.Valid() {
		return "", nil, ErrUnauthenticated
	}
	var communes []string
	if commune != "" {
		if err := Authorize(a, PermRead, Unit{ProvinceCode: province, CommuneCode: commune}); err != nil && a.Role != RoleProvince {
			return "", nil, fmt.Errorf("commune %s: %w", commune, err)
		}
		communes = []string{commune}
	}
	switch a.Role {
	case RoleProvince:
		if province != "" && province != a.ProvinceCode {
			return "", nil, fmt.Errorf("province %s: %w", province, ErrNotFound)
		}
		// A commune of another province then simply matches nothing.
		province = a.ProvinceCode
	case RoleCommune, RoleMember:
		if commune == "" {
			communes = a.CommuneCodes
			if len(communes) == 0 {
				return "", nil, fmt.Errorf("no communes in scope: %w", ErrNotFound)
			}
		}
	}
	return province, communes, nil
}

// UpdateMarket changes a market. It returns ErrNotFound when the market
// does not exist, ErrForbidden unless the actor manages markets in its
// commune, a *ValidationError for bad input and ErrConflict for a code
// already used in the commune.
func (s *Service) UpdateMarket(ctx context.Context, a Actor, id int64, in UpdateMarketInput) (Market, error) {
	cur, err := s.store.Market(ctx, id)
	if err != nil {
		return Market{}, err
	}
	if err := Authorize(a, PermManageMarkets, cur.Unit()); err != nil {
		return Market{}, fmt.Errorf("market %d: %w", id, err)
	}
	var m Market
	err = s.store.InTx(ctx, func(tx Tx) error {
		before, err := tx.LockMarket(ctx, id)
		if err != nil {
			return err
		}
		m = before
		var p problems
		if in.Code != nil {
			m.Code = checkCode(&p, "code", *in.Code, false, 32)
		}
		if in.Name != nil {
			m.Name = checkMarketName(&p, "name", *in.Name)
		}
		if in.Address != nil {
			m.Address = checkText(&p, "address", *in.Address, false, 300)
		}
		if in.Class != nil {
			m.Class = *in.Class
		}
		if in.StallsDeclared != nil {
			m.StallsDeclared = *in.StallsDeclared
		}
		if in.Status != nil {
			m.Status = *in.Status
		}
		if in.FeeAccount != nil {
			m.FeeAccount = checkFeeAccount(&p, in.FeeAccount)
		}
		checkMarketNumbers(&p, m)
		if err := p.err(); err != nil {
			return err
		}
		if err := tx.UpdateMarket(ctx, m); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, a, ActionUpdate, "market", m.ID, m.ID, auditMarket(before), auditMarket(m)); err != nil {
			return err
		}
		if m.StallsDeclared != before.StallsDeclared {
			c, err := tx.EmitMarketCounts(ctx, m.ID)
			m.CounterVersion = c.Version
			return err
		}
		return nil
	})
	if err != nil {
		return Market{}, fmt.Errorf("update market %d: %w", id, err)
	}
	return s.store.Market(ctx, id)
}

// checkBIN checks that a BIN is in the qr bank directory.
func checkBIN(p *problems, field, s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		p.add(field, "is required: the bank's six-digit BIN (e.g. 970436 for Vietcombank)")
		return ""
	}
	if _, ok := qr.BankByBIN(s); !ok {
		p.add(field, fmt.Sprintf("%q is not a bank BIN in the directory (GET /api/v1/banks lists them)", s))
		return ""
	}
	return s
}
