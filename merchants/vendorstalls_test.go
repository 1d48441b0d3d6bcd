package merchants_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/sapqr/sapqr/merchants"
	"github.com/sapqr/sapqr/merchants/gormstore"
	mt "github.com/sapqr/sapqr/merchants/merchantstest"
)

// stallOf returns the stall with code in market m.
func stallOf(t *testing.T, s *merchants.Service, m merchants.Market, code string) merchants.Stall {
	t.Helper()
	page, err := s.ListStalls(context.Background(), mt.Admin(), merchants.StallFilter{MarketID: m.ID, Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range page.Stalls {
		if st.Code == code {
			return st
		}
	}
	t.Fatalf("market %d has no stall %s", m.ID, code)
	return merchants.Stall{}
}

// sameVendor compares vendors but for UpdatedAt, which the store sets
// from its own clock on every update, and an empty Stalls for none.
var sameVendor = cmp.Options{cmpopts.IgnoreFields(merchants.Vendor{}, "UpdatedAt"), cmpopts.EquateEmpty()}

// readsBack fails t unless v is what the store returns for its ID: a
// change returns the vendor as it committed it.
func readsBack(t *testing.T, s *merchants.Service, v merchants.Vendor) {
	t.Helper()
	got, err := s.Vendor(context.Background(), mt.Admin(), v.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(got, v, sameVendor); diff != "" {
		t.Errorf("vendor %d as returned differs from a read (-read +returned):\n%s", v.ID, diff)
	}
}

// auditTail describes the market's n newest audit entries, newest first:
// for a vendor its main stall and stall codes before and after, for a
// stall its status before and after.
func auditTail(t *testing.T, s *merchants.Service, marketID int64, n int) []string {
	t.Helper()
	page, err := s.AuditLog(context.Background(), mt.Admin(), merchants.AuditFilter{MarketID: marketID, Limit: n})
	if err != nil {
		t.Fatal(err)
	}
	type side struct {
		StallCode  string   `json:"stall_code"`
		StallCodes []string `json:"stall_codes"`
		Code       string   `json:"code"`
		Status     string   `json:"status"`
	}
	var out []string
	for _, e := range page.Entries {
		var b, a side
		if err := json.Unmarshal(e.Before, &b); err != nil {
			t.Fatalf("audit entry %d before %s: %v", e.ID, e.Before, err)
		}
		if err := json.Unmarshal(e.After, &a); err != nil {
			t.Fatalf("audit entry %d after %s: %v", e.ID, e.After, err)
		}
		switch e.Entity {
		case "vendor":
			if b.StallCodes == nil && string(e.Before) != "null" || a.StallCodes == nil {
				t.Errorf("audit entry %d of vendor %d lacks stall_codes: before %s after %s", e.ID, e.EntityID, e.Before, e.After)
			}
			out = append(out, fmt.Sprintf("%s vendor: main %s %v -> main %s %v", e.Action, b.StallCode, b.StallCodes, a.StallCode, a.StallCodes))
		case "stall":
			out = append(out, fmt.Sprintf("%s stall %s: %s -> %s", e.Action, a.Code, b.Status, a.Status))
		default:
			out = append(out, e.Action+" "+e.Entity)
		}
	}
	return out
}

// keptIsRecount fails t unless the counts kept with the market, when they
// are those of its current version, equal a fresh recount.
func keptIsRecount(t *testing.T, st *gormstore.Store, marketID int64) {
	t.Helper()
	kept, current := mt.KeptCounts(t, st, marketID)
	if !current {
		t.Errorf("market %d: kept counts are not those of its current version", marketID)
		return
	}
	cs, err := st.RecountMarkets(context.Background(), merchants.UnitFilter{MarketIDs: []int64{marketID}})
	if err != nil || len(cs) != 1 {
		t.Fatalf("recount: %v %v", cs, err)
	}
	if diff := cmp.Diff(cs[0], kept); diff != "" {
		t.Errorf("market %d: kept counts differ from a recount (-recount +kept):\n%s", marketID, diff)
	}
}

// unchanged runs a change that must be refused, or be a harmless retry,
// and fails t when it changed anything the database holds.
func unchanged(t *testing.T, st *gormstore.Store, call func() error) error {
	t.Helper()
	before := mt.State(t, st.DB())
	err := call()
	if diff := cmp.Diff(before, mt.State(t, st.DB())); diff != "" {
		t.Errorf("the call (error %v) changed the database (-before +after):\n%s", err, diff)
	}
	return err
}

// TestMultiStall walks one market through every rule of a vendor holding
// several stalls, on each database, checking after each change the stalls
// held, the audit entries, the counts (outbox, kept and recount) and that
// the returned vendor is the stored one.
func TestMultiStall(t *testing.T) {
	eachDB(t, func(t *testing.T, s *merchants.Service, st *gormstore.Store) {
		ctx := context.Background()
		admin, member, officer := mt.Admin(), mt.Member(mt.CommuneA1), mt.CommuneOfficer(mt.CommuneA1)
		vacant, closed := merchants.StallVacant, merchants.StallClosed

		// Elsewhere: a market of another commune with an active and an
		// inactive vendor, and a closed market with a vendor.
		other := mt.Market(t, s, mt.CommuneA2, 5)
		inOther := mt.Vendor(t, s, other, "B-1", 3)
		gone := mt.Vendor(t, s, other, "B-2", 4)
		if _, err := s.DeactivateVendor(ctx, admin, gone.ID); err != nil {
			t.Fatal(err)
		}
		shut := mt.Market(t, s, mt.CommuneA1, 5)
		inShut := mt.Vendor(t, s, shut, "K-1", 5)
		closedMarket := merchants.MarketClosed
		if _, err := s.UpdateMarket(ctx, admin, shut.ID, merchants.UpdateMarketInput{Status: &closedMarket}); err != nil {
			t.Fatal(err)
		}

		// The market: 5 stalls declared, A-1 and A-2 with vendors, C-1
		// closed, V-1 vacant.
		m := mt.Market(t, s, mt.CommuneA1, 5)
		v1 := mt.Vendor(t, s, m, "A-1", 1)
		v2 := mt.Vendor(t, s, m, "A-2", 2)
		if _, err := s.CreateStall(ctx, admin, merchants.CreateStallInput{MarketID: m.ID, Code: "C-1", Status: closed}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateStall(ctx, admin, merchants.CreateStallInput{MarketID: m.ID, Code: "V-1", Status: vacant}); err != nil {
			t.Fatal(err)
		}

		// One person with one bank account selling at two stalls is one
		// vendor: registering them again at A-3 is refused (the account is
		// theirs already); assigning A-3 gives the vendor a second stall,
		// created as a registration would, with the same account and sign.
		err := unchanged(t, st, func() error {
			_, err := s.RegisterVendor(ctx, member, register(m, "A-3", 1))
			return err
		})
		if !errors.Is(err, merchants.ErrConflict) {
			t.Fatalf("registering the vendor's bank account again at A-3: %v, want ErrConflict", err)
		}
		r, err := s.AssignStall(ctx, member, v1.ID, "A-3")
		if err != nil {
			t.Fatal(err)
		}
		v := r.Vendor
		if diff := cmp.Diff([]string{"A-1", "A-3"}, v.StallCodes()); diff != "" || v.StallCode != "A-1" || v.StallID != v1.StallID {
			t.Errorf("after assigning A-3: main %s (%d), stalls (-want +got):\n%s", v.StallCode, v.StallID, diff)
		}
		if len(v.Accounts) != 1 || v.Accounts[0].ID != v1.Accounts[0].ID || r.Payload != v1.Payload || v.SignVersion != v1.SignVersion {
			t.Errorf("a second stall changed the account or sign: %d accounts, payload changed %v, sign version %d",
				len(v.Accounts), r.Payload != v1.Payload, v.SignVersion)
		}
		for _, h := range v.Stalls {
			if !h.Active || h.VendorID != v1.ID || h.MarketID != m.ID || h.AssignedAt.IsZero() || h.ID == 0 {
				t.Errorf("holding %+v", h)
			}
		}
		if h := v.Stalls[1]; h.AssignedBy != member.UserID {
			t.Errorf("A-3 assigned by %d, want the member %d", h.AssignedBy, member.UserID)
		}
		readsBack(t, s, v)
		if diff := cmp.Diff([]string{
			"assign_stall vendor: main A-1 [A-1] -> main A-1 [A-1 A-3]",
			"create stall A-3:  -> active",
		}, auditTail(t, s, m.ID, 2)); diff != "" {
			t.Errorf("audit (-want +got):\n%s", diff)
		}
		// Both of the vendor's stalls count as stalls with a QR.
		checkCounts(t, st, m.ID, merchants.MarketCounts{StallsDeclared: 5, StallsActive: 3, StallsWithQR: 3, Vendors: 2, VendorsWithQR: 2})
		keptIsRecount(t, st, m.ID)

		// Retries are harmless, however the code is typed.
		for _, code := range []string{"A-3", " a-3 ", "A-1"} {
			var r merchants.VendorResult
			if err := unchanged(t, st, func() (err error) {
				r, err = s.AssignStall(ctx, member, v1.ID, code)
				return err
			}); err != nil {
				t.Errorf("assigning %q again: %v", code, err)
			}
			if diff := cmp.Diff(v, r.Vendor, sameVendor); diff != "" {
				t.Errorf("assigning %q again returned another vendor (-first +retry):\n%s", code, diff)
			}
		}

		// Every refusal leaves the database as it was. The market has its
		// 5 declared stalls now, C-1, V-1.
		a1, a2, a3 := stallOf(t, s, m, "A-1"), stallOf(t, s, m, "A-2"), stallOf(t, s, m, "A-3")
		b1, b2 := stallOf(t, s, other, "B-1"), stallOf(t, s, other, "B-2")
		str := func(s string) *string { return &s }
		assign := func(a merchants.Actor, id int64, code string) func() error {
			return func() error { _, err := s.AssignStall(ctx, a, id, code); return err }
		}
		release := func(a merchants.Actor, id, stallID int64) func() error {
			return func() error { _, err := s.ReleaseStall(ctx, a, id, stallID); return err }
		}
		move := func(a merchants.Actor, id int64, in merchants.UpdateVendorInput) func() error {
			return func() error { _, err := s.UpdateVendor(ctx, a, id, in); return err }
		}
		setStall := func(id int64, status merchants.StallStatus) func() error {
			return func() error {
				_, err := s.UpdateStall(ctx, member, id, merchants.UpdateStallInput{Status: &status})
				return err
			}
		}
		outsider, province := mt.Member(mt.CommuneA2), mt.ProvinceOfficer(mt.ProvinceA)
		refusals := []struct {
			name   string
			call   func() error
			err    error    // the error wanted, or
			fields []string // the fields of the *ValidationError wanted
		}{
			{"assign: no code", assign(member, v1.ID, " "), nil, []string{"stall_code"}},
			{"assign: two codes with a comma", assign(member, v1.ID, "A-4,A-5"), nil, []string{"stall_code"}},
			{"assign: two codes with a semicolon", assign(member, v1.ID, "A-4;A-5"), nil, []string{"stall_code"}},
			{"assign: a new stall beyond the declared count", assign(member, v1.ID, "A-4"), nil, []string{"stall_code"}},
			{"assign: closed stall", assign(member, v1.ID, "C-1"), nil, []string{"stall_code"}},
			{"assign: another vendor's stall", assign(member, v1.ID, "A-2"), merchants.ErrConflict, nil},
			{"assign: another vendor's second stall", assign(member, v2.ID, "A-3"), merchants.ErrConflict, nil},
			{"register: at another vendor's second stall", func() error {
				_, err := s.RegisterVendor(ctx, member, register(m, "A-3", 6))
				return err
			}, merchants.ErrConflict, nil},
			{"assign: inactive vendor", assign(admin, gone.ID, "B-3"), nil, []string{"id"}},
			{"assign: closed market", assign(admin, inShut.ID, "K-2"), nil, []string{"market_id"}},
			{"assign: member outside the scope", assign(outsider, v1.ID, "A-4"), merchants.ErrForbidden, nil},
			{"assign: province officer (reads, may not register)", assign(province, v1.ID, "A-4"), merchants.ErrForbidden, nil},
			{"assign: unknown vendor", assign(member, 999_999, "A-4"), merchants.ErrNotFound, nil},
			{"release: unknown stall", release(member, v1.ID, 999_999), nil, []string{"stall_id"}},
			{"release: stall of another market", release(member, v1.ID, b1.ID), nil, []string{"stall_id"}},
			{"release: the vendor's only stall", release(member, v2.ID, a2.ID), nil, []string{"stall_id"}},
			{"release: inactive vendor", release(admin, gone.ID, b2.ID), nil, []string{"id"}},
			{"release: member outside the scope", release(outsider, v1.ID, a3.ID), merchants.ErrForbidden, nil},
			{"release: province officer", release(province, v1.ID, a3.ID), merchants.ErrForbidden, nil},
			{"release: unknown vendor", release(member, 999_999, a3.ID), merchants.ErrNotFound, nil},
			{"move: onto another vendor's stall", move(member, v1.ID, merchants.UpdateVendorInput{StallCode: str("A-2")}), merchants.ErrConflict, nil},
			{"move: onto another vendor's second stall", move(member, v2.ID, merchants.UpdateVendorInput{StallCode: str("A-3")}), merchants.ErrConflict, nil},
			{"move: onto a closed stall", move(member, v1.ID, merchants.UpdateVendorInput{StallCode: str("C-1")}), nil, []string{"stall_code"}},
			{"move: onto a new stall beyond the declared count", move(member, v1.ID, merchants.UpdateVendorInput{StallCode: str("A-4")}), nil, []string{"stall_code"}},
			{"move: two codes", move(member, v1.ID, merchants.UpdateVendorInput{StallCode: str("A-3;A-4")}), nil, []string{"stall_code"}},
			{"move: bad name with a taken stall", move(member, v1.ID, merchants.UpdateVendorInput{FullName: str(""), StallCode: str("A-2")}), nil, []string{"full_name"}},
			{"move: inactive vendor", move(admin, gone.ID, merchants.UpdateVendorInput{StallCode: str("B-2")}), nil, []string{"id"}},
			{"move: member outside the scope", move(outsider, v1.ID, merchants.UpdateVendorInput{StallCode: str("A-3")}), merchants.ErrForbidden, nil},
			{"deactivate: a member may not", func() error { _, err := s.DeactivateVendor(ctx, member, v1.ID); return err }, merchants.ErrForbidden, nil},
			{"deactivate: officer outside the scope", func() error {
				_, err := s.DeactivateVendor(ctx, mt.CommuneOfficer(mt.CommuneA2), v1.ID)
				return err
			}, merchants.ErrForbidden, nil},
			{"close a stall held as a vendor's second stall", setStall(a3.ID, closed), nil, []string{"status"}},
			{"leave vacant a stall held as a vendor's second stall", setStall(a3.ID, vacant), nil, []string{"status"}},
			{"close a vendor's main stall", setStall(a1.ID, closed), nil, []string{"status"}},
		}
		for _, tt := range refusals {
			t.Run(tt.name, func(t *testing.T) {
				err := unchanged(t, st, tt.call)
				if tt.err != nil {
					if !errors.Is(err, tt.err) {
						t.Errorf("error %v, want %v", err, tt.err)
					}
					return
				}
				if diff := cmp.Diff(tt.fields, fields(t, err)); diff != "" {
					t.Errorf("fields (-want +got):\n%s", diff)
				}
			})
		}
		if _, err := s.Vendor(ctx, admin, inOther.ID); err != nil {
			t.Fatal(err)
		}

		// A vacant stall is reopened, as at registration.
		if r, err = s.AssignStall(ctx, member, v1.ID, "V-1"); err != nil {
			t.Fatal(err)
		}
		v = r.Vendor
		if diff := cmp.Diff([]string{"A-1", "A-3", "V-1"}, v.StallCodes()); diff != "" {
			t.Errorf("stalls (-want +got):\n%s", diff)
		}
		if got := stallOf(t, s, m, "V-1").Status; got != merchants.StallActive {
			t.Errorf("V-1 is %s after its assignment, want active", got)
		}
		readsBack(t, s, v)
		if diff := cmp.Diff([]string{
			"assign_stall vendor: main A-1 [A-1 A-3] -> main A-1 [A-1 A-3 V-1]",
			"update stall V-1: vacant -> active",
		}, auditTail(t, s, m.ID, 2)); diff != "" {
			t.Errorf("audit (-want +got):\n%s", diff)
		}
		checkCounts(t, st, m.ID, merchants.MarketCounts{StallsDeclared: 5, StallsActive: 4, StallsWithQR: 4, Vendors: 2, VendorsWithQR: 2})

		// A stall the vendor holds becomes its main one: the others keep
		// their order of assignment, and no count moves.
		version := func() int64 {
			cs, err := st.RecountMarkets(ctx, merchants.UnitFilter{MarketIDs: []int64{m.ID}})
			if err != nil {
				t.Fatal(err)
			}
			return cs[0].Version
		}
		before := version()
		for _, step := range []struct {
			main  string
			want  []string
			audit string
		}{
			{"V-1", []string{"V-1", "A-1", "A-3"}, "update vendor: main A-1 [A-1 A-3 V-1] -> main V-1 [V-1 A-1 A-3]"},
			{"A-3", []string{"A-3", "A-1", "V-1"}, "update vendor: main V-1 [V-1 A-1 A-3] -> main A-3 [A-3 A-1 V-1]"},
		} {
			r, err := s.UpdateVendor(ctx, member, v1.ID, merchants.UpdateVendorInput{StallCode: &step.main})
			if err != nil {
				t.Fatal(err)
			}
			v = r.Vendor
			if diff := cmp.Diff(step.want, v.StallCodes()); diff != "" || v.StallCode != step.main || v.StallID != v.Stalls[0].StallID {
				t.Errorf("main %s: main %s (%d), stalls (-want +got):\n%s", step.main, v.StallCode, v.StallID, diff)
			}
			readsBack(t, s, v)
			if diff := cmp.Diff([]string{step.audit}, auditTail(t, s, m.ID, 1)); diff != "" {
				t.Errorf("audit (-want +got):\n%s", diff)
			}
		}
		if after := version(); after != before {
			t.Errorf("choosing the main stall among those held moved the counter version from %d to %d", before, after)
		}

		// Releasing the main stall makes the earliest other one main; the
		// stall stays active for the next vendor.
		if v, err = s.ReleaseStall(ctx, member, v1.ID, a3.ID); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"A-1", "V-1"}, v.StallCodes()); diff != "" || v.StallCode != "A-1" || v.StallID != a1.ID {
			t.Errorf("after releasing the main stall A-3: main %s (%d), stalls (-want +got):\n%s", v.StallCode, v.StallID, diff)
		}
		if got := stallOf(t, s, m, "A-3").Status; got != merchants.StallActive {
			t.Errorf("A-3 is %s after its release, want active", got)
		}
		readsBack(t, s, v)
		if diff := cmp.Diff([]string{"release_stall vendor: main A-3 [A-3 A-1 V-1] -> main A-1 [A-1 V-1]"}, auditTail(t, s, m.ID, 1)); diff != "" {
			t.Errorf("audit (-want +got):\n%s", diff)
		}
		checkCounts(t, st, m.ID, merchants.MarketCounts{StallsDeclared: 5, StallsActive: 4, StallsWithQR: 3, Vendors: 2, VendorsWithQR: 2})
		keptIsRecount(t, st, m.ID)

		// Releasing again, or a stall of the market the vendor does not
		// hold, changes nothing.
		for _, stall := range []merchants.Stall{a3, a2} {
			var got merchants.Vendor
			if err := unchanged(t, st, func() (err error) {
				got, err = s.ReleaseStall(ctx, member, v1.ID, stall.ID)
				return err
			}); err != nil {
				t.Errorf("releasing %s, not held: %v", stall.Code, err)
			}
			if diff := cmp.Diff(v, got, sameVendor); diff != "" {
				t.Errorf("releasing %s, not held, returned another vendor (-before +after):\n%s", stall.Code, diff)
			}
		}

		// A move to a stall not held takes the new stall as main, releases
		// the old main one and keeps the others.
		if r, err = s.UpdateVendor(ctx, member, v1.ID, merchants.UpdateVendorInput{StallCode: str("a-3")}); err != nil {
			t.Fatal(err)
		}
		v = r.Vendor
		if diff := cmp.Diff([]string{"A-3", "V-1"}, v.StallCodes()); diff != "" || v.StallID != a3.ID {
			t.Errorf("after the move to A-3: main %s, stalls (-want +got):\n%s", v.StallCode, diff)
		}
		readsBack(t, s, v)
		if diff := cmp.Diff([]string{"update vendor: main A-1 [A-1 V-1] -> main A-3 [A-3 V-1]"}, auditTail(t, s, m.ID, 1)); diff != "" {
			t.Errorf("audit (-want +got):\n%s", diff)
		}
		checkCounts(t, st, m.ID, merchants.MarketCounts{StallsDeclared: 5, StallsActive: 4, StallsWithQR: 3, Vendors: 2, VendorsWithQR: 2})

		// The stall it left goes to another vendor.
		r, err = s.AssignStall(ctx, member, v2.ID, "A-1")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"A-2", "A-1"}, r.Vendor.StallCodes()); diff != "" {
			t.Errorf("v2's stalls (-want +got):\n%s", diff)
		}
		checkCounts(t, st, m.ID, merchants.MarketCounts{StallsDeclared: 5, StallsActive: 4, StallsWithQR: 4, Vendors: 2, VendorsWithQR: 2})

		// Deactivating a vendor releases all its stalls; StallID keeps the
		// main one it last held.
		d, err := s.DeactivateVendor(ctx, officer, v1.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Stalls) != 0 || d.StallID != a3.ID || d.StallCode != "A-3" || d.Status != merchants.VendorInactive {
			t.Errorf("deactivated vendor: stalls %v, main %s (%d), status %s", d.StallCodes(), d.StallCode, d.StallID, d.Status)
		}
		readsBack(t, s, d)
		if diff := cmp.Diff([]string{"deactivate vendor: main A-3 [A-3 V-1] -> main A-3 []"}, auditTail(t, s, m.ID, 1)); diff != "" {
			t.Errorf("audit (-want +got):\n%s", diff)
		}
		checkCounts(t, st, m.ID, merchants.MarketCounts{StallsDeclared: 5, StallsActive: 4, StallsWithQR: 2, Vendors: 1, VendorsWithQR: 1})
		// Both its stalls and its account are free again.
		if _, err := s.RegisterVendor(ctx, member, register(m, "V-1", 1)); err != nil {
			t.Errorf("registering at V-1 with the freed account: %v", err)
		}
		if _, err := s.AssignStall(ctx, member, v2.ID, "A-3"); err != nil {
			t.Errorf("assigning the freed A-3: %v", err)
		}
		if _, err := s.ReleaseStall(ctx, member, d.ID, a3.ID); len(fields(t, err)) != 1 {
			t.Errorf("releasing a stall of an inactive vendor: %v", err)
		}
		checkCounts(t, st, m.ID, merchants.MarketCounts{StallsDeclared: 5, StallsActive: 4, StallsWithQR: 4, Vendors: 2, VendorsWithQR: 2})
		keptIsRecount(t, st, m.ID)
		mt.CheckHoldings(t, st.DB())
	})
}

