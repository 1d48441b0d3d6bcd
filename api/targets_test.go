package api_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/sapqr/sapqr/api"

	"github.com/sapqr/sapqr/merchants"
	"github.com/sapqr/sapqr/merchants/rediscounters"
)

// TestTargetPutRoleScope: PUT /targets for every caller against every
// unit, worked out by hand from the issue: commune officers their
// communes, province officers their province and its communes, admins
// anywhere, members nowhere (prov1 is province 1 with communes A and B;
// officera commune A).
func TestTargetPutRoleScope(t *testing.T) {
	f := newFixture(t)
	type body = map[string]any
	units := []struct {
		name string
		b    body
	}{
		{"province 1", body{"province_code": f.p1}},
		{"commune A", body{"commune_code": f.cA}},
		{"commune B", body{"province_code": f.p1, "commune_code": f.cB}},
		{"commune C", body{"commune_code": f.cC}},
		{"province 2", body{"province_code": f.p2}},
	}
	tests := []struct {
		caller string
		want   []int // per unit
	}{
		{uAdmin, []int{200, 200, 200, 200, 200}},
		{uProv1, []int{200, 200, 200, 403, 403}},
		{uProv2, []int{403, 403, 403, 200, 200}},
		{uOfficerA, []int{403, 200, 403, 403, 403}},
		{uMemberA, []int{403, 403, 403, 403, 403}},
	}
	for _, tt := range tests {
		for i, u := range units {
			b := body{"cho40_share": 0.5, "due": "2026-12-31"}
			for k, v := range u.b {
				b[k] = v
			}
			r := f.do("PUT", "/api/v1/targets", f.as(tt.caller), b)
			if r.Code != tt.want[i] {
				t.Errorf("%s sets %s: %d, want %d (%s)", tt.caller, u.name, r.Code, tt.want[i], r.Body)
			}
			if r.Code != 200 {
				continue
			}
			var got struct {
				ProvinceCode string  `json:"province_code"`
				Due          string  `json:"due"`
				Cho40Share   float64 `json:"cho40_share"`
			}
			r.decode(t, &got)
			if got.Due != "2026-12-31" || got.Cho40Share != 0.5 || got.ProvinceCode == "" {
				t.Errorf("%s sets %s: answered %s", tt.caller, u.name, r.Body)
			}
		}
	}
	var list struct{ Items []map[string]any }
	f.do("GET", "/api/v1/targets", f.as(uAdmin), nil).decode(t, &list)
	if len(list.Items) != 5 {
		t.Errorf("admin lists %d targets, want 5: %v", len(list.Items), list.Items)
	}
}

// TestTargetDeleteRoleScope: DELETE /targets answers 204 within the
// caller's area, 403 outside it (the target stays), 404 for none.
func TestTargetDeleteRoleScope(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		caller, query string
		want          int
	}{
		{uMemberA, "commune=" + f.cA, 403},
		{uOfficerA, "commune=" + f.cB, 403},
		{uProv2, "commune=" + f.cA, 403},
		{uOfficerA, "commune=" + f.cA, 204},
		{uProv1, "province=" + f.p1 + "&commune=" + f.cB, 204},
		{uProv1, "province=" + f.p1, 204},
		{uAdmin, "province=" + f.p2, 204},
	}
	for _, q := range []string{"commune=" + f.cA, "province=" + f.p1 + "&commune=" + f.cB, "province=" + f.p1, "province=" + f.p2} {
		b := map[string]any{"cho40_share": 0.5, "due": "2026-12-31"}
		v, _ := url.ParseQuery(q)
		if p := v.Get("province"); p != "" {
			b["province_code"] = p
		}
		if c := v.Get("commune"); c != "" {
			b["commune_code"] = c
		}
		f.do("PUT", "/api/v1/targets", f.as(uAdmin), b).want(t, 200)
	}
	for _, tt := range tests {
		r := f.do("DELETE", "/api/v1/targets?due=2026-12-31&"+tt.query, f.as(tt.caller), nil)
		if r.Code != tt.want {
			t.Errorf("%s deletes %s: %d, want %d (%s)", tt.caller, tt.query, r.Code, tt.want, r.Body)
		}
	}
	f.do("DELETE", "/api/v1/targets?due=2026-12-31&province="+f.p1, f.as(uAdmin), nil).wantProblem(t, http.StatusNotFound, "not_found")
	var list struct{ Items []map[string]any }
	f.do("GET", "/api/v1/targets", f.as(uAdmin), nil).decode(t, &list)
	if len(list.Items) != 0 {
		t.Errorf("%d targets left, want none: %v", len(list.Items), list.Items)
	}
}

