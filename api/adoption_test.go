package api_test

import (
	"net/http"
	"testing"
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
