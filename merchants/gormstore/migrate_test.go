package gormstore_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/sapqr/sapqr/merchants"
	"github.com/sapqr/sapqr/merchants/gormstore"
	mt "github.com/sapqr/sapqr/merchants/merchantstest"
)

// TestMigrate applies the migrations, then again (nothing), then from
// several stores on the same database at once (nothing, no error).
func TestMigrate(t *testing.T) {
	mt.OnEachDatabase(t, func(t *testing.T, db string) {
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

// TestVendorStallsMigration checks 0005 and 0006 on a schema holding
// vendors from before them: each vendor holds the stall it had, with the
// sign version it printed, the inactive ones as history, and the rule one
// active vendor per stall holds on the moved data.
func TestVendorStallsMigration(t *testing.T) {
	mt.OnEachDatabase(t, func(t *testing.T, db string) {
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
