package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestUserCreateRoleScope: POST /users for every caller role against roles
// and scopes granted, worked out by hand from DESIGN.md "Who manages
// users" (prov1 is province 1 with communes A and B; officera commune A).
func TestUserCreateRoleScope(t *testing.T) {
	f := newFixture(t)
	type body = map[string]any
	admin := body{"role": "admin"}
	prov := body{"role": "province", "province_code": f.p1}
	offA := body{"role": "commune", "commune_codes": []string{f.cA}}
	offB := body{"role": "commune", "commune_codes": []string{f.cB}}
	memA := body{"role": "member", "commune_codes": []string{f.cA}}
	memB := body{"role": "member", "commune_codes": []string{f.cB}}
	memC := body{"role": "member", "commune_codes": []string{f.cC}}
	grants := []struct {
		name string
		b    body
	}{{"admin", admin}, {"province", prov}, {"officer A", offA}, {"officer B", offB}, {"member A", memA}, {"member B", memB}, {"member C", memC}}
	tests := []struct {
		caller string
		want   []int // per grant
	}{
		{uAdmin, []int{201, 201, 201, 201, 201, 201, 201}},
		{uProv1, []int{403, 403, 201, 201, 201, 201, 403}},
		{uProv2, []int{403, 403, 403, 403, 403, 403, 201}},
		{uOfficerA, []int{403, 403, 403, 403, 201, 403, 403}},
		{uMemberA, []int{403, 403, 403, 403, 403, 403, 403}},
	}
	n := 0
	for _, tt := range tests {
		for i, g := range grants {
			n++
			b := body{"username": "new.user" + itoa(int64(n)), "display_name": "Nguyễn Thị Hoa"}
			for k, v := range g.b {
				b[k] = v
			}
			r := f.do("POST", "/api/v1/users", f.as(tt.caller), b)
			if r.Code != tt.want[i] {
				t.Errorf("%s creates %s: %d, want %d (%s)", tt.caller, g.name, r.Code, tt.want[i], r.Body)
			}
			if r.Code == 201 && !strings.Contains(string(r.Body), `"activation_url"`) {
				t.Errorf("created without a password but no activation_url: %s", r.Body)
			}
		}
	}
}

// TestUserRoutesOutsideArea: reads and changes of a user one does not
// manage answer 404, never telling that the user exists; promoting beyond
// one's own role answers 403.
func TestUserRoutesOutsideArea(t *testing.T) {
	f := newFixture(t)
	var me struct{ ID int64 }
	f.do("GET", "/api/v1/me", f.as(uMemberB), nil).decode(t, &me)
	memberB := itoa(me.ID)
	f.do("GET", "/api/v1/me", f.as(uMemberA), nil).decode(t, &me)
	memberA := itoa(me.ID)
	f.do("GET", "/api/v1/users/"+memberB, f.as(uOfficerA), nil).wantProblem(t, http.StatusNotFound, "not_found")
	f.do("PATCH", "/api/v1/users/"+memberB, f.as(uOfficerA), map[string]any{"active": false}).wantProblem(t, http.StatusNotFound, "not_found")
	f.do("POST", "/api/v1/users/"+memberB+"/password-reset", f.as(uOfficerA), nil).wantProblem(t, http.StatusNotFound, "not_found")
	f.do("GET", "/api/v1/users/"+memberA, f.as(uProv2), nil).wantProblem(t, http.StatusNotFound, "not_found")
	f.do("GET", "/api/v1/users/"+memberA, f.as(uOfficerA), nil).want(t, http.StatusOK)
	f.do("PATCH", "/api/v1/users/"+memberA, f.as(uOfficerA), map[string]any{"role": "commune"}).wantProblem(t, http.StatusForbidden, "forbidden")
	f.do("PATCH", "/api/v1/users/"+memberA, f.as(uProv1), map[string]any{"role": "province", "province_code": f.p1}).wantProblem(t, http.StatusForbidden, "forbidden")
	f.do("PATCH", "/api/v1/users/"+memberA, f.as(uProv1), map[string]any{"display_name": "Lê Thị Mai"}).want(t, http.StatusOK)

	var list struct{ Items []struct{ Username string } }
	f.do("GET", "/api/v1/users?q=member", f.as(uOfficerA), nil).decode(t, &list)
	if len(list.Items) != 1 || list.Items[0].Username != uMemberA {
		t.Errorf("officer A lists %+v, want membera only", list.Items)
	}
	f.do("GET", "/api/v1/users?active=maybe", f.as(uAdmin), nil).wantProblem(t, http.StatusUnprocessableEntity, "validation_failed")
}

