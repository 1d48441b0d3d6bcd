package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestMarketOccupancy: GET /markets/{id}/occupancy lists the open stalls
// in reading order, free or taken, and nothing of the vendors (no name,
// phone or account number); another commune's member gets 404.
func TestMarketOccupancy(t *testing.T) {
	f := newFixture(t)
	mid := f.market(f.cA, 20)
	admin := f.as(uAdmin)
	for _, st := range []map[string]any{{"code": "A-10"}, {"code": "A-2"}, {"code": "A-3", "status": "vacant"}, {"code": "A-4", "status": "closed"}} {
		f.do("POST", "/api/v1/markets/"+itoa(mid)+"/stalls", admin, st).want(t, http.StatusCreated)
	}
	f.vendor(uMemberA, mid, "A-2", 1)
	f.vendor(uMemberA, mid, "B-1", 2) // a stall made by the registration

	r := f.do("GET", "/api/v1/markets/"+itoa(mid)+"/occupancy", f.as(uMemberA), nil)
	r.want(t, http.StatusOK)
	var got struct {
		MarketID int64 `json:"market_id"`
		Items    []struct {
			Code string
			Free bool
		}
	}
	r.decode(t, &got)
	type stall = struct {
		Code string
		Free bool
	}
	want := []stall{{"A-2", false}, {"A-3", false}, {"A-10", true}, {"B-1", false}}
	if got.MarketID != mid {
		t.Errorf("market_id %d, want %d", got.MarketID, mid)
	}
	if diff := cmp.Diff(want, []stall(got.Items)); diff != "" {
		t.Errorf("stalls (-want +got):\n%s", diff)
	}
	body := string(r.Body)
	for _, secret := range []string{"Nguyễn", "0011000000001", "09123", "vendor"} {
		if strings.Contains(body, secret) {
			t.Errorf("the occupancy answer holds %q: %s", secret, body)
		}
	}
	f.do("GET", "/api/v1/markets/"+itoa(mid)+"/occupancy", f.as(uMemberB), nil).wantProblem(t, http.StatusNotFound, "not_found")
}
