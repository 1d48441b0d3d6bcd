package merchants_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sapqr/sapqr/merchants"
	"github.com/sapqr/sapqr/merchants/gormstore"
	mt "github.com/sapqr/sapqr/merchants/merchantstest"
)

// TestSignPrintPerStall checks that a vendor with two stalls has an
// outdated sign until both stalls got the current version, that each print
// is recorded with its stall, and that a stall the vendor does not hold is
// refused without a record.
func TestSignPrintPerStall(t *testing.T) {
	mt.OnEachDatabase(t, func(t *testing.T, db string) {
		t.Parallel()
		ctx := context.Background()
		s, _ := mt.NewServiceOn(t, db)
		a := mt.Admin()
		m := mt.Market(t, s, mt.CommuneA1, 5)
		v := mt.Vendor(t, s, m, "A-1", 1)
		other := mt.Vendor(t, s, m, "C-1", 2)
		r, err := s.AssignStall(ctx, a, v.ID, "A-2")
		if err != nil {
			t.Fatal(err)
		}
		second := r.Vendor.Stalls[1].StallID

		if _, err := s.RecordSignPrint(ctx, a, v.ID, merchants.SignNew); err != nil {
			t.Fatal(err)
		}
		got, err := s.Vendor(ctx, a, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !got.SignOutdated() || got.SignPrintedVersion != 1 || got.Stalls[0].SignPrintedVersion != 1 || got.Stalls[1].SignPrintedVersion != 0 {
			t.Errorf("after printing the main stall's sign: outdated %v, printed %d, stalls %+v; want outdated (A-2 has none)",
				got.SignOutdated(), got.SignPrintedVersion, got.Stalls)
		}

		before, err := s.SignRecords(ctx, a, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.RecordSignPrint(ctx, a, v.ID, merchants.SignNew, second, other.StallID)
		var ve *merchants.ValidationError
		if !errors.As(err, &ve) || len(ve.Fields) != 1 || ve.Fields[0].Field != "stall_id" {
			t.Fatalf("print for another vendor's stall: %v, want a stall_id validation error", err)
		}
		if after, _ := s.SignRecords(ctx, a, v.ID); len(after) != len(before) {
			t.Errorf("a refused print wrote %d sign records", len(after)-len(before))
		}

		recs, err := s.RecordSignPrint(ctx, a, v.ID, merchants.SignNew, second)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 1 || recs[0].StallID != second || !recs[0].Printed || recs[0].Version != 1 {
			t.Errorf("records %+v, want one printed v1 for stall %d", recs, second)
		}
		if got, _ = s.Vendor(ctx, a, v.ID); got.SignOutdated() {
			t.Errorf("both stalls printed, still outdated: %+v", got.Stalls)
		}
	})
}

func TestVendorLinks(t *testing.T) {
	eachDB(t, func(t *testing.T, s *merchants.Service, st *gormstore.Store) {
		ctx := context.Background()
		member := mt.Member(mt.CommuneA1)
		m := mt.Market(t, s, mt.CommuneA1, 5)
		v := mt.Vendor(t, s, m, "A-1", 1)
		link, token, err := s.CreateVendorLink(ctx, member, v.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(token) < 40 {
			t.Errorf("token %q is too short to be unguessable", token)
		}
		got, err := s.VendorByLink(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != v.ID || got.Payload != v.Payload || strings.Contains(got.Accounts[0].AccountNumber, "00110012") {
			t.Errorf("vendor by link: id %d, payload %q, account %q", got.ID, got.Payload, got.Accounts[0].AccountNumber)
		}
		if err := s.RevokeVendorLink(ctx, mt.Member(mt.CommuneB1), link.ID); !errors.Is(err, merchants.ErrForbidden) {
			t.Errorf("revoking out of scope: %v", err)
		}
		if err := s.RevokeVendorLink(ctx, member, link.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.VendorByLink(ctx, token); !errors.Is(err, merchants.ErrNotFound) {
			t.Errorf("revoked link: %v", err)
		}
		if _, err := s.VendorByLink(ctx, "guess"); !errors.Is(err, merchants.ErrNotFound) {
			t.Errorf("unknown token: %v", err)
		}
	})
}

func TestListVendorLinks(t *testing.T) {
	// linkView is what the list shows of a link: no token, no hash.
	type linkView struct {
		ID, VendorID, CreatedBy int64
		Revoked                 bool
	}
	view := func(ls []merchants.VendorLink) []linkView {
		var out []linkView
		for _, l := range ls {
			out = append(out, linkView{ID: l.ID, VendorID: l.VendorID, CreatedBy: l.CreatedBy, Revoked: l.RevokedAt != nil})
		}
		return out
	}
	eachDB(t, func(t *testing.T, s *merchants.Service, st *gormstore.Store) {
		ctx := context.Background()
		member := mt.Member(mt.CommuneA1)
		m := mt.Market(t, s, mt.CommuneA1, 5)
		v := mt.Vendor(t, s, m, "A-1", 1)
		other := mt.Vendor(t, s, m, "A-2", 2)
		bare := mt.Vendor(t, s, m, "A-3", 3)
		var ids []int64
		for range 2 {
			l, _, err := s.CreateVendorLink(ctx, member, v.ID, nil)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, l.ID)
		}
		otherLink, _, err := s.CreateVendorLink(ctx, member, other.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.RevokeVendorLink(ctx, member, ids[0]); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name    string
			actor   merchants.Actor
			vendor  int64
			want    []linkView
			wantErr error
		}{
			{"revoked and active, oldest first", member, v.ID, []linkView{{ids[0], v.ID, member.UserID, true}, {ids[1], v.ID, member.UserID, false}}, nil},
			{"only the vendor's own links", member, other.ID, []linkView{{otherLink.ID, other.ID, member.UserID, false}}, nil},
			{"a vendor without links", member, bare.ID, nil, nil},
			{"a commune officer reads them too", mt.CommuneOfficer(mt.CommuneA1), other.ID, []linkView{{otherLink.ID, other.ID, member.UserID, false}}, nil},
			{"out of scope is not found", mt.Member(mt.CommuneB1), v.ID, nil, merchants.ErrNotFound},
			{"unknown vendor is not found", member, 1 << 40, nil, merchants.ErrNotFound},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				got, err := s.VendorLinks(ctx, tc.actor, tc.vendor)
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("error %v, want %v", err, tc.wantErr)
				}
				if diff := cmp.Diff(tc.want, view(got)); diff != "" {
					t.Errorf("links (-want +got):\n%s", diff)
				}
			})
		}
	})
}

// TestVendorLinkExpiry: a link made to expire opens the vendor's page and
// sign until then, and nothing after; the vendor page stops listing it.
func TestVendorLinkExpiry(t *testing.T) {
	mt.OnEachDatabase(t, func(t *testing.T, db string) {
		ctx := context.Background()
		now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
		cfg := mt.Config()
		cfg.Now = func() time.Time { return now }
		s := merchants.NewService(mt.NewStoreOn(t, db), cfg)
		member := mt.Member(mt.CommuneA1)
		v := mt.Vendor(t, s, mt.Market(t, s, mt.CommuneA1, 3), "E-1", 1)

		past := now.Add(-time.Minute)
		var ve *merchants.ValidationError
		if _, _, err := s.CreateVendorLink(ctx, member, v.ID, &past); !errors.As(err, &ve) || ve.Fields[0].Field != "expires_at" {
			t.Fatalf("a link expiring in the past: %v; want a validation error on expires_at", err)
		}
		end := now.Add(24 * time.Hour)
		link, token, err := s.CreateVendorLink(ctx, member, v.ID, &end)
		if err != nil || link.ExpiresAt == nil || !link.ExpiresAt.Equal(end) {
			t.Fatalf("CreateVendorLink = %+v, %v; want it to expire at %v", link, err, end)
		}
		if _, err := s.VendorByLink(ctx, token); err != nil {
			t.Fatalf("before its expiry: %v", err)
		}
		if view, err := s.VendorView(ctx, member, v.ID); err != nil || len(view.Links) != 1 {
			t.Fatalf("vendor page before the expiry lists %d links (%v); want 1", len(view.Links), err)
		}
		now = end
		if _, err := s.VendorByLink(ctx, token); !errors.Is(err, merchants.ErrNotFound) {
			t.Errorf("at its expiry: %v; want ErrNotFound", err)
		}
		if _, err := s.LinkSign(ctx, token, 0); !errors.Is(err, merchants.ErrNotFound) {
			t.Errorf("sign at its expiry: %v; want ErrNotFound", err)
		}
		if view, err := s.VendorView(ctx, member, v.ID); err != nil || len(view.Links) != 0 {
			t.Errorf("vendor page after the expiry lists %d links (%v); want none", len(view.Links), err)
		}
	})
}

// TestVendorFor: roles that need account numbers see a vendor whole; the
// others see every number masked and no payload, which carries it.
func TestVendorFor(t *testing.T) {
	v := merchants.Vendor{Payload: "000201…", Accounts: []merchants.BankAccount{{AccountNumber: "0011001234567"}}}
	for _, tt := range []struct {
		a             merchants.Actor
		payload, want string
	}{
		{mt.Member(mt.CommuneA1), "000201…", "0011001234567"},
		{mt.CommuneOfficer(mt.CommuneA1), "000201…", "0011001234567"},
		{mt.Admin(), "000201…", "0011001234567"},
		{mt.ProvinceOfficer(mt.ProvinceA), "", "•••••••••4567"},
	} {
		got := merchants.VendorFor(tt.a, v)
		if got.Payload != tt.payload || got.Accounts[0].AccountNumber != tt.want || merchants.AccountFor(tt.a, "0011001234567") != tt.want {
			t.Errorf("%s: payload %q account %q; want %q and %q", tt.a.Role, got.Payload, got.Accounts[0].AccountNumber, tt.payload, tt.want)
		}
	}
	if v.Accounts[0].AccountNumber != "0011001234567" {
		t.Error("VendorFor changed the vendor it was given")
	}
}
