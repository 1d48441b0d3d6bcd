package merchants_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sapqr/sapqr/merchants"
	"github.com/sapqr/sapqr/merchants/gormstore"
	mt "github.com/sapqr/sapqr/merchants/merchantstest"
)

// targetUnits are the units of the role × scope tables, in their order.
var targetUnits = []struct {
	name              string
	province, commune string
}{
	{"province A", mt.ProvinceA, ""},
	{"commune A1", "", mt.CommuneA1},
	{"commune A2", mt.ProvinceA, mt.CommuneA2},
	{"commune B1", "", mt.CommuneB1},
	{"province B", mt.ProvinceB, ""},
}

// targetActors: who sets targets where, worked out by hand from the issue:
// commune officers their communes, province officers their province and
// its communes, admins anywhere, members nowhere.
var targetActors = []struct {
	name  string
	actor merchants.Actor
	may   []bool // one per targetUnits entry
}{
	{"admin", mt.Admin(), []bool{true, true, true, true, true}},
	{"province A", mt.ProvinceOfficer(mt.ProvinceA), []bool{true, true, true, false, false}},
	{"commune A1", mt.CommuneOfficer(mt.CommuneA1), []bool{false, true, false, false, false}},
	{"member A1", mt.Member(mt.CommuneA1), []bool{false, false, false, false, false}},
}

