package api_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/sapqr/sapqr/merchants"
)

// target is what one matrix case acts on: a fresh market with a vendor
// (and so a stall) in one commune, created by the system.
type target struct {
	commune  string
	market   int64
	stall    int64
	stall2   int64 // a second stall the vendor holds, so one may be released
	vendor   int64
	sequence int
}

// scopeRoute is one route of the matrix: how to call it on a target and
// which permission it needs beyond seeing the unit.
type scopeRoute struct {
	method string
	path   func(t target) string
	body   func(t target) any
	needs  string // read, account, print, register, markets, deactivate, reports
}

// roleMay says which roles hold each need (DESIGN.md "Contract details").
var roleMay = map[string]map[merchants.Role]bool{
	"read":       {merchants.RoleAdmin: true, merchants.RoleProvince: true, merchants.RoleCommune: true, merchants.RoleMember: true},
	"account":    {merchants.RoleAdmin: true, merchants.RoleCommune: true, merchants.RoleMember: true},
	"print":      {merchants.RoleAdmin: true, merchants.RoleCommune: true, merchants.RoleMember: true},
	"register":   {merchants.RoleAdmin: true, merchants.RoleCommune: true, merchants.RoleMember: true},
	"markets":    {merchants.RoleAdmin: true, merchants.RoleCommune: true},
	"deactivate": {merchants.RoleAdmin: true, merchants.RoleCommune: true},
	"reports":    {merchants.RoleAdmin: true, merchants.RoleProvince: true, merchants.RoleCommune: true},
}

