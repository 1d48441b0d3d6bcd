package api_test

import (
	"net/http"
	"testing"

	"github.com/sapqr/sapqr/merchants/gormstore"
)

// TestRegistrationCost counts what one registration with an
// Idempotency-Key asks of the database, through the whole HTTP stack with
// the token checked every time: round trips (statements,
// BEGIN, SAVEPOINT, COMMIT) and commits, and what a replay of it costs.
// The figures are the README's ("What a registration asks of the
// database"); a change that adds a round trip must say so there.
func TestRegistrationCost(t *testing.T) {
	f := newFixture(t)
	m := f.market(f.cA, 10)
	f.vendor(uMemberA, m, "A-1", 1) // first-use queries are not the steady state
	type cost struct{ roundTrips, commits int64 }
	tests := []struct {
		name string
		want map[string]cost // by dialect
	}{
		{"registration", map[string]cost{gormstore.Postgres: {15, 1}, gormstore.SQLite: {16, 1}}},
		{"replay of it", map[string]cost{gormstore.Postgres: {4, 0}, gormstore.SQLite: {4, 0}}},
	}
	for _, tt := range tests {
		before := f.store.Stats()
		r := f.do("POST", "/api/v1/vendors", f.as(uMemberA), vendorBody(m, "A-2", 2), "Idempotency-Key", "cost-1")
		r.want(t, http.StatusCreated)
		after := f.store.Stats()
		got := cost{after.RoundTrips - before.RoundTrips, after.Commits - before.Commits}
		t.Logf("%s on %s: %d round trips, %d commits", tt.name, f.store.Dialect(), got.roundTrips, got.commits)
		if want := tt.want[f.store.Dialect()]; got != want {
			t.Errorf("%s on %s: %d round trips and %d commits, want %d and %d",
				tt.name, f.store.Dialect(), got.roundTrips, got.commits, want.roundTrips, want.commits)
		}
	}
}
