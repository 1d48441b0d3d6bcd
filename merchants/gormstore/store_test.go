package gormstore_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

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

// TestMigrate applies the migrations, then again (nothing), then from
// several stores on the same database at once (nothing, no error).
func TestMigrate(t *testing.T) {
	for _, db := range mt.Databases() {
		t.Run(db, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			url := mt.URLOn(t, db)
			open := func() *gormstore.Store {
				s, err := gormstore.Open(ctx, url)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { s.Close() })
				return s
			}
			const replicas = 4
			stores := make([]*gormstore.Store, replicas)
			for i := range stores {
				stores[i] = open()
			}
			applied := make([][]gormstore.Migration, replicas)
			errs := make([]error, replicas)
			var wg sync.WaitGroup
			for i, s := range stores {
				wg.Go(func() { applied[i], errs[i] = s.Migrate(ctx) })
			}
			wg.Wait()
			all, err := gormstore.Migrations(db)
			if err != nil {
				t.Fatal(err)
			}
			total := 0
			for i := range stores {
				if errs[i] != nil {
					t.Errorf("replica %d: %v", i, errs[i])
				}
				total += len(applied[i])
			}
			if total != len(all) {
				t.Errorf("%d replicas applied %d migrations in all, want each of the %d once", replicas, total, len(all))
			}
			again, err := stores[0].Migrate(ctx)
			if err != nil || len(again) != 0 {
				t.Errorf("second run applied %d, error %v", len(again), err)
			}
		})
	}
}

func TestMigrationFiles(t *testing.T) {
	for _, db := range []string{gormstore.SQLite, gormstore.Postgres} {
		ms, err := gormstore.Migrations(db)
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) == 0 || ms[0].Version != 1 {
			t.Fatalf("%s: migrations %v", db, ms)
		}
		for i := 1; i < len(ms); i++ {
			if ms[i].Version <= ms[i-1].Version {
				t.Errorf("%s: %s after %s", db, ms[i].File, ms[i-1].File)
			}
		}
	}
}

