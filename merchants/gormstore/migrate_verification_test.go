package gormstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/sapqr/sapqr/merchants"
	"github.com/sapqr/sapqr/merchants/gormstore"
	mt "github.com/sapqr/sapqr/merchants/merchantstest"
)

// TestAccountVerificationMigration checks 0140 on a schema holding a bank
// account stored before payees were checked: after the migration it is
// verified by legacy at the time it was stored, by nobody, so its signs
// keep printing.
func TestAccountVerificationMigration(t *testing.T) {
	mt.OnEachDatabase(t, func(t *testing.T, db string) {
		t.Parallel()
		ctx := context.Background()
		st, err := gormstore.Open(ctx, mt.URLOn(t, db))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		if _, err := st.MigrateTo(ctx, 139); err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC().Truncate(time.Second)
		var v merchants.Vendor
		err = st.InTx(ctx, func(tx merchants.Tx) error {
			m, err := tx.CreateMarket(ctx, merchants.Market{Name: "Chợ Cũ", CommuneCode: mt.CommuneA1, ProvinceCode: mt.ProvinceA,
				StallsDeclared: 5, Status: merchants.MarketActive, CreatedAt: now, UpdatedAt: now})
			if err != nil {
				return err
			}
			stall, err := tx.CreateStall(ctx, merchants.Stall{MarketID: m.ID, Code: "A-1", Status: merchants.StallActive,
				CreatedAt: now, UpdatedAt: now})
			if err != nil {
				return err
			}
			v, err = tx.CreateVendor(ctx, merchants.Vendor{MarketID: m.ID, StallID: stall.ID, CommuneCode: mt.CommuneA1,
				ProvinceCode: mt.ProvinceA, FullName: "Trần Văn Cũ", Phone: mt.Phone(1), Status: merchants.VendorActive,
				ConsentAt: now, SignVersion: 1, RegisteredBy: 7, CreatedAt: now, UpdatedAt: now})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		stored := "2025-03-04 05:06:07"
		if err := st.ExecSQL(ctx, fmt.Sprintf(`INSERT INTO bank_accounts
			(vendor_id, bin, account_number, holder_name, confirmation, active, is_primary, created_by, created_at)
			VALUES (%d, '970436', '0011001234567', 'TRAN VAN CU', 'app_shown', TRUE, TRUE, 7, '%s')`, v.ID, stored)); err != nil {
			t.Fatal(err)
		}
		applied, err := st.Migrate(ctx)
		if err != nil || len(applied) == 0 || applied[0].Version != 140 {
			t.Fatalf("migrate from 139: applied %v, %v; want 0140 first", applied, err)
		}
		got, err := st.Vendor(ctx, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Accounts) != 1 {
			t.Fatalf("the vendor has %d accounts after the migration, want the 1 inserted", len(got.Accounts))
		}
		acc := got.Accounts[0]
		wantAt := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
		if acc.VerifyMethod != merchants.VerifyLegacy || acc.VerifiedBy != 0 || acc.VerifiedAt == nil || !acc.VerifiedAt.Equal(wantAt) {
			t.Errorf("the older account is verified by %q (user %d) at %v; want legacy, user 0, at %v", acc.VerifyMethod, acc.VerifiedBy, acc.VerifiedAt, wantAt)
		}
		if !acc.Verified() {
			t.Error("the older account is not verified, so its signs would stop printing")
		}
	})
}
