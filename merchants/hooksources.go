package merchants

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// HookSource is one aggregator connection: its provider, how its
// deliveries authenticate, and its scope (one vendor, or the vendors of a
// commune or of a province). A transfer from a source only ever matches
// vendors in its scope. The secret is kept by the store and never part of
// a HookSource.
type HookSource struct {
	ID           int64     `json:"id"`
	Provider     string    `json:"provider"`
	Auth         HookAuth  `json:"auth"`
	VendorID     int64     `json:"vendor_id,omitempty"`
	CommuneCode  string    `json:"commune_code,omitempty"`
	ProvinceCode string    `json:"province_code"`
	URLPath      string    `json:"url_path"`
	CreatedBy    int64     `json:"created_by"`
	CreatedAt    time.Time `json:"created_at"`
}

// HookScope is where a source's transfers may match: one vendor when
// VendorID is set, else a commune when CommuneCode is set, else a province.
type HookScope struct {
	VendorID     int64
	CommuneCode  string
	ProvinceCode string
}

// Scope returns the source's scope. A vendor's source keeps the vendor's
// commune and province too, for who may see it.
func (h HookSource) Scope() HookScope {
	switch {
	case h.VendorID != 0:
		return HookScope{VendorID: h.VendorID}
	case h.CommuneCode != "":
		return HookScope{CommuneCode: h.CommuneCode}
	}
	return HookScope{ProvinceCode: h.ProvinceCode}
}

func (h HookSource) unit() Unit {
	return Unit{ProvinceCode: h.ProvinceCode, CommuneCode: h.CommuneCode}
}

// hookPath is the delivery URL path of a source.
func hookPath(provider string, id int64) string {
	return "/api/v1/hooks/" + provider + "/" + strconv.FormatInt(id, 10)
}

// CreateHookSourceInput creates a hook source: exactly one of VendorID,
// CommuneCode and ProvinceCode.
type CreateHookSourceInput struct {
	Provider     string `json:"provider"`
	Auth         string `json:"auth"`
	Secret       string `json:"secret"`
	VendorID     int64  `json:"vendor_id"`
	CommuneCode  string `json:"commune_code"`
	ProvinceCode string `json:"province_code"`
}

// Secret bounds: an aggregator's API key or HMAC key, printable ASCII.
const (
	minHookSecret = 8
	maxHookSecret = 256
)

// CreateHookSource stores a new source. Officers create sources within
// their area (a commune officer for its communes and their vendors, a
// province officer for its province, its communes and vendors), admins
// anywhere, and a team member for a vendor it may edit. It returns a
// *ValidationError for bad input, ErrNotFound for an unknown vendor or
// unit and ErrForbidden outside the actor's rights.
func (t *TransferService) CreateHookSource(ctx context.Context, a Actor, in CreateHookSourceInput) (HookSource, error) {
	h, err := t.checkHookSource(ctx, in)
	if err != nil {
		return HookSource{}, err
	}
	if err := mayManageHooks(a, h); err != nil {
		return HookSource{}, err
	}
	h.CreatedBy, h.CreatedAt = a.UserID, t.svc.clock()
	h, err = t.store.CreateHookSource(ctx, h, []byte(in.Secret))
	if err != nil {
		return HookSource{}, fmt.Errorf("create hook source: %w", err)
	}
	h.URLPath = hookPath(h.Provider, h.ID)
	return h, nil
}

