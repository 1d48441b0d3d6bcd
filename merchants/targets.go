package merchants

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// Audit actions of targets and thresholds.
const (
	// ActionSetTarget creates or replaces a unit's target for a due date.
	ActionSetTarget = "set_target"
	// ActionDeleteTarget removes a unit's target for a due date.
	ActionDeleteTarget = "delete_target"
	// ActionSetThreshold changes a province's chợ 4.0 threshold.
	ActionSetThreshold = "set_threshold"
)

// Audit entities of targets and thresholds: they have no numeric ID, so
// the entry's before and after carry the unit.
const (
	entityTarget    = "adoption_target"
	entityThreshold = "cho40_threshold"
)

// ProvinceThreshold is a province's chợ 4.0 threshold: the share of active
// stalls with QR at which its markets count as chợ 4.0.
type ProvinceThreshold struct {
	ProvinceCode string  `json:"province_code"`
	Threshold    float64 `json:"cho40_threshold"`
}

// provinceDirectory is the part of *Units that knows provinces; a
// UnitResolver without it accepts any well-formed province code.
type provinceDirectory interface {
	Province(code string) (Province, error)
}

// checkTarget validates a target as SetTarget receives it and resolves the
// commune's province; the due date is returned as a day.
func (s *Service) checkTarget(t AdoptionTarget, needShare bool) (AdoptionTarget, error) {
	var p problems
	t.ProvinceCode = checkUnitCode(&p, "province_code", t.ProvinceCode, false)
	t.CommuneCode = checkUnitCode(&p, "commune_code", t.CommuneCode, false)
	if needShare && !(t.Cho40Share > 0 && t.Cho40Share <= 1) {
		p.add("cho40_share", fmt.Sprintf("%v is outside the allowed range: a share of markets above 0 and at most 1 (1 is every market chợ 4.0)", t.Cho40Share))
	}
	if t.Due.IsZero() {
		p.add("due", "is required: the day the target is due, as YYYY-MM-DD")
	}
	s.resolveUnit(&p, &t.ProvinceCode, t.CommuneCode)
	if err := p.err(); err != nil {
		return AdoptionTarget{}, err
	}
	t.Due = dayOf(t.Due)
	return t, nil
}

// resolveUnit fills in the province of a commune, or checks the province
// alone, adding a problem for an unknown unit or a commune named with
// another province. Unit codes are public reference data (GET
// /units/provinces), so naming an unknown one reveals nothing.
func (s *Service) resolveUnit(p *problems, province *string, commune string) {
	switch {
	case commune != "" && s.units != nil:
		of, err := s.units.ProvinceOfCommune(commune)
		if err != nil {
			p.add("commune_code", fmt.Sprintf("%s is not a commune in force (see GET /api/v1/units/provinces/{code}/communes)", commune))
			return
		}
		if *province != "" && *province != of {
			p.add("commune_code", fmt.Sprintf("commune %s is in province %s, not %s", commune, of, *province))
			return
		}
		*province = of
	case *province == "":
		p.add("province_code", "is required (with commune_code for a commune's target)")
	case *province != "" && !s.provinceKnown(*province):
		p.add("province_code", fmt.Sprintf("%s is not a province in force (see GET /api/v1/units/provinces)", *province))
	}
}

// provinceKnown reports whether a province code is in force, as far as the
// unit directory knows.
func (s *Service) provinceKnown(code string) bool {
	d, ok := s.units.(provinceDirectory)
	if !ok {
		return true
	}
	_, err := d.Province(code)
	return err == nil
}

// SetTarget creates or replaces the target of a commune (CommuneCode set)
// or a province for a due date, audited. Commune officers set their
// communes' targets, province officers their province's and its communes',
// admins any. It returns a *ValidationError, changing nothing, for a
// missing or unknown unit, a share outside (0, 1] or a missing due date;
// ErrForbidden for a role without targets or a unit outside the actor's
// scope; and store errors.
func (s *Service) SetTarget(ctx context.Context, a Actor, in AdoptionTarget) (AdoptionTarget, error) {
	t, err := s.checkTarget(in, true)
	if err != nil {
		if !a.Can(PermManageTargets) {
			return AdoptionTarget{}, Authorize(a, PermManageTargets, Unit{})
		}
		return AdoptionTarget{}, err
	}
	if err := Authorize(a, PermManageTargets, Unit{ProvinceCode: t.ProvinceCode, CommuneCode: t.CommuneCode}); err != nil {
		return AdoptionTarget{}, err
	}
	err = s.store.InTx(ctx, func(tx Tx) error {
		before, err := tx.AdoptionTargets(ctx, UnitFilter{ProvinceCode: t.ProvinceCode, CommuneCode: t.CommuneCode})
		if err != nil {
			return err
		}
		var was any
		if old := sameTarget(before, t); old != nil {
			was = *old
		}
		if err := tx.SetAdoptionTarget(ctx, t); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, ActionSetTarget, entityTarget, 0, 0, was, t)
	})
	if err != nil {
		return AdoptionTarget{}, fmt.Errorf("set target: %w", err)
	}
	return t, nil
}

// sameTarget finds the target of t's unit and due date among targets.
func sameTarget(targets []AdoptionTarget, t AdoptionTarget) *AdoptionTarget {
	for i, o := range targets {
		if o.ProvinceCode == t.ProvinceCode && o.CommuneCode == t.CommuneCode && o.Due.Equal(t.Due) {
			return &targets[i]
		}
	}
	return nil
}

