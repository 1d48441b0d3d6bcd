package api_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/sapqr/sapqr/api"
)

// TestRegisterRetryWithoutStoredAnswer: a registration commits, but its
// Idempotency-Key answer is never stored (the database went down between
// the two), so the client's retry runs the request again. The registration
// itself carries the key: the retry gets 201 with the vendor the first
// attempt created, on the same server or another replica, and no second
// vendor exists.
func TestRegisterRetryWithoutStoredAnswer(t *testing.T) {
	const writeTimeout = 3 * time.Second
	a, b, idem, clock := unreliableReplicas(t, writeTimeout)
	tok := a.as(uMemberA)
	type answer struct {
		ID      int64
		Payload string
	}
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
			first := a.do("POST", "/api/v1/vendors", tok, body, "Idempotency-Key", key)
			idem.down.Store(false)
			first.want(t, http.StatusCreated)
			var want answer
			first.decode(t, &want)

			clock.advance(tc.wait)
			retry := tc.retry.do("POST", "/api/v1/vendors", tok, body, "Idempotency-Key", key)
			retry.want(t, http.StatusCreated)
			if retry.Header.Get("Idempotent-Replayed") != "" {
				t.Errorf("retry replayed a stored answer; the test wants none stored")
			}
			var got answer
			retry.decode(t, &got)
			if got != want || got.Payload == "" {
				t.Errorf("retry answered %+v, want the first answer %+v", got, want)
			}
			if loc := retry.Header.Get("Location"); loc != first.Header.Get("Location") {
				t.Errorf("retry Location %q, first %q", loc, first.Header.Get("Location"))
			}

			// Without the key, the same registration is a new one and
			// finds the stall taken.
			a.do("POST", "/api/v1/vendors", tok, body).wantProblem(t, http.StatusConflict, "conflict")
		})
	}
}
