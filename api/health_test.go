package api_test

import (
	"net/http"
	"testing"
)

func TestHealth(t *testing.T) {
	f := newFixture(t)
	type health struct {
		Status string
		Checks map[string]string
	}
	tests := []struct {
		name        string
		dbDown      bool
		countersOff bool
		status      int
		want        string
	}{
		{"all up", false, false, 200, "ok"},
		{"counters down is degraded, still ready", false, true, 200, "degraded"},
		{"database down is down", true, false, 503, "down"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.db.set(tt.dbDown)
			f.ctr.set(tt.countersOff)
			defer f.db.set(false)
			defer f.ctr.set(false)
			r := f.do("GET", "/readyz", "", nil)
			r.want(t, tt.status)
			var h health
			r.decode(t, &h)
			if h.Status != tt.want {
				t.Errorf("status %q, want %q (%s)", h.Status, tt.want, r.Body)
			}
			if tt.status == 503 && r.Header.Get("Retry-After") == "" {
				t.Error("503 without Retry-After")
			}
			// Liveness never depends on the dependencies.
			f.do("GET", "/healthz", "", nil).want(t, http.StatusOK)
		})
	}
}
