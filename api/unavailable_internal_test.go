package api

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/sapqr/sapqr/merchants"
)

// TestProblemForUnavailableStore: a store error the store recognised as
// the database being unable to serve right now answers 503 with
// Retry-After, however deeply the domain wrapped it; a store failure it
// did not recognise stays an internal 500.
func TestProblemForUnavailableStore(t *testing.T) {
	driver := errors.New("FATAL: the database system is shutting down (SQLSTATE 57P03)")
	tests := []struct {
		name       string
		err        error
		status     int
		retryAfter bool
	}{
		{"read", fmt.Errorf("vendor 7: %w: %w", merchants.ErrUnavailable, driver), http.StatusServiceUnavailable, true},
		{"registration", fmt.Errorf("register vendor: %w", fmt.Errorf("lock market 3: %w: %w", merchants.ErrUnavailable, driver)),
			http.StatusServiceUnavailable, true},
		{"unrecognised store failure", fmt.Errorf("vendor 7: %w", errors.New("scan: converting NULL to int64")), http.StatusInternalServerError, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, retryAfter, internal := problemFor(tt.err)
			if p.Status != tt.status || !internal {
				t.Errorf("status %d (internal %v); want %d, logged as internal", p.Status, internal, tt.status)
			}
			if (retryAfter > 0) != tt.retryAfter {
				t.Errorf("Retry-After %d; want one: %v", retryAfter, tt.retryAfter)
			}
			if tt.status == http.StatusServiceUnavailable && p.Code != codeUnavailable {
				t.Errorf("code %q; want %q", p.Code, codeUnavailable)
			}
		})
	}
}