// TestTargetBadInput: each bad input is a 422 naming the field, and
// changes nothing.
func TestTargetBadInput(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		method, path string
		body         any
		field        string
	}{
		{"PUT", "/api/v1/targets", map[string]any{"province_code": f.p1, "cho40_share": 1.2, "due": "2026-12-31"}, "cho40_share"},
		{"PUT", "/api/v1/targets", map[string]any{"province_code": f.p1, "cho40_share": 0.5, "due": "31/12/2026"}, "due"},
		{"PUT", "/api/v1/targets", map[string]any{"province_code": f.p1, "cho40_share": 0.5}, "due"},
		{"PUT", "/api/v1/targets", map[string]any{"cho40_share": 0.5, "due": "2026-12-31"}, "province_code"},
		{"PUT", "/api/v1/targets", map[string]any{"province_code": f.p2, "commune_code": f.cA, "cho40_share": 0.5, "due": "2026-12-31"}, "commune_code"},
		{"PUT", "/api/v1/targets", map[string]any{"commune_code": "99999", "cho40_share": 0.5, "due": "2026-12-31"}, "commune_code"},
		{"DELETE", "/api/v1/targets?province=" + f.p1, nil, "due"},
		{"DELETE", "/api/v1/targets?province=" + f.p1 + "&due=tomorrow", nil, "due"},
		{"GET", "/api/v1/targets?commune=x1", nil, "commune"},
		{"PUT", "/api/v1/provinces/" + f.p1 + "/threshold", map[string]any{"cho40_threshold": 0}, "cho40_threshold"},
		{"PUT", "/api/v1/provinces/" + f.p1 + "/threshold", map[string]any{"cho40_threshold": 1.01}, "cho40_threshold"},
		{"PUT", "/api/v1/provinces/" + f.p1 + "/threshold", map[string]any{}, "cho40_threshold"},
	}
	for _, tt := range tests {
		p := f.do(tt.method, tt.path, f.as(uAdmin), tt.body).wantProblem(t, http.StatusUnprocessableEntity, "validation_failed")
		if len(p.Errors) != 1 || p.Errors[0].Field != tt.field || p.Errors[0].Message == "" {
			t.Errorf("%s %s: errors %+v, want one on %q", tt.method, tt.path, p.Errors, tt.field)
		}
	}
	f.do("PUT", "/api/v1/provinces/00/threshold", f.as(uAdmin), map[string]any{"cho40_threshold": 0.5}).wantProblem(t, http.StatusNotFound, "not_found")
	var list struct{ Items []map[string]any }
	f.do("GET", "/api/v1/targets", f.as(uAdmin), nil).decode(t, &list)
	if len(list.Items) != 0 {
		t.Errorf("bad input stored targets: %v", list.Items)
	}
}

// TestThresholdRoleScope: province officers set their own province's
// threshold, admins any; commune officers and members none.
func TestThresholdRoleScope(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		caller, province string
		want             int
	}{
		{uAdmin, f.p1, 200}, {uAdmin, f.p2, 200},
		{uProv1, f.p1, 200}, {uProv1, f.p2, 403},
		{uProv2, f.p1, 403}, {uProv2, f.p2, 200},
		{uOfficerA, f.p1, 403}, {uMemberA, f.p1, 403},
	}
	for _, tt := range tests {
		r := f.do("PUT", "/api/v1/provinces/"+tt.province+"/threshold", f.as(tt.caller), map[string]any{"cho40_threshold": 0.9})
		if r.Code != tt.want {
			t.Errorf("%s sets %s: %d, want %d (%s)", tt.caller, tt.province, r.Code, tt.want, r.Body)
		}
	}
}

// TestThresholdMovesOtherReplica: a replica with its own adoption service
// (and counters) applies a threshold set through another at its next read,
// to the market, the commune's count of chợ 4.0 markets and the report.
func TestThresholdMovesOtherReplica(t *testing.T) {
	f := newFixture(t)
	m := f.market(f.cA, 2)
	f.vendor(uMemberA, m, "A-1", 1)
	f.do("POST", "/api/v1/markets/"+itoa(m)+"/stalls", f.as(uOfficerA), map[string]any{"code": "A-2"}).want(t, http.StatusCreated)
	units, _ := shared(t)
	srv := f.replica()
	srv.cfg.Adoption = merchants.NewAdoptionService(f.store, rediscounters.NewMemory(), merchants.AdoptionConfig{Units: units})
	var err error
	if srv.srv, err = api.New(srv.cfg); err != nil {
		t.Fatal(err)
	}
	var before struct {
		QRRate float64 `json:"qr_rate"`
		Cho40  bool
	}
	srv.do("GET", "/api/v1/markets/"+itoa(m)+"/adoption", srv.as(uProv1), nil).decode(t, &before)
	if before.QRRate <= 0 || before.QRRate >= 1 {
		t.Fatalf("qr_rate %v: the test needs a market between 0 and 1", before.QRRate)
	}
	for _, st := range []struct {
		threshold float64
		cho40     bool
	}{{before.QRRate, true}, {1, false}, {before.QRRate, true}} {
		f.do("PUT", "/api/v1/provinces/"+f.p1+"/threshold", f.as(uProv1), map[string]any{"cho40_threshold": st.threshold}).want(t, 200)
		var mk struct{ Cho40 bool }
		srv.do("GET", "/api/v1/markets/"+itoa(m)+"/adoption", srv.as(uProv1), nil).decode(t, &mk)
		var unit struct {
			Cho40Markets int64 `json:"cho40_markets"`
		}
		srv.do("GET", "/api/v1/adoption?commune="+f.cA, srv.as(uProv1), nil).decode(t, &unit)
		rep := srv.do("GET", "/api/v1/reports?format=csv&commune="+f.cA, srv.as(uProv1), nil)
		rep.want(t, 200)
		wantRow := ",1,0,"
		if st.cho40 {
			wantRow = ",1,1,"
		}
		if mk.Cho40 != st.cho40 || (unit.Cho40Markets == 1) != st.cho40 || !strings.Contains(string(rep.Body), wantRow) {
			t.Errorf("threshold %v: market cho40 %v, commune cho40_markets %d, report %q; want chợ 4.0 %v",
				st.threshold, mk.Cho40, unit.Cho40Markets, rep.Body, st.cho40)
		}
	}
}
