package api_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/sapqr/sapqr/api"
)

// TestRegisterRetryWithoutStoredAnswer: a registration whose
// Idempotency-Key answer cannot be stored (the database went down after
// its claim) is undone with it and answers 503: nothing is registered
// without the answer a retry gets back. The client's retry then registers
// the vendor once, on the same server or another replica, and a replay
// after it returns that answer.
func TestRegisterRetryWithoutStoredAnswer(t *testing.T) {
	const writeTimeout = 3 * time.Second
	a, b, idem, clock := unreliableReplicas(t, writeTimeout)
	tok := a.as(uMemberA)
	tests := []struct {
		name  string
		stall string
		retry *fixture
		wait  time.Duration // for another replica, the abandoned claim's lease
	}{
		{name: "retry on the same server", stall: "R-1", retry: a},
		{name: "retry on another replica", stall: "R-2", retry: b, wait: writeTimeout + api.ClaimLeaseMargin + time.Second},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mid := a.market(a.cA, 5)
			body := vendorBody(mid, tc.stall, 100+i)
			key := "lost-answer-" + tc.stall

			idem.down.Store(true)
			a.do("POST", "/api/v1/vendors", tok, body, "Idempotency-Key", key).wantProblem(t, http.StatusServiceUnavailable, "unavailable")
			idem.down.Store(false)
			var page struct{ Items []vendorJSON }
			a.do("GET", "/api/v1/vendors?market="+itoa(mid), tok, nil).decode(t, &page)
			if len(page.Items) != 0 {
				t.Fatalf("%d vendors registered by a request that answered 503; want none", len(page.Items))
			}

			clock.advance(tc.wait)
			retry := tc.retry.do("POST", "/api/v1/vendors", tok, body, "Idempotency-Key", key)
			retry.want(t, http.StatusCreated)
			if retry.Header.Get("Idempotent-Replayed") != "" {
				t.Errorf("retry replayed a stored answer; the first stored none")
			}
			replay := a.do("POST", "/api/v1/vendors", tok, body, "Idempotency-Key", key)
			replay.want(t, http.StatusCreated)
			if replay.Header.Get("Idempotent-Replayed") != "true" || string(replay.Body) != string(retry.Body) {
				t.Errorf("second retry: replayed %q, body %s; want the retry's answer %s replayed", replay.Header.Get("Idempotent-Replayed"), replay.Body, retry.Body)
			}

			// Without the key, the same registration is a new one and
			// finds the stall taken.
			a.do("POST", "/api/v1/vendors", tok, body).wantProblem(t, http.StatusConflict, "conflict")
		})
	}
}
