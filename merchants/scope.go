package merchants

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Scope turns a request for a unit (?province=&commune=) into the unit the
// actor asked for, checked against its scope. Without either it is the
// actor's own area: the country for an admin, the province of a province
// officer, the commune of a commune officer or member who has exactly one
// (with several it must choose). It returns ErrNotFound for a unit that
// does not exist or that the actor cannot see, a *ValidationError for a
// commune named with another province or a missing choice, and
// ErrUnauthenticated for an actor without a role.
func (s *AdoptionService) Scope(a Actor, province, commune string) (UnitFilter, error) {
	switch {
	case commune != "":
		p, err := s.cfg.Units.ProvinceOfCommune(commune)
		if err != nil {
			return UnitFilter{}, err
		}
		if province != "" && province != p {
			return UnitFilter{}, &ValidationError{Fields: []FieldError{{Field: "commune",
				Message: fmt.Sprintf("commune %s is in province %s, not %s", commune, p, province)}}}
		}
		if err := Authorize(a, PermRead, Unit{ProvinceCode: p, CommuneCode: commune}); err != nil {
			return UnitFilter{}, err
		}
		return UnitFilter{ProvinceCode: p, CommuneCode: commune}, nil
	case province != "":
		if _, err := s.cfg.Units.Province(province); err != nil {
			return UnitFilter{}, err
		}
		if err := Authorize(a, PermRead, Unit{ProvinceCode: province}); err != nil {
			return UnitFilter{}, err
		}
		return UnitFilter{ProvinceCode: province}, nil
	}
	switch a.Role {
	case RoleAdmin:
		return UnitFilter{}, nil
	case RoleProvince:
		return UnitFilter{ProvinceCode: a.ProvinceCode}, nil
	case RoleCommune, RoleMember:
		if len(a.CommuneCodes) == 1 {
			return s.Scope(a, "", a.CommuneCodes[0])
		}
		return UnitFilter{}, &ValidationError{Fields: []FieldError{{Field: "commune",
			Message: "is required: you work in several communes (" + strings.Join(a.CommuneCodes, ", ") + "); choose one"}}}
	}
	return UnitFilter{}, ErrUnauthenticated
}

// MarketFor returns a market's adoption for an actor: ErrNotFound when the
// market does not exist or is outside the actor's area, else the errors
// of Market. The figures carry the market's unit, so reading them is the
// check.
func (s *AdoptionService) MarketFor(ctx context.Context, a Actor, marketID int64) (MarketAdoption, error) {
	m, err := s.Market(ctx, marketID)
	if err != nil {
		return MarketAdoption{}, err
	}
	if err := Authorize(a, PermRead, Unit{ProvinceCode: m.ProvinceCode, CommuneCode: m.CommuneCode}); err != nil {
		return MarketAdoption{}, fmt.Errorf("adoption: market %d: %w", marketID, err)
	}
	return m, nil
}

// UnitFor returns the adoption of the unit an actor asks for, as Scope
// resolves it; Scope's errors, then Unit's.
func (s *AdoptionService) UnitFor(ctx context.Context, a Actor, province, commune string) (UnitAdoption, error) {
	f, err := s.Scope(a, province, commune)
	if err != nil {
		return UnitAdoption{}, err
	}
	return s.Unit(ctx, f)
}

// ReportFor builds the report of the unit an actor asks for, as Scope
// resolves it, for the period containing at (zero for today). Reports
// belong to commune officers, province officers and admins: it returns
// Scope's errors, ErrForbidden for other roles, a *ValidationError when the
// unit is the whole country (a report is for a commune or a province), and
// Report's errors.
func (s *AdoptionService) ReportFor(ctx context.Context, a Actor, province, commune string, period Period, at time.Time) (Report, error) {
	f, err := s.Scope(a, province, commune)
	if err != nil {
		return Report{}, err
	}
	if !a.Can(PermManageTargets) {
		return Report{}, fmt.Errorf("reports: role %s: %w", a.Role, ErrForbidden)
	}
	if f.CommuneCode == "" && f.ProvinceCode == "" {
		return Report{}, &ValidationError{Fields: []FieldError{{Field: "province", Message: "is required: a report is for a commune or a province"}}}
	}
	return s.Report(ctx, ReportRequest{ProvinceCode: f.ProvinceCode, CommuneCode: f.CommuneCode, Period: period, At: at})
}