// checkHookSource validates the input and resolves its scope's unit.
func (t *TransferService) checkHookSource(ctx context.Context, in CreateHookSourceInput) (HookSource, error) {
	var p problems
	p1, ok := hookProviders[in.Provider]
	if !ok {
		p.add("provider", fmt.Sprintf("%q is not a provider SạpQR receives; use one of %v", in.Provider, HookProviderNames()))
	} else if !providerOffers(p1, HookAuth(in.Auth)) {
		p.add("auth", fmt.Sprintf("%q is not an authentication %s offers; use one of %v", in.Auth, in.Provider, p1.Auths()))
	}
	if n := len(in.Secret); n < minHookSecret || n > maxHookSecret {
		p.add("secret", fmt.Sprintf("must be %d to %d characters (the key the provider shows), not %d", minHookSecret, maxHookSecret, n))
	} else if i := slices.IndexFunc([]byte(in.Secret), func(c byte) bool { return c <= ' ' || c > '~' }); i >= 0 {
		p.add("secret", fmt.Sprintf("character %d is not printable ASCII; paste the key exactly as the provider shows it", i+1))
	}
	scopes := 0
	for _, set := range []bool{in.VendorID != 0, in.CommuneCode != "", in.ProvinceCode != ""} {
		if set {
			scopes++
		}
	}
	if scopes != 1 {
		p.add("vendor_id", "give exactly one of vendor_id, commune_code and province_code: the source's scope")
	}
	if err := p.err(); err != nil {
		return HookSource{}, err
	}
	h := HookSource{Provider: in.Provider, Auth: HookAuth(in.Auth), VendorID: in.VendorID, CommuneCode: in.CommuneCode, ProvinceCode: in.ProvinceCode}
	switch {
	case in.VendorID != 0:
		v, err := t.store.Vendor(ctx, in.VendorID)
		if err != nil {
			return HookSource{}, fmt.Errorf("vendor %d: %w", in.VendorID, err)
		}
		if v.Status != VendorActive {
			return HookSource{}, errInactive(v.ID)
		}
		h.CommuneCode, h.ProvinceCode = v.CommuneCode, v.ProvinceCode
	case in.CommuneCode != "":
		if t.svc.units == nil {
			return HookSource{}, &ValidationError{Fields: []FieldError{{Field: "commune_code", Message: "no unit directory to check the commune"}}}
		}
		prov, err := t.svc.units.ProvinceOfCommune(in.CommuneCode)
		if err != nil {
			return HookSource{}, &ValidationError{Fields: []FieldError{{Field: "commune_code", Message: fmt.Sprintf("%q is not a commune in force", in.CommuneCode)}}}
		}
		h.ProvinceCode = prov
	}
	return h, nil
}

// mayManageHooks is who may create or delete a source of unit u: an
// admin; a province officer in its province; a commune officer in its
// communes (not a whole province); a team member for a vendor it may edit.
func mayManageHooks(a Actor, h HookSource) error {
	u := h.unit()
	switch a.Role {
	case RoleAdmin:
		return nil
	case RoleProvince:
		if a.Sees(u) {
			return nil
		}
	case RoleCommune:
		if u.CommuneCode != "" && a.Sees(u) {
			return nil
		}
	case RoleMember:
		if h.VendorID != 0 {
			return Authorize(a, PermRegister, u)
		}
	default:
		return ErrUnauthenticated
	}
	return fmt.Errorf("%w: hook sources of %s are outside your rights", ErrForbidden, u)
}

// HookSources lists the sources the actor may manage, by ascending ID.
func (t *TransferService) HookSources(ctx context.Context, a Actor) ([]HookSource, error) {
	if !a.Role.Valid() {
		return nil, ErrUnauthenticated
	}
	all, err := t.store.ListHookSources(ctx)
	if err != nil {
		return nil, err
	}
	out := []HookSource{}
	for _, h := range all {
		if a.Sees(h.unit()) && mayManageHooks(a, h) == nil {
			h.URLPath = hookPath(h.Provider, h.ID)
			out = append(out, h)
		}
	}
	return out, nil
}

// DeleteHookSource deletes a source: its deliveries are refused from now
// on and its transfers stay. It returns ErrNotFound for an unknown source
// or one the actor cannot see, and ErrForbidden for one it sees but may
// not manage.
func (t *TransferService) DeleteHookSource(ctx context.Context, a Actor, id int64) error {
	h, _, err := t.store.HookSourceSecret(ctx, id)
	if err != nil {
		return fmt.Errorf("hook source %d: %w", id, err)
	}
	if !a.Sees(h.unit()) {
		return fmt.Errorf("hook source %d: %w", id, ErrNotFound)
	}
	if err := mayManageHooks(a, h); err != nil {
		return err
	}
	return t.store.DeleteHookSource(ctx, id, t.svc.clock())
}