// TestScopeMatrix walks every resource route × role × scope: inside its
// area a role gets 2xx exactly when it holds the route's permission and
// 403 otherwise; outside, reads answer 404 (nothing is revealed) and
// writes 403.
func TestScopeMatrix(t *testing.T) {
	if testing.Short() {
		t.Skip("creates a market and a vendor per case")
	}
	f := newFixture(t)
	ctx := context.Background()
	system := merchants.Actor{Role: merchants.RoleAdmin, Username: "system"}
	seq := 100
	newTarget := func(commune string) target {
		seq++
		m, err := f.svc.CreateMarket(ctx, system, merchants.CreateMarketInput{Name: fmt.Sprintf("Chợ %d", seq), CommuneCode: commune, StallsDeclared: 10})
		if err != nil {
			t.Fatal(err)
		}
		res, err := f.svc.RegisterVendor(ctx, system, merchants.RegisterVendorInput{
			MarketID: m.ID, StallCode: "S-1", FullName: "Lê Thị Mai", Phone: fmt.Sprintf("09123%05d", seq), Consent: true,
			BankAccount: merchants.BankAccountInput{BIN: "970436", AccountNumber: fmt.Sprintf("00220%08d", seq), HolderName: "LE THI MAI",
				Verify: &merchants.VerifyInput{Method: merchants.VerifyBankAppName, NameSeen: "Lê Thị Mai"}},
		})
		if err != nil {
			t.Fatal(err)
		}
		two, err := f.svc.AssignStall(ctx, system, res.Vendor.ID, "S-9")
		if err != nil {
			t.Fatal(err)
		}
		return target{commune: commune, market: m.ID, stall: res.Vendor.StallID, stall2: two.Vendor.Stalls[1].StallID,
			vendor: res.Vendor.ID, sequence: seq}
	}
	p := func(format string) func(target) string {
		return func(t target) string {
			switch format {
			case "market":
				return "/api/v1/markets/" + itoa(t.market)
			case "vendor":
				return "/api/v1/vendors/" + itoa(t.vendor)
			case "stall":
				return "/api/v1/stalls/" + itoa(t.stall)
			}
			return format
		}
	}
	suffix := func(base func(target) string, s string) func(target) string {
		return func(t target) string { return base(t) + s }
	}
	routes := []scopeRoute{
		{method: "GET", path: p("market"), needs: "read"},
		{method: "PATCH", path: p("market"), body: func(target) any { return map[string]any{"address": "Số 1"} }, needs: "markets"},
		{method: "GET", path: suffix(p("market"), "/stalls"), needs: "read"},
		{method: "POST", path: suffix(p("market"), "/stalls"), body: func(target) any { return map[string]any{"code": "N-1"} }, needs: "register"},
		{method: "PATCH", path: p("stall"), body: func(target) any { return map[string]any{"category": "cá"} }, needs: "register"},
		{method: "GET", path: func(t target) string { return "/api/v1/markets?commune=" + t.commune }, needs: "read"},
		{method: "POST", path: func(target) string { return "/api/v1/markets" }, body: func(t target) any {
			return map[string]any{"commune_code": t.commune, "name": fmt.Sprintf("Chợ mới %d", t.sequence)}
		}, needs: "markets"},
		{method: "GET", path: func(t target) string { return "/api/v1/vendors?market=" + itoa(t.market) }, needs: "read"},
		{method: "GET", path: func(t target) string { return "/api/v1/vendors?commune=" + t.commune }, needs: "read"},
		{method: "POST", path: func(target) string { return "/api/v1/vendors" }, body: func(t target) any { return vendorBody(t.market, "S-2", 50000+t.sequence) }, needs: "register"},
		{method: "GET", path: p("vendor"), needs: "read"},
		{method: "PATCH", path: p("vendor"), body: func(target) any { return map[string]any{"full_name": "Lê Thị Mai Anh"} }, needs: "register"},
		{method: "DELETE", path: p("vendor"), needs: "deactivate"},
		{method: "POST", path: suffix(p("vendor"), "/accounts"), body: func(t target) any {
			return map[string]any{"bin": "970415", "account_number": fmt.Sprintf("7700%08d", t.sequence), "holder_name": "LE THI MAI"}
		}, needs: "register"},
		{method: "POST", path: suffix(p("vendor"), "/stalls"), body: func(target) any { return map[string]any{"stall_code": "S-3"} }, needs: "register"},
		{method: "DELETE", path: func(t target) string { return "/api/v1/vendors/" + itoa(t.vendor) + "/stalls/" + itoa(t.stall2) }, needs: "register"},
		{method: "POST", path: suffix(p("vendor"), "/confirm-transacting"), needs: "register"},
		{method: "GET", path: suffix(p("vendor"), "/qr.png"), needs: "account"},
		{method: "GET", path: suffix(p("vendor"), "/qr.svg"), needs: "account"},
		{method: "GET", path: suffix(p("vendor"), "/payload"), needs: "account"},
		{method: "GET", path: suffix(p("vendor"), "/sign.pdf"), needs: "print"},
		{method: "GET", path: suffix(p("vendor"), "/card.png"), needs: "account"},
		{method: "GET", path: suffix(p("market"), "/signs.pdf"), needs: "print"},
		{method: "POST", path: suffix(p("vendor"), "/verification"), body: func(target) any {
			return map[string]any{"method": "bank_app_name", "name_seen": "LE THI MAI"}
		}, needs: "register"},
		{method: "GET", path: suffix(p("market"), "/occupancy"), needs: "read"},
		{method: "GET", path: suffix(p("market"), "/adoption"), needs: "read"},
		{method: "GET", path: func(t target) string { return "/api/v1/adoption?commune=" + t.commune }, needs: "read"},
		{method: "GET", path: func(t target) string { return "/api/v1/reports?commune=" + t.commune }, needs: "reports"},
	}
	users := []struct {
		name string
		role merchants.Role
		sees map[string]bool
	}{
		{uAdmin, merchants.RoleAdmin, map[string]bool{f.cA: true, f.cB: true, f.cC: true}},
		{uProv1, merchants.RoleProvince, map[string]bool{f.cA: true, f.cB: true}},
		{uProv2, merchants.RoleProvince, map[string]bool{f.cC: true}},
		{uOfficerA, merchants.RoleCommune, map[string]bool{f.cA: true}},
		{uMemberA, merchants.RoleMember, map[string]bool{f.cA: true}},
		{uMemberB, merchants.RoleMember, map[string]bool{f.cB: true}},
	}
	cases := 0
	for _, r := range routes {
		for _, u := range users {
			for _, commune := range []string{f.cA, f.cB, f.cC} {
				tg := newTarget(commune)
				path := r.path(tg)
				name := fmt.Sprintf("%s %s as %s on %s", r.method, path, u.name, commune)
				var body any
				if r.body != nil {
					body = r.body(tg)
				}
				res := f.do(r.method, path, f.as(u.name), body)
				cases++
				switch {
				case !u.sees[commune] && r.method == "GET":
					if res.Code != http.StatusNotFound {
						t.Errorf("%s: %d, want 404 (read outside scope): %.200s", name, res.Code, res.Body)
					}
				case !u.sees[commune]:
					if res.Code != http.StatusForbidden {
						t.Errorf("%s: %d, want 403 (write outside scope): %.200s", name, res.Code, res.Body)
					}
				case !roleMay[r.needs][u.role]:
					if res.Code != http.StatusForbidden {
						t.Errorf("%s: %d, want 403 (role lacks %s): %.200s", name, res.Code, r.needs, res.Body)
					}
				default:
					if res.Code < 200 || res.Code > 299 {
						t.Errorf("%s: %d, want 2xx: %.300s", name, res.Code, res.Body)
					}
				}
			}
		}
	}
	if cases != len(routes)*len(users)*3 {
		t.Fatalf("walked %d cases", cases)
	}
}
