package harness

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// scripted answers the n-th request with answers[n] (the last one repeats)
// and records the Idempotency-Key of each.
type scripted struct {
	mu      sync.Mutex
	answers []func(w http.ResponseWriter)
	keys    []string
}

func (s *scripted) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	n := len(s.keys)
	s.keys = append(s.keys, r.Header.Get("Idempotency-Key"))
	s.mu.Unlock()
	s.answers[min(n, len(s.answers)-1)](w)
}

func status(code int, retryAfter string, problemCode string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		if retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		if problemCode != "" {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(code)
			w.Write([]byte(`{"code":"` + problemCode + `"}`))
			return
		}
		w.WriteHeader(code)
		w.Write([]byte(`{"id":42}`))
	}
}

func TestPostIdempotentRetries(t *testing.T) {
	policy := RetryPolicy{Budget: 2 * time.Second, MinDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}
	tests := []struct {
		name       string
		answers    []func(w http.ResponseWriter)
		wantKinds  []string
		wantStatus int
		wantAcked  bool
	}{
		{"first try succeeds", []func(http.ResponseWriter){status(201, "", "")}, []string{"201"}, 201, true},
		{"503 with Retry-After is retried",
			[]func(http.ResponseWriter){status(503, "1", "unavailable"), status(503, "1", "unavailable"), status(201, "", "")},
			[]string{"503 unavailable", "503 unavailable", "201"}, 201, true},
		{"500 is retried (the key was released)",
			[]func(http.ResponseWriter){status(500, "", "internal"), status(201, "", "")},
			[]string{"500 internal", "201"}, 201, true},
		{"409 busy with Retry-After is retried",
			[]func(http.ResponseWriter){status(409, "1", "idempotency_busy"), status(201, "", "")},
			[]string{"409 idempotency_busy", "201"}, 201, true},
		{"409 conflict without Retry-After is final",
			[]func(http.ResponseWriter){status(409, "", "conflict")},
			[]string{"409 conflict"}, 409, false},
		{"422 is final", []func(http.ResponseWriter){status(422, "", "validation")}, []string{"422 validation"}, 422, false},
		{"429 is retried", []func(http.ResponseWriter){status(429, "1", "rate_limited"), status(200, "", "")},
			[]string{"429 rate_limited", "200"}, 200, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &scripted{answers: tt.answers}
			srv := httptest.NewServer(s)
			defer srv.Close()
			c := &Client{HTTP: NewHTTPClient(4, time.Second), Base: srv.URL}
			res := c.PostIdempotent(context.Background(), "/api/v1/vendors", "key-1", []byte(`{}`), policy)
			var kinds []string
			for _, a := range res.Attempts {
				kinds = append(kinds, a.Kind)
			}
			if diff := cmp.Diff(tt.wantKinds, kinds); diff != "" {
				t.Errorf("attempts (-want +got):\n%s", diff)
			}
			if res.Status != tt.wantStatus || res.Acked() != tt.wantAcked {
				t.Errorf("final status %d acked %v, want %d acked %v", res.Status, res.Acked(), tt.wantStatus, tt.wantAcked)
			}
			for i, k := range s.keys {
				if k != "key-1" {
					t.Errorf("attempt %d sent Idempotency-Key %q, want the same key every time", i+1, k)
				}
			}
		})
	}
}

func TestPostIdempotentGivesUpAfterBudget(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens: every attempt is refused
	c := &Client{HTTP: NewHTTPClient(1, time.Second), Base: url}
	policy := RetryPolicy{Budget: 200 * time.Millisecond, MinDelay: 10 * time.Millisecond, MaxDelay: 40 * time.Millisecond}
	res := c.PostIdempotent(context.Background(), "/x", "k", []byte(`{}`), policy)
	if res.Acked() || res.Status != 0 {
		t.Errorf("status %d, acked %v; want no answer", res.Status, res.Acked())
	}
	if len(res.Attempts) < 2 {
		t.Errorf("%d attempts; want retries within the budget", len(res.Attempts))
	}
	for _, a := range res.Attempts {
		if a.Kind != "connection refused" {
			t.Errorf("attempt kind %q, want connection refused", a.Kind)
		}
	}
	if res.Elapsed > 2*time.Second {
		t.Errorf("took %v; the budget was %v", res.Elapsed, policy.Budget)
	}
}

func TestCallReportsProblems(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"code":"unauthenticated","detail":"log in"}`))
			return
		}
		w.Write([]byte(`{"name":"Chợ Bến Thành"}`))
	}))
	defer srv.Close()
	c := &Client{HTTP: NewHTTPClient(1, time.Second), Base: srv.URL}
	var out struct{ Name string }
	err := c.Call(context.Background(), http.MethodGet, "/api/v1/markets/1", nil, &out)
	if err == nil || !strings.Contains(err.Error(), "401 unauthenticated") {
		t.Errorf("without a token: err = %v, want it to name 401 unauthenticated", err)
	}
	c.Token = "tok"
	if err := c.Call(context.Background(), http.MethodGet, "/api/v1/markets/1", nil, &out); err != nil {
		t.Fatal(err)
	}
	if out.Name != "Chợ Bến Thành" {
		t.Errorf("decoded name %q", out.Name)
	}
}