// TestSessionsEndOnEveryReplica: a disabled user's token, a logged-out
// token and a reset user's token are refused by a second server on the
// same database within a second of the answer (in fact at once: every
// request checks the session in the database).
func TestSessionsEndOnEveryReplica(t *testing.T) {
	f := newFixture(t)
	r2 := f.replica()
	var me struct{ ID int64 }
	tok := f.as(uMemberA)
	r2.do("GET", "/api/v1/me", tok, nil).want(t, http.StatusOK)
	r2.do("GET", "/api/v1/me", tok, nil).decode(t, &me)

	f.do("PATCH", "/api/v1/users/"+itoa(me.ID), f.as(uOfficerA), map[string]any{"active": false}).want(t, http.StatusOK)
	answered := time.Now()
	r2.do("GET", "/api/v1/me", tok, nil).wantProblem(t, http.StatusUnauthorized, "unauthenticated")
	if d := time.Since(answered); d > time.Second {
		t.Errorf("refused %v after the PATCH answered, want within 1 s", d)
	}
	f.do("POST", "/api/v1/auth/login", "", map[string]string{"username": uMemberA, "password": testPassword}).
		wantProblem(t, http.StatusUnauthorized, "unauthenticated")

	tok = f.as(uMemberB)
	r2.do("GET", "/api/v1/me", tok, nil).want(t, http.StatusOK)
	f.do("POST", "/api/v1/auth/logout", tok, nil).want(t, http.StatusNoContent)
	r2.do("GET", "/api/v1/me", tok, nil).wantProblem(t, http.StatusUnauthorized, "unauthenticated")

	tok = f.as(uOfficerA)
	r2.do("GET", "/api/v1/me", tok, nil).decode(t, &me)
	var reset struct {
		URL string `json:"activation_url"`
	}
	f.do("POST", "/api/v1/users/"+itoa(me.ID)+"/password-reset", f.as(uProv1), nil).decode(t, &reset)
	r2.do("GET", "/api/v1/me", tok, nil).wantProblem(t, http.StatusUnauthorized, "unauthenticated")
	if !strings.Contains(reset.URL, "/ui/activate/") {
		t.Errorf("activation_url %q", reset.URL)
	}
}

// TestActivationRoutes: a member created without a password sets one
// through the link's route, once, then logs in and changes it.
func TestActivationRoutes(t *testing.T) {
	f := newFixture(t)
	r := f.do("POST", "/api/v1/users", f.as(uOfficerA), map[string]any{"username": "hoa.nguyen", "display_name": "Nguyễn Thị Hoa",
		"role": "member", "commune_codes": []string{f.cA}, "phone": "0912345678"})
	r.want(t, http.StatusCreated)
	var created struct {
		URL     string `json:"activation_url"`
		Expires string `json:"activation_expires_at"`
	}
	r.decode(t, &created)
	token := created.URL[strings.LastIndex(created.URL, "/")+1:]
	page := f.do("GET", "/ui/activate/"+token, "", nil)
	page.want(t, http.StatusOK)
	if !strings.Contains(string(page.Body), "Nguyễn Thị Hoa") || !strings.Contains(string(page.Body), "hoa.nguyen") {
		t.Errorf("activation page does not greet the user: %.300s", page.Body)
	}
	f.do("GET", "/ui/activate/"+strings.Repeat("x", 43), "", nil).want(t, http.StatusNotFound)
	f.do("POST", "/api/v1/auth/activate", "", map[string]string{"token": token, "password": "hoa.nguyen"}).
		wantProblem(t, http.StatusUnprocessableEntity, "validation_failed")
	f.do("POST", "/api/v1/auth/activate", "", map[string]string{"token": token, "password": "canh chua cá lóc"}).want(t, http.StatusNoContent)
	f.do("POST", "/api/v1/auth/activate", "", map[string]string{"token": token, "password": "canh chua cá lóc"}).
		wantProblem(t, http.StatusNotFound, "not_found")
	f.do("GET", "/ui/activate/"+token, "", nil).want(t, http.StatusNotFound)
	r = f.do("POST", "/api/v1/auth/login", "", map[string]string{"username": "hoa.nguyen", "password": "canh chua cá lóc"})
	r.want(t, http.StatusOK)
	var login struct{ Token string }
	r.decode(t, &login)
	f.do("POST", "/api/v1/me/password", login.Token, map[string]string{"current_password": "canh chua cá lóc", "new_password": "12345678910"}).
		wantProblem(t, http.StatusUnprocessableEntity, "validation_failed")
	f.do("POST", "/api/v1/me/password", login.Token, map[string]string{"current_password": "canh chua cá lóc", "new_password": "bánh xèo miền tây"}).
		want(t, http.StatusNoContent)
}
