package api_test

import (
	"context"
	"net/http"
	"testing"
	"time"
)

// TestMarketAdoptionScope: a market's figures answer callers in its area
// and 404 to everyone else, in any order of asking; a market that does not
// exist is 404 too.
func TestMarketAdoptionScope(t *testing.T) {
	f := newFixture(t)
	path := "/api/v1/markets/" + itoa(f.market(f.cA, 4)) + "/adoption"
	tests := []struct {
		user string
		want int
	}{
		{uAdmin, 200}, {uMemberA, 200}, {uMemberB, 404}, {uProv2, 404}, {uProv1, 200}, {uMemberB, 404},
	}
	for _, tt := range tests {
		if r := f.do("GET", path, f.as(tt.user), nil); r.Code != tt.want {
			t.Errorf("%s: %d, want %d", tt.user, r.Code, tt.want)
		}
	}
	f.do("GET", "/api/v1/markets/999999/adoption", f.as(uAdmin), nil).wantProblem(t, http.StatusNotFound, "not_found")
}

// TestAdoptionDuringOutage: with the database gone, a market's and a
// commune's figures answer 200 from the counters, marked stale as of their
// last moment in step, for tokens this replica checked before the outage
// (merchants.OutageGrace; its end is merchants' own test); writes still
// answer 503 with Retry-After, and so do reads with a token never checked
// here.
func TestAdoptionDuringOutage(t *testing.T) {
	f := newFixture(t)
	m := f.market(f.cA, 4)
	f.vendor(uMemberA, m, "A-1", 1)
	ctx := context.Background()
	if _, err := f.adoption.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := f.adoption.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	paths := []string{"/api/v1/markets/" + itoa(m) + "/adoption", "/api/v1/adoption?commune=" + f.cA}
	type figures struct {
		Vendors int64
		Source  string
		Stale   bool
		AsOf    *time.Time `json:"as_of"`
	}
	for _, p := range paths {
		var got figures
		f.do("GET", p, f.as(uMemberA), nil).decode(t, &got)
		if got.Vendors != 1 || got.Stale || got.AsOf != nil {
			t.Errorf("%s before the outage: %+v, want 1 vendor, not stale, no as_of", p, got)
		}
	}

	f.store.Close() // every database call and ping now fails
	for _, p := range paths {
		var got figures
		r := f.do("GET", p, f.as(uMemberA), nil)
		r.want(t, http.StatusOK)
		r.decode(t, &got)
		if got.Vendors != 1 || got.Source != "cache" || !got.Stale || got.AsOf == nil || got.AsOf.IsZero() {
			t.Errorf("%s during the outage: %+v, want 1 vendor from the cache, stale, with as_of", p, got)
		}
	}
	r := f.do("POST", "/api/v1/vendors", f.as(uMemberA), vendorBody(m, "A-2", 2))
	r.wantProblem(t, http.StatusServiceUnavailable, "unavailable")
	if r.Header.Get("Retry-After") == "" {
		t.Error("a write during the outage: 503 without Retry-After")
	}
	f.do("GET", paths[0], f.as(uOfficerA), nil).wantProblem(t, http.StatusServiceUnavailable, "unavailable")
}

// TestReportJSON: format=json answers the report's rows with every column;
// a commune without a target of its own is measured against its
// province's, and the XLSX report fills "% so với chỉ tiêu" the same way.
func TestReportJSON(t *testing.T) {
	f := newFixture(t)
	m := f.market(f.cA, 2)
	f.vendor(uMemberA, m, "A-1", 1)
	f.do("PUT", "/api/v1/targets", f.as(uProv1), map[string]any{"province_code": f.p1, "cho40_share": 0.5, "due": "2030-12-31"}).want(t, http.StatusOK)
	var rep struct {
		Rows []struct {
			Code    string `json:"code"`
			Markets int64  `json:"markets"`
		} `json:"rows"`
		Total struct {
			Cho40Markets   int64    `json:"cho40_markets"`
			TargetShare    *float64 `json:"target_share"`
			TargetDue      *string  `json:"target_due"`
			TargetProgress *float64 `json:"target_progress"`
		} `json:"total"`
		PreviousTo string `json:"previous_to"`
	}
	f.do("GET", "/api/v1/reports?format=json&commune="+f.cA, f.as(uOfficerA), nil).decode(t, &rep)
	// One market, all its one stall with QR: chợ 4.0; 1/1 against 0.5 is 2.
	if len(rep.Rows) != 1 || rep.Rows[0].Code != itoa(m) || rep.Total.Cho40Markets != 1 ||
		rep.Total.TargetShare == nil || *rep.Total.TargetShare != 0.5 || rep.Total.TargetDue == nil || *rep.Total.TargetDue != "2030-12-31" ||
		rep.Total.TargetProgress == nil || *rep.Total.TargetProgress != 2 || rep.PreviousTo == "" {
		t.Errorf("report JSON: %+v", rep)
	}
	f.do("GET", "/api/v1/reports?format=pdf&commune="+f.cA, f.as(uOfficerA), nil).wantProblem(t, http.StatusUnprocessableEntity, "validation_failed")
}
