package merchants_test

import (
	"context"
	"testing"

	"github.com/sapqr/sapqr/merchants"
	mt "github.com/sapqr/sapqr/merchants/merchantstest"
)

// TestVendorViewPermissions: the vendor page offers each role what it may
// do: members register (and check payees) but do not override the check;
// commune officers and admins also override; province officers only read,
// without the QR.
func TestVendorViewPermissions(t *testing.T) {
	s, _ := mt.NewService(t)
	v := mt.Vendor(t, s, mt.Market(t, s, mt.CommuneA1, 3), "V-1", 1)
	for _, tt := range []struct {
		name                     string
		actor                    merchants.Actor
		edit, seeQR, canOverride bool
	}{
		{"member", mt.Member(mt.CommuneA1), true, true, false},
		{"commune officer", mt.CommuneOfficer(mt.CommuneA1), true, true, true},
		{"admin", mt.Admin(), true, true, true},
		{"province officer", mt.ProvinceOfficer(mt.ProvinceA), false, false, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			view, err := s.VendorView(context.Background(), tt.actor, v.ID)
			if err != nil {
				t.Fatal(err)
			}
			if view.CanEdit != tt.edit || view.SeeQR != tt.seeQR || view.CanOverride != tt.canOverride {
				t.Errorf("CanEdit, SeeQR, CanOverride = %v, %v, %v; want %v, %v, %v",
					view.CanEdit, view.SeeQR, view.CanOverride, tt.edit, tt.seeQR, tt.canOverride)
			}
		})
	}
}