// TestConstraints writes past the Service, straight through a Tx: the
// database itself refuses a second active vendor on a stall and a bank
// account active on two vendors.
func TestConstraints(t *testing.T) {
	for _, db := range mt.Databases() {
		t.Run(db, func(t *testing.T) {
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
}

// TestRecountMarkets checks the filters of the recount and that it agrees
// with the outbox.
func TestRecountMarkets(t *testing.T) {
	for _, db := range mt.Databases() {
		t.Run(db, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			s, st := mt.NewServiceOn(t, db)
			a1 := mt.Market(t, s, mt.CommuneA1, 5)
			a2 := mt.Market(t, s, mt.CommuneA2, 5)
			b1 := mt.Market(t, s, mt.CommuneB1, 5)
			mt.Vendor(t, s, a1, "1", 1)
			mt.Vendor(t, s, a1, "2", 2)
			mt.Vendor(t, s, b1, "1", 3)
			ids := func(f merchants.UnitFilter) []int64 {
				cs, err := st.RecountMarkets(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				var out []int64
				for _, c := range cs {
					out = append(out, c.MarketID)
				}
				return out
			}
			tests := []struct {
				name string
				f    merchants.UnitFilter
				want []int64
			}{
				{"all", merchants.UnitFilter{}, []int64{a1.ID, a2.ID, b1.ID}},
				{"province", merchants.UnitFilter{ProvinceCode: mt.ProvinceA}, []int64{a1.ID, a2.ID}},
				{"commune wins", merchants.UnitFilter{ProvinceCode: mt.ProvinceB, CommuneCode: mt.CommuneA2}, []int64{a2.ID}},
				{"market IDs", merchants.UnitFilter{MarketIDs: []int64{b1.ID, a1.ID}}, []int64{a1.ID, b1.ID}},
				{"no market IDs", merchants.UnitFilter{MarketIDs: []int64{}}, nil},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					if diff := cmp.Diff(tt.want, ids(tt.f)); diff != "" {
						t.Errorf("markets (-want +got):\n%s", diff)
					}
				})
			}
			for _, f := range []merchants.UnitFilter{{CommuneCode: mt.CommuneA1}, {ProvinceCode: mt.ProvinceB}, {MarketIDs: []int64{a2.ID}}} {
				if ok, err := st.HasPendingCounterEvents(ctx, f); err != nil || !ok {
					t.Errorf("pending for %+v: %v %v", f, ok, err)
				}
			}
			evs, err := st.PendingCounterEvents(ctx, 100)
			if err != nil {
				t.Fatal(err)
			}
			var evIDs []int64
			for _, e := range evs {
				evIDs = append(evIDs, e.ID)
			}
			if err := st.DeleteCounterEvents(ctx, append(evIDs, 99999)); err != nil {
				t.Fatal(err)
			}
			if ok, err := st.HasPendingCounterEvents(ctx, merchants.UnitFilter{}); err != nil || ok {
				t.Errorf("pending after delete: %v %v", ok, err)
			}
		})
	}
}

// TestVendorStallsMigration checks 0005 and 0006 on a schema holding
// vendors from before them: each vendor holds the stall it had, with the
// sign version it printed, the inactive ones as history, and the rule one
// active vendor per stall holds on the moved data.
func TestVendorStallsMigration(t *testing.T) {
	for _, db := range mt.Databases() {
		t.Run(db, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			st, err := gormstore.Open(ctx, mt.URLOn(t, db))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			if _, err := st.MigrateTo(ctx, 4); err != nil {
				t.Fatal(err)
			}
			now := time.Now().UTC().Truncate(time.Second)
			var active, gone merchants.Vendor
			var stall merchants.Stall
			err = st.InTx(ctx, func(tx merchants.Tx) error {
				m, err := tx.CreateMarket(ctx, merchants.Market{Name: "Chợ Cũ", CommuneCode: mt.CommuneA1, ProvinceCode: mt.ProvinceA,
					StallsDeclared: 5, Status: merchants.MarketActive, CreatedAt: now, UpdatedAt: now})
				if err != nil {
					return err
				}
				if stall, err = tx.CreateStall(ctx, merchants.Stall{MarketID: m.ID, Code: "A-1", Status: merchants.StallActive,
					CreatedAt: now, UpdatedAt: now}); err != nil {
					return err
				}
				v := merchants.Vendor{MarketID: m.ID, StallID: stall.ID, CommuneCode: mt.CommuneA1, ProvinceCode: mt.ProvinceA,
					FullName: "Trần Văn Cũ", Phone: mt.Phone(1), Status: merchants.VendorInactive, ConsentAt: now, SignVersion: 1,
					RegisteredBy: 7, CreatedAt: now, UpdatedAt: now, DeactivatedAt: &now, DeactivatedBy: 8}
				if gone, err = tx.CreateVendor(ctx, v); err != nil {
					return err
				}
				v.FullName, v.Phone, v.Status, v.DeactivatedAt, v.DeactivatedBy = "Lê Thị Mới", mt.Phone(2), merchants.VendorActive, nil, 0
				v.SignPrintedVersion = 1
				active, err = tx.CreateVendor(ctx, v)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if applied, err := st.Migrate(ctx); err != nil || len(applied) == 0 || applied[0].Version != 5 {
				t.Fatalf("migrate from 4: applied %v, %v", applied, err)
			}
			got, err := st.Vendor(ctx, active.ID)
			if err != nil {
				t.Fatal(err)
			}
			want := []merchants.VendorStall{{VendorID: active.ID, StallID: stall.ID, StallCode: "A-1", MarketID: stall.MarketID,
				Active: true, AssignedBy: 7, AssignedAt: now, SignPrintedVersion: 1}}
			if diff := cmp.Diff(want, got.Stalls, cmpopts.IgnoreFields(merchants.VendorStall{}, "ID")); diff != "" {
				t.Errorf("active vendor's stalls (-want +got):\n%s", diff)
			}
			if got, err := st.Vendor(ctx, gone.ID); err != nil || len(got.Stalls) != 0 || got.StallCode != "A-1" {
				t.Errorf("inactive vendor: stalls %v, main %q, %v; want none held, main A-1", got.Stalls, got.StallCode, err)
			}
			if v, err := st.ActiveVendorOnStall(ctx, stall.ID); err != nil || v.ID != active.ID {
				t.Errorf("vendor on the stall: %d, %v; want %d", v.ID, err, active.ID)
			}
			err = st.InTx(ctx, func(tx merchants.Tx) error {
				_, err := tx.AssignStall(ctx, merchants.VendorStall{VendorID: gone.ID, StallID: stall.ID, MarketID: stall.MarketID,
					Active: true, AssignedAt: now})
				return err
			})
			if !errors.Is(err, merchants.ErrConflict) {
				t.Errorf("second holder of a migrated stall: %v, want conflict", err)
			}
		})
	}
}
