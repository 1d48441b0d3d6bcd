package merchants

import (
	"context"
	"slices"
)

// VendorView is what a vendor's page shows an actor: the vendor, its
// market, its sign history and, for those who may register vendors, its
// active private links.
type VendorView struct {
	Vendor Vendor // Payload is empty when SeeQR is false
	Market Market
	Signs  []SignRecord // oldest first
	Links  []VendorLink // active links; none unless CanEdit and the vendor is active
	// CanEdit: the actor may register here (confirm payments, print signs,
	// create links).
	CanEdit bool
	// SeeQR: the actor may see account numbers, which the QR carries.
	SeeQR bool
	// CanOverride: the actor may let the vendor's signs print without the
	// bank app name check, with a reason (commune officers and admins).
	CanOverride bool
	// SignOutdated: a stall the vendor holds hangs a sign with an old QR
	// (a stall that never had a sign is not outdated, only new).
	SignOutdated bool
	// HookSources counts the hook sources whose scope covers the vendor:
	// whether its transfer notifications are connected. It is -1 when the
	// view was read without transfers (Service.VendorView).
	HookSources int
}

// VendorView returns what a vendor's page shows the actor. It returns
// ErrNotFound when the vendor does not exist or is outside the actor's
// scope, and store errors.
func (s *Service) VendorView(ctx context.Context, a Actor, vendorID int64) (VendorView, error) {
	v, err := s.Vendor(ctx, a, vendorID)
	if err != nil {
		return VendorView{}, err
	}
	view := VendorView{Vendor: v, CanEdit: a.Can(PermRegister), SeeQR: a.Can(PermSeeAccountNumbers),
		CanOverride: a.Can(PermOverrideVerification), HookSources: -1}
	if view.Market, err = s.store.Market(ctx, v.MarketID); err != nil {
		return VendorView{}, err
	}
	if view.Signs, err = s.store.SignRecords(ctx, vendorID); err != nil {
		return VendorView{}, err
	}
	view.SignOutdated = slices.ContainsFunc(v.Stalls, func(h VendorStall) bool { return v.SignState(h) == SignOutdated })
	if !view.SeeQR {
		view.Vendor.Payload = ""
	}
	if view.CanEdit && v.Status == VendorActive {
		links, err := s.store.VendorLinks(ctx, vendorID)
		if err != nil {
			return VendorView{}, err
		}
		for _, l := range links {
			if l.Open(s.clock()) {
				view.Links = append(view.Links, l)
			}
		}
	}
	return view, nil
}