func TestSetTargetRoleScope(t *testing.T) {
	due := time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)
	eachDB(t, func(t *testing.T, s *merchants.Service, st *gormstore.Store) {
		ctx := context.Background()
		for _, a := range targetActors {
			for i, u := range targetUnits {
				in := merchants.AdoptionTarget{ProvinceCode: u.province, CommuneCode: u.commune, Cho40Share: 0.5, Due: due}
				_, err := s.SetTarget(ctx, a.actor, in)
				if a.may[i] && err != nil {
					t.Errorf("%s sets %s: %v, want allowed", a.name, u.name, err)
				}
				if !a.may[i] && !errors.Is(err, merchants.ErrForbidden) {
					t.Errorf("%s sets %s: %v, want ErrForbidden", a.name, u.name, err)
				}
			}
		}
		// Allowed: admin 5, province A 3, commune A1 1; each audited.
		entries, err := st.AuditLog(ctx, merchants.AuditQuery{Entity: "adoption_target", Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 9 {
			t.Errorf("%d audit entries, want 9", len(entries))
		}
		all, err := s.Targets(ctx, mt.Admin(), "", "")
		if err != nil {
			t.Fatal(err)
		}
		// A replaced target stays one row per unit and day.
		if len(all) != 5 {
			t.Errorf("%d targets, want 5: %+v", len(all), all)
		}
	})
}

func TestDeleteTargetRoleScope(t *testing.T) {
	due := time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)
	eachDB(t, func(t *testing.T, s *merchants.Service, st *gormstore.Store) {
		ctx := context.Background()
		for _, a := range targetActors {
			for i, u := range targetUnits {
				in := merchants.AdoptionTarget{ProvinceCode: u.province, CommuneCode: u.commune, Cho40Share: 0.5, Due: due}
				if _, err := s.SetTarget(ctx, mt.Admin(), in); err != nil {
					t.Fatal(err)
				}
				err := s.DeleteTarget(ctx, a.actor, u.province, u.commune, due)
				if a.may[i] && err != nil {
					t.Errorf("%s deletes %s: %v, want allowed", a.name, u.name, err)
				}
				if !a.may[i] && !errors.Is(err, merchants.ErrForbidden) {
					t.Errorf("%s deletes %s: %v, want ErrForbidden", a.name, u.name, err)
				}
				left, err := s.Targets(ctx, mt.Admin(), u.province, u.commune)
				if err != nil {
					t.Fatal(err)
				}
				if own := countOwn(left, u.commune); (own == 0) != a.may[i] {
					t.Errorf("%s deletes %s: %d targets left", a.name, u.name, own)
				}
				if !a.may[i] {
					if err := s.DeleteTarget(ctx, mt.Admin(), u.province, u.commune, due); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
		err := s.DeleteTarget(ctx, mt.Admin(), mt.ProvinceA, "", due)
		if !errors.Is(err, merchants.ErrNotFound) {
			t.Errorf("deleting a target that does not exist: %v, want ErrNotFound", err)
		}
	})
}

// countOwn counts the targets of the commune (the province's own for "").
func countOwn(ts []merchants.AdoptionTarget, commune string) int {
	n := 0
	for _, t := range ts {
		if t.CommuneCode == commune {
			n++
		}
	}
	return n
}

func TestSetThresholdRoleScope(t *testing.T) {
	provinces := []string{mt.ProvinceA, mt.ProvinceB}
	actors := []struct {
		name  string
		actor merchants.Actor
		may   []bool // per province
	}{
		{"admin", mt.Admin(), []bool{true, true}},
		{"province A", mt.ProvinceOfficer(mt.ProvinceA), []bool{true, false}},
		{"commune A1", mt.CommuneOfficer(mt.CommuneA1), []bool{false, false}},
		{"member A1", mt.Member(mt.CommuneA1), []bool{false, false}},
	}
	eachDB(t, func(t *testing.T, s *merchants.Service, st *gormstore.Store) {
		ctx := context.Background()
		allowed := 0
		for _, a := range actors {
			for i, p := range provinces {
				got, err := s.SetThreshold(ctx, a.actor, p, 0.9)
				switch {
				case a.may[i] && err != nil:
					t.Errorf("%s sets %s: %v, want allowed", a.name, p, err)
				case a.may[i]:
					allowed++
					if want := (merchants.ProvinceThreshold{ProvinceCode: p, Threshold: 0.9}); got != want {
						t.Errorf("%s sets %s: %+v, want %+v", a.name, p, got, want)
					}
				case !errors.Is(err, merchants.ErrForbidden):
					t.Errorf("%s sets %s: %v, want ErrForbidden", a.name, p, err)
				}
			}
		}
		entries, err := st.AuditLog(ctx, merchants.AuditQuery{Entity: "cho40_threshold", Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != allowed || allowed != 3 {
			t.Errorf("%d audit entries for %d changes, want 3", len(entries), allowed)
		}
		// The first change of province A recorded the default it replaced.
		first := entries[len(entries)-1]
		if string(first.Before) != `{"province_code":"01","cho40_threshold":0.8}` || string(first.After) != `{"province_code":"01","cho40_threshold":0.9}` {
			t.Errorf("audit before %s after %s", first.Before, first.After)
		}
	})
}

func TestTargetsValidation(t *testing.T) {
	due := time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)
	eachDB(t, func(t *testing.T, s *merchants.Service, st *gormstore.Store) {
		ctx := context.Background()
		admin := mt.Admin()
		cases := []struct {
			name string
			call func() error
			want []string
		}{
			{"share above 1", func() error {
				_, err := s.SetTarget(ctx, admin, merchants.AdoptionTarget{ProvinceCode: mt.ProvinceA, Cho40Share: 1.5, Due: due})
				return err
			}, []string{"cho40_share"}},
			{"share zero", func() error {
				_, err := s.SetTarget(ctx, admin, merchants.AdoptionTarget{ProvinceCode: mt.ProvinceA, Due: due})
				return err
			}, []string{"cho40_share"}},
			{"no due date", func() error {
				_, err := s.SetTarget(ctx, admin, merchants.AdoptionTarget{ProvinceCode: mt.ProvinceA, Cho40Share: 1})
				return err
			}, []string{"due"}},
			{"no unit", func() error {
				_, err := s.SetTarget(ctx, admin, merchants.AdoptionTarget{Cho40Share: 1, Due: due})
				return err
			}, []string{"province_code"}},
			{"unknown commune", func() error {
				_, err := s.SetTarget(ctx, admin, merchants.AdoptionTarget{CommuneCode: "99999", Cho40Share: 1, Due: due})
				return err
			}, []string{"commune_code"}},
			{"commune of another province", func() error {
				_, err := s.SetTarget(ctx, admin, merchants.AdoptionTarget{ProvinceCode: mt.ProvinceB, CommuneCode: mt.CommuneA1, Cho40Share: 1, Due: due})
				return err
			}, []string{"commune_code"}},
			{"threshold above 1", func() error { _, err := s.SetThreshold(ctx, admin, mt.ProvinceA, 1.5); return err }, []string{"cho40_threshold"}},
			{"threshold zero", func() error { _, err := s.SetThreshold(ctx, admin, mt.ProvinceA, 0); return err }, []string{"cho40_threshold"}},
			{"delete without due", func() error { return s.DeleteTarget(ctx, admin, mt.ProvinceA, "", time.Time{}) }, []string{"due"}},
			{"read a malformed commune", func() error { _, err := s.Targets(ctx, admin, "", "A1"); return err }, []string{"commune"}},
		}
		for _, c := range cases {
			if got := fields(t, c.call()); !cmp.Equal(got, c.want) {
				t.Errorf("%s: fields %v, want %v", c.name, got, c.want)
			}
		}
		if all, err := s.Targets(ctx, admin, "", ""); err != nil || len(all) != 0 {
			t.Errorf("after refused changes: %d targets, %v; want none", len(all), err)
		}
	})
}

// TestTargetsRead: a unit outside the reader's area is not found; without
// a unit each reader gets its own area.
func TestTargetsRead(t *testing.T) {
	due := time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)
	eachDB(t, func(t *testing.T, s *merchants.Service, st *gormstore.Store) {
		ctx := context.Background()
		for _, u := range targetUnits {
			if _, err := s.SetTarget(ctx, mt.Admin(), merchants.AdoptionTarget{ProvinceCode: u.province, CommuneCode: u.commune, Cho40Share: 0.5, Due: due}); err != nil {
				t.Fatal(err)
			}
		}
		cases := []struct {
			name              string
			actor             merchants.Actor
			province, commune string
			want              int // targets; -1 for ErrNotFound
		}{
			{"admin, all", mt.Admin(), "", "", 5},
			{"admin, province B", mt.Admin(), mt.ProvinceB, "", 2},
			{"province A, own area", mt.ProvinceOfficer(mt.ProvinceA), "", "", 3},
			{"province A, commune A2", mt.ProvinceOfficer(mt.ProvinceA), "", mt.CommuneA2, 1},
			{"province A, commune B1", mt.ProvinceOfficer(mt.ProvinceA), "", mt.CommuneB1, -1},
			{"province A, province B", mt.ProvinceOfficer(mt.ProvinceA), mt.ProvinceB, "", -1},
			{"commune A1, own area", mt.CommuneOfficer(mt.CommuneA1), "", "", 1},
			{"commune A1, commune A2", mt.CommuneOfficer(mt.CommuneA1), "", mt.CommuneA2, -1},
			{"commune A1, province A", mt.CommuneOfficer(mt.CommuneA1), mt.ProvinceA, "", -1},
			{"member A1, own commune", mt.Member(mt.CommuneA1), "", mt.CommuneA1, 1},
		}
		for _, c := range cases {
			got, err := s.Targets(ctx, c.actor, c.province, c.commune)
			switch {
			case c.want < 0 && !errors.Is(err, merchants.ErrNotFound):
				t.Errorf("%s: %v, want ErrNotFound", c.name, err)
			case c.want >= 0 && (err != nil || len(got) != c.want):
				t.Errorf("%s: %d targets, %v; want %d", c.name, len(got), err, c.want)
			}
		}
	})
}
