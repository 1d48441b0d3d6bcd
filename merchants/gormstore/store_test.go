package gormstore_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sapqr/sapqr/merchants"
	"github.com/sapqr/sapqr/merchants/gormstore"
	mt "github.com/sapqr/sapqr/merchants/merchantstest"
)

func TestOpenRejects(t *testing.T) {
	for _, u := range []string{"", "mysql://x", "sqlite:", "sqlite::memory:", "file:x.db",
		"postgres://127.0.0.1:1/x?pool_max_conns=0", "postgres://127.0.0.1:1/x?pool_max_conns=many"} {
		if s, err := gormstore.Open(context.Background(), u); err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded", u)
		}
	}
}

// TestConstraints writes past the Service, straight through a Tx: the
// database itself refuses a second active vendor on a stall and a bank
// account active on two vendors.
func TestConstraints(t *testing.T) {
	mt.OnEachDatabase(t, func(t *testing.T, db string) {
		t.Parallel()
		ctx := context.Background()
		s, st := mt.NewServiceOn(t, db)
		m := mt.Market(t, s, mt.CommuneA1, 5)
		v := mt.Vendor(t, s, m, "A-1", 1)
		now := time.Now().UTC()
		dup := merchants.Vendor{MarketID: m.ID, StallID: v.StallID, CommuneCode: v.CommuneCode, ProvinceCode: v.ProvinceCode,
			FullName: "X", Phone: mt.Phone(2), Status: merchants.VendorActive, ConsentAt: now, SignVersion: 1}
		tests := []struct {
			name string
			fn   func(tx merchants.Tx) error
			want error
			says string // part of the message
		}{
			{"second active vendor on a stall", func(tx merchants.Tx) error {
				d, err := tx.CreateVendor(ctx, dup)
				if err != nil {
					return err
				}
				_, err = tx.AssignStall(ctx, merchants.VendorStall{VendorID: d.ID, StallID: v.StallID, MarketID: m.ID,
					Active: true, AssignedAt: now})
				return err
			}, merchants.ErrConflict, "the stall already has an active vendor"},
			{"stall assignment of no stall", func(tx merchants.Tx) error {
				_, err := tx.AssignStall(ctx, merchants.VendorStall{VendorID: v.ID, StallID: 9999, MarketID: m.ID,
					Active: true, AssignedAt: now})
				return err
			}, merchants.ErrNotFound, ""},
			{"bank account active twice", func(tx merchants.Tx) error {
				a := v.Accounts[0]
				a.ID, a.Primary = 0, false
				_, err := tx.CreateBankAccount(ctx, a)
				return err
			}, merchants.ErrConflict, "the bank account is active on another vendor"},
			{"two primary accounts", func(tx merchants.Tx) error {
				a := v.Accounts[0]
				a.ID, a.AccountNumber = 0, "999"
				_, err := tx.CreateBankAccount(ctx, a)
				return err
			}, merchants.ErrConflict, "the vendor already has a primary account"},
			{"stall of no market", func(tx merchants.Tx) error {
				_, err := tx.CreateStall(ctx, merchants.Stall{MarketID: 9999, Code: "Z", Status: merchants.StallActive})
				return err
			}, merchants.ErrNotFound, ""},
			{"unknown vendor", func(tx merchants.Tx) error {
				_, err := tx.Vendor(ctx, 9999)
				return err
			}, merchants.ErrNotFound, "vendor 9999"},
			{"update of no market", func(tx merchants.Tx) error {
				return tx.UpdateMarket(ctx, merchants.Market{ID: 9999, Name: "x", Status: merchants.MarketActive})
			}, merchants.ErrNotFound, "market 9999"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				err := st.InTx(ctx, tt.fn)
				if !errors.Is(err, tt.want) || !strings.Contains(fmt.Sprint(err), tt.says) {
					t.Errorf("error %v, want %v saying %q", err, tt.want, tt.says)
				}
			})
		}
		// A released holding of the stall is history, not a conflict.
		err := st.InTx(ctx, func(tx merchants.Tx) error {
			d := dup
			d.Status = merchants.VendorInactive
			d, err := tx.CreateVendor(ctx, d)
			if err != nil {
				return err
			}
			_, err = tx.AssignStall(ctx, merchants.VendorStall{VendorID: d.ID, StallID: v.StallID, MarketID: m.ID,
				AssignedAt: now, ReleasedAt: &now})
			return err
		})
		if err != nil {
			t.Errorf("released holding of an occupied stall: %v", err)
		}
	})
}

// TestAtomically: a request's domain writes (an InTx inside, a savepoint)
// and its stored answer commit together or not at all, and reads under
// the request's context see its own writes before they commit.
func TestAtomically(t *testing.T) { mt.OnEachDatabase(t, testAtomically) }

func testAtomically(t *testing.T, db string) {
	ctx := context.Background()
	svc, st := mt.NewServiceOn(t, db)
	m := mt.Market(t, svc, mt.CommuneA1, 5)
	register := func(ctx context.Context, stall string, n int) (merchants.Vendor, error) {
		r, err := svc.RegisterVendor(ctx, mt.Admin(), merchants.RegisterVendorInput{
			MarketID: m.ID, StallCode: stall, FullName: "Nguyễn Thị Hà", Phone: mt.Phone(n), Consent: true, BankAccount: mt.BankAccount(n)})
		return r.Vendor, err
	}
	claim := func(key string) {
		t.Helper()
		if ok, _, _, err := st.ClaimIdempotencyKey(ctx, 1, key, "fp", "c/"+key, time.Now(), time.Minute, time.Hour, nil); err != nil || !ok {
			t.Fatalf("claim %s: %v, %v", key, ok, err)
		}
	}
	stored := func(key string) []byte {
		t.Helper()
		_, _, resp, err := st.ClaimIdempotencyKey(ctx, 1, key, "fp", "other/"+key, time.Now(), time.Minute, time.Hour, nil)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}

	claim("commits")
	err := st.Atomically(ctx, func(ctx context.Context) error {
		v, err := register(ctx, "A-1", 1)
		if err != nil {
			return err
		}
		if _, err := svc.Vendor(ctx, mt.Admin(), v.ID); err != nil {
			return fmt.Errorf("the request does not see its own vendor: %w", err)
		}
		// A refused change inside rolls back to its savepoint only.
		if _, err := register(ctx, "A-1", 2); !errors.Is(err, merchants.ErrConflict) {
			return fmt.Errorf("second vendor on A-1: %v; want a conflict", err)
		}
		return st.SaveIdempotentResponse(ctx, 1, "commits", "c/commits", []byte(`{"ok":true}`))
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := stored("commits"); string(got) != `{"ok":true}` {
		t.Errorf("stored answer %q after commit", got)
	}

	claim("rolls-back")
	boom := errors.New("the answer could not be made")
	err = st.Atomically(ctx, func(ctx context.Context) error {
		if _, err := register(ctx, "A-2", 3); err != nil {
			return err
		}
		if err := st.SaveIdempotentResponse(ctx, 1, "rolls-back", "c/rolls-back", []byte(`{}`)); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Atomically = %v; want fn's error", err)
	}
	if got := stored("rolls-back"); got != nil {
		t.Errorf("answer %q stored by a request that failed", got)
	}
	page, err := svc.ListVendors(ctx, mt.Admin(), merchants.VendorFilter{MarketID: m.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Vendors) != 1 || page.Vendors[0].StallCode != "A-1" {
		t.Errorf("vendors after one committed and one failed request: %+v; want only A-1's", page.Vendors)
	}
}