// TestConcurrentStallAssignment races assignments of one free stall to
// many vendors, and registrations at a stall against its assignment to
// another vendor: exactly one wins each race, the others get ErrConflict,
// every stall has one holder and the counts equal a recount.
func TestConcurrentStallAssignment(t *testing.T) {
	eachDB(t, func(t *testing.T, s *merchants.Service, st *gormstore.Store) {
		ctx := context.Background()
		const n = 8
		m := mt.Market(t, s, mt.CommuneA1, 100)
		var vs []merchants.Vendor
		for i := range n {
			vs = append(vs, mt.Vendor(t, s, m, fmt.Sprintf("V-%d", i), i))
		}
		// race runs calls at once and returns their errors.
		race := func(calls []func() error) []error {
			errs := make([]error, len(calls))
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i, call := range calls {
				wg.Go(func() {
					<-start
					errs[i] = call()
				})
			}
			close(start)
			wg.Wait()
			return errs
		}
		// oneWins fails t unless exactly one error is nil and every other
		// is ErrConflict; it returns the winner's index.
		oneWins := func(t *testing.T, errs []error) int {
			t.Helper()
			winner := -1
			for i, err := range errs {
				switch {
				case err == nil && winner >= 0:
					t.Errorf("calls %d and %d both won", winner, i)
				case err == nil:
					winner = i
				case !errors.Is(err, merchants.ErrConflict):
					t.Errorf("call %d: %v, want ErrConflict", i, err)
				}
			}
			if winner < 0 {
				t.Errorf("no call won: %v", errs)
			}
			return winner
		}
		// holders returns the vendors holding the stall with code.
		holders := func(t *testing.T, code string) []string {
			t.Helper()
			rows, err := mt.Rows(st.DB(), fmt.Sprintf(`SELECT a.vendor_id FROM vendor_stalls a JOIN stalls s ON s.id = a.stall_id
				WHERE a.active AND s.market_id = %d AND s.code = '%s'`, m.ID, code))
			if err != nil {
				t.Fatal(err)
			}
			return rows
		}

		t.Run("one stall to many vendors", func(t *testing.T) {
			var calls []func() error
			for _, v := range vs {
				calls = append(calls, func() error { _, err := s.AssignStall(ctx, mt.Admin(), v.ID, "X-1"); return err })
			}
			w := oneWins(t, race(calls))
			if w < 0 {
				return
			}
			if diff := cmp.Diff([]string{fmt.Sprint(vs[w].ID)}, holders(t, "X-1")); diff != "" {
				t.Errorf("holders of X-1 (-want +got):\n%s", diff)
			}
			for i, v := range vs {
				got, err := s.Vendor(ctx, mt.Admin(), v.ID)
				if err != nil {
					t.Fatal(err)
				}
				want := []string{v.StallCode}
				if i == w {
					want = append(want, "X-1")
				}
				if diff := cmp.Diff(want, got.StallCodes()); diff != "" {
					t.Errorf("vendor %d stalls (-want +got):\n%s", v.ID, diff)
				}
			}
		})

		t.Run("a registration against an assignment", func(t *testing.T) {
			// Several rounds, so either may come first.
			for round := range 6 {
				code := fmt.Sprintf("Y-%d", round)
				v := vs[round]
				var registered merchants.VendorResult
				errs := race([]func() error{
					func() (err error) {
						registered, err = s.RegisterVendor(ctx, mt.Admin(), register(m, code, 100+round))
						return err
					},
					func() error { _, err := s.AssignStall(ctx, mt.Admin(), v.ID, code); return err },
				})
				w := oneWins(t, errs)
				want := map[int]string{0: fmt.Sprint(registered.Vendor.ID), 1: fmt.Sprint(v.ID)}[w]
				if diff := cmp.Diff([]string{want}, holders(t, code)); w >= 0 && diff != "" {
					t.Errorf("round %d: holders of %s (-want +got):\n%s", round, code, diff)
				}
			}
		})

		t.Run("registrations and assignments of one stall", func(t *testing.T) {
			var calls []func() error
			for i, v := range vs {
				calls = append(calls,
					func() error { _, err := s.AssignStall(ctx, mt.Admin(), v.ID, "Z-1"); return err },
					func() error { _, err := s.RegisterVendor(ctx, mt.Admin(), register(m, "Z-1", 200+i)); return err })
			}
			oneWins(t, race(calls))
			if got := holders(t, "Z-1"); len(got) != 1 {
				t.Errorf("Z-1 has holders %v, want one", got)
			}
		})

		mt.CheckHoldings(t, st.DB())
		newestIsRecount(t, st, m.ID, "after the races")
		keptIsRecount(t, st, m.ID)
		// Every stall is active and every vendor has its account: each
		// active holding is a stall with a QR.
		cs, err := st.RecountMarkets(ctx, merchants.UnitFilter{MarketIDs: []int64{m.ID}})
		if err != nil {
			t.Fatal(err)
		}
		rows, err := mt.Rows(st.DB(), fmt.Sprintf("SELECT COUNT(*) FROM vendor_stalls WHERE active AND market_id = %d", m.ID))
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(cs[0].StallsWithQR); got != rows[0] || cs[0].StallsActive != cs[0].StallsWithQR {
			t.Errorf("recount %+v; %s active holdings", cs[0], rows[0])
		}
	})
}
