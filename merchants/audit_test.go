package merchants_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sapqr/sapqr/merchants"
	"github.com/sapqr/sapqr/merchants/gormstore"
	mt "github.com/sapqr/sapqr/merchants/merchantstest"
)

func TestAuditMasksAccounts(t *testing.T) {
	eachDB(t, func(t *testing.T, s *merchants.Service, st *gormstore.Store) {
		ctx := context.Background()
		m := mt.Market(t, s, mt.CommuneA1, 5)
		v := mt.Vendor(t, s, m, "A-1", 1)
		if _, err := s.DeactivateVendor(ctx, mt.CommuneOfficer(mt.CommuneA1), v.ID); err != nil {
			t.Fatal(err)
		}
		page, err := s.AuditLog(ctx, mt.CommuneOfficer(mt.CommuneA1), merchants.AuditFilter{MarketID: m.ID})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range page.Entries {
			got = append(got, e.Action+" "+e.Entity)
			for _, j := range [][]byte{e.Before, e.After} {
				if strings.Contains(string(j), mt.BankAccount(1).AccountNumber) {
					t.Errorf("audit entry %d holds the full account number: %s", e.ID, j)
				}
			}
		}
		want := []string{"deactivate vendor", "register vendor", "create stall", "create market"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("audit (-want +got):\n%s", diff)
		}
		last := page.Entries[0]
		if !strings.Contains(string(last.Before), `"status":"active"`) || !strings.Contains(string(last.After), `"status":"inactive"`) ||
			!strings.Contains(string(last.After), "•4567") && !strings.Contains(string(last.After), "•0001") {
			t.Errorf("deactivation before %s after %s", last.Before, last.After)
		}
		if _, err := s.AuditLog(ctx, mt.Member(mt.CommuneA1), merchants.AuditFilter{}); !errors.Is(err, merchants.ErrForbidden) {
			t.Errorf("member reading the whole log: %v", err)
		}
	})
}