// DeleteTarget removes the target of a unit for a due date, audited, with
// the permissions of SetTarget. It returns SetTarget's errors (but none
// about the share) and an error wrapping ErrNotFound when the unit has no
// target due that day.
func (s *Service) DeleteTarget(ctx context.Context, a Actor, province, commune string, due time.Time) error {
	t, err := s.checkTarget(AdoptionTarget{ProvinceCode: province, CommuneCode: commune, Due: due}, false)
	if err != nil {
		if !a.Can(PermManageTargets) {
			return Authorize(a, PermManageTargets, Unit{})
		}
		return err
	}
	if err := Authorize(a, PermManageTargets, Unit{ProvinceCode: t.ProvinceCode, CommuneCode: t.CommuneCode}); err != nil {
		return err
	}
	err = s.store.InTx(ctx, func(tx Tx) error {
		before, err := tx.AdoptionTargets(ctx, UnitFilter{ProvinceCode: t.ProvinceCode, CommuneCode: t.CommuneCode})
		if err != nil {
			return err
		}
		old := sameTarget(before, t)
		if old == nil {
			return fmt.Errorf("%s has no target due %s: %w", Unit{t.ProvinceCode, t.CommuneCode}, t.Due.Format(time.DateOnly), ErrNotFound)
		}
		if err := tx.DeleteAdoptionTarget(ctx, t); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, ActionDeleteTarget, entityTarget, 0, 0, *old, nil)
	})
	if err != nil {
		return fmt.Errorf("delete target: %w", err)
	}
	return nil
}

// Targets returns the targets of a unit the actor can see, by unit and due
// date: a commune's own, or a province's and its communes'. Without a unit
// it is the actor's area: every target for an admin, the province's for a
// province officer, the communes' for a commune officer or member. It
// returns a *ValidationError for a malformed or unknown code or a commune
// named with another province, ErrNotFound for a unit outside the actor's
// area, and store errors.
func (s *Service) Targets(ctx context.Context, a Actor, province, commune string) ([]AdoptionTarget, error) {
	var p problems
	province = checkUnitCode(&p, "province", province, false)
	commune = checkUnitCode(&p, "commune", commune, false)
	if commune != "" || province != "" {
		s.resolveUnit(&p, &province, commune)
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	var filters []UnitFilter
	switch {
	case province != "":
		if err := Authorize(a, PermRead, Unit{ProvinceCode: province, CommuneCode: commune}); err != nil {
			return nil, err
		}
		filters = []UnitFilter{{ProvinceCode: province, CommuneCode: commune}}
	case a.Role == RoleAdmin:
		filters = []UnitFilter{{}}
	case a.Role == RoleProvince:
		filters = []UnitFilter{{ProvinceCode: a.ProvinceCode}}
	case a.Role.Valid():
		for _, c := range a.CommuneCodes {
			filters = append(filters, UnitFilter{CommuneCode: c})
		}
	default:
		return nil, ErrUnauthenticated
	}
	out := []AdoptionTarget{}
	for _, f := range filters {
		ts, err := s.store.AdoptionTargets(ctx, f)
		if err != nil {
			return nil, fmt.Errorf("targets: %w", err)
		}
		out = append(out, ts...)
	}
	return out, nil
}

// SetThreshold sets a province's chợ 4.0 threshold, audited. Province
// officers set their province's, admins any. Every market's chợ 4.0 state,
// the counts of chợ 4.0 markets and reports follow on every replica from
// the next read (AdoptionService reads thresholds with the outbox). It
// returns ErrNotFound for an unknown province, a *ValidationError for a
// threshold outside (0, 1], ErrForbidden for another role or province, and
// store errors.
func (s *Service) SetThreshold(ctx context.Context, a Actor, province string, threshold float64) (ProvinceThreshold, error) {
	var p problems
	if checkUnitCode(&p, "code", province, true) == "" || !s.provinceKnown(province) {
		return ProvinceThreshold{}, fmt.Errorf("province %q: %w", province, ErrNotFound)
	}
	if err := Authorize(a, PermManageTargets, Unit{ProvinceCode: province}); err != nil {
		return ProvinceThreshold{}, err
	}
	if !(threshold > 0 && threshold <= 1) {
		p.add("cho40_threshold", fmt.Sprintf("%s is outside the allowed range: a share of active stalls with QR above 0 and at most 1 (0.8 is 80%%)",
			strconv.FormatFloat(threshold, 'g', -1, 64)))
		return ProvinceThreshold{}, p.err()
	}
	out := ProvinceThreshold{ProvinceCode: province, Threshold: threshold}
	err := s.store.InTx(ctx, func(tx Tx) error {
		all, err := tx.Cho40Thresholds(ctx)
		if err != nil {
			return err
		}
		before := ProvinceThreshold{ProvinceCode: province, Threshold: thresholdOf(all, province)}
		if err := tx.SetCho40Threshold(ctx, province, threshold); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, ActionSetThreshold, entityThreshold, 0, 0, before, out)
	})
	if err != nil {
		return ProvinceThreshold{}, fmt.Errorf("set threshold: %w", err)
	}
	return out, nil
}
