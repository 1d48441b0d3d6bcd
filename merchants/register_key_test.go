package merchants_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sapqr/sapqr/merchants"
	"github.com/sapqr/sapqr/merchants/gormstore"
	mt "github.com/sapqr/sapqr/merchants/merchantstest"
)

// keyed is register(m, stall, n) with a request key.
func keyed(m merchants.Market, stall string, n int, key string) merchants.RegisterVendorInput {
	in := register(m, stall, n)
	in.RequestKey = key
	return in
}

// activeVendors counts the active vendors of m.
func activeVendors(t *testing.T, s *merchants.Service, m merchants.Market) int {
	t.Helper()
	page, err := s.ListVendors(context.Background(), mt.Admin(), merchants.VendorFilter{MarketID: m.ID})
	if err != nil {
		t.Fatal(err)
	}
	return len(page.Vendors)
}

func TestRegisterVendorRequestKey(t *testing.T) {
	member, officer := mt.Member(mt.CommuneA1), mt.CommuneOfficer(mt.CommuneA1)
	tests := []struct {
		name string
		// first is registered, then retry; m2 is a second market.
		first, retry func(m, m2 merchants.Market) (merchants.Actor, merchants.RegisterVendorInput)
		wantSame     bool  // the retry returns the first vendor
		wantErr      error // else the retry's error
		wantVendors  int   // active vendors of m after both
	}{
		{
			name: "same user and key: the first vendor",
			first: func(m, _ merchants.Market) (merchants.Actor, merchants.RegisterVendorInput) {
				return member, keyed(m, "A-1", 1, "k-1")
			},
			retry: func(m, _ merchants.Market) (merchants.Actor, merchants.RegisterVendorInput) {
				return member, keyed(m, "A-1", 1, "k-1")
			},
			wantSame: true, wantVendors: 1,
		},
		{
			name: "same key, another user: keys are per user",
			first: func(m, _ merchants.Market) (merchants.Actor, merchants.RegisterVendorInput) {
				return member, keyed(m, "A-1", 1, "k-1")
			},
			retry: func(m, _ merchants.Market) (merchants.Actor, merchants.RegisterVendorInput) {
				return officer, keyed(m, "A-1", 1, "k-1")
			},
			wantErr: merchants.ErrConflict, wantVendors: 1,
		},
		{
			name: "no key: the stall is taken",
			first: func(m, _ merchants.Market) (merchants.Actor, merchants.RegisterVendorInput) {
				return member, register(m, "A-1", 1)
			},
			retry: func(m, _ merchants.Market) (merchants.Actor, merchants.RegisterVendorInput) {
				return member, register(m, "A-1", 1)
			},
			wantErr: merchants.ErrConflict, wantVendors: 1,
		},
		{
			name: "another key: the stall is taken",
			first: func(m, _ merchants.Market) (merchants.Actor, merchants.RegisterVendorInput) {
				return member, keyed(m, "A-1", 1, "k-1")
			},
			retry: func(m, _ merchants.Market) (merchants.Actor, merchants.RegisterVendorInput) {
				return member, keyed(m, "A-1", 1, "k-2")
			},
			wantErr: merchants.ErrConflict, wantVendors: 1,
		},
		{
			name: "same key at another stall: refused",
			first: func(m, _ merchants.Market) (merchants.Actor, merchants.RegisterVendorInput) {
				return member, keyed(m, "A-1", 1, "k-1")
			},
			retry: func(m, _ merchants.Market) (merchants.Actor, merchants.RegisterVendorInput) {
				return member, keyed(m, "A-2", 2, "k-1")
			},
			wantErr: merchants.ErrConflict, wantVendors: 1,
		},
		{
			// The stall is free, so only the unique index on the key
			// refuses the second vendor.
			name: "same key at another market: refused by the key's index",
			first: func(m, _ merchants.Market) (merchants.Actor, merchants.RegisterVendorInput) {
				return member, keyed(m, "A-1", 1, "k-1")
			},
			retry: func(_, m2 merchants.Market) (merchants.Actor, merchants.RegisterVendorInput) {
				return member, keyed(m2, "A-1", 2, "k-1")
			},
			wantErr: merchants.ErrConflict, wantVendors: 1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			eachDB(t, func(t *testing.T, s *merchants.Service, _ *gormstore.Store) {
				ctx := context.Background()
				m, m2 := mt.Market(t, s, mt.CommuneA1, 5), mt.Market(t, s, mt.CommuneA1, 5)
				a, in := tc.first(m, m2)
				first, err := s.RegisterVendor(ctx, a, in)
				if err != nil {
					t.Fatal(err)
				}
				a, in = tc.retry(m, m2)
				got, err := s.RegisterVendor(ctx, a, in)
				switch {
				case tc.wantSame && err != nil:
					t.Fatalf("retry: %v, want the first vendor", err)
				case tc.wantSame:
					if got.Vendor.ID != first.Vendor.ID || got.Payload != first.Payload || got.Payload == "" {
						t.Errorf("retry: vendor %d payload %q, want vendor %d payload %q", got.Vendor.ID, got.Payload, first.Vendor.ID, first.Payload)
					}
					if diff := cmp.Diff(first.Vendor, got.Vendor); diff != "" {
						t.Errorf("retry's vendor differs from the first (-first +retry):\n%s", diff)
					}
				case !errors.Is(err, tc.wantErr):
					t.Errorf("retry: %+v, %v; want %v", got.Vendor, err, tc.wantErr)
				}
				if n := activeVendors(t, s, m); n != tc.wantVendors {
					t.Errorf("market has %d active vendors, want %d", n, tc.wantVendors)
				}
				if n := activeVendors(t, s, m2); n != 0 && tc.wantErr != nil {
					t.Errorf("second market has %d active vendors, want 0", n)
				}
			})
		})
	}
}

// TestRegisterVendorRequestKeyRace sends one registration several times at
// once, as a client retrying before its first attempt answered: every
// attempt gets the one vendor.
func TestRegisterVendorRequestKeyRace(t *testing.T) {
	eachDB(t, func(t *testing.T, s *merchants.Service, _ *gormstore.Store) {
		ctx := context.Background()
		a := mt.Member(mt.CommuneA1)
		m := mt.Market(t, s, mt.CommuneA1, 5)
		const n = 6
		ids := make([]int64, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				res, err := s.RegisterVendor(ctx, a, keyed(m, "A-1", 1, "race"))
				ids[i], errs[i] = res.Vendor.ID, err
			})
		}
		wg.Wait()
		for i := range n {
			if errs[i] != nil {
				t.Errorf("attempt %d: %v", i, errs[i])
			} else if ids[i] != ids[0] {
				t.Errorf("attempt %d: vendor %d, attempt 0: vendor %d", i, ids[i], ids[0])
			}
		}
		if got := activeVendors(t, s, m); got != 1 {
			t.Errorf("market has %d active vendors, want 1", got)
		}
	})
}

func TestRegisterVendorRequestKeyTooLong(t *testing.T) {
	eachDB(t, func(t *testing.T, s *merchants.Service, _ *gormstore.Store) {
		m := mt.Market(t, s, mt.CommuneA1, 5)
		_, err := s.RegisterVendor(context.Background(), mt.Member(mt.CommuneA1), keyed(m, "A-1", 1, strings.Repeat("k", 256)))
		if diff := cmp.Diff([]string{"request_key"}, fields(t, err)); diff != "" {
			t.Errorf("fields (-want +got):\n%s", diff)
		}
		if n := activeVendors(t, s, m); n != 0 {
			t.Errorf("market has %d active vendors, want 0", n)
		}
	})
}
