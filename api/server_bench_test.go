package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
)

// The API benchmarks run the whole handler chain (middleware, auth,
// domain, store) in process on the test database. BenchmarkHealthz is the
// baseline: the HTTP stack and middleware alone.
//
//	go test -run '^$' -bench . -benchmem -benchtime 2s ./api

func benchServe(b *testing.B, f *fixture, method, path, token string, body func(i int) []byte, want int) {
	b.Helper()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		var req *http.Request
		if body != nil {
			req = httptest.NewRequest(method, path, bytes.NewReader(body(i)))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Idempotency-Key", "bench-"+strconv.Itoa(i))
		} else {
			req = httptest.NewRequest(method, path, nil)
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		rec := httptest.NewRecorder()
		f.srv.ServeHTTP(rec, req)
		if rec.Code != want {
			b.Fatalf("%s %s: %d %s", method, path, rec.Code, rec.Body)
		}
	}
}

func BenchmarkHealthz(b *testing.B) {
	f := newFixture(b)
	benchServe(b, f, "GET", "/healthz", "", nil, http.StatusOK)
}

func BenchmarkMarketAdoption(b *testing.B) {
	f := newFixture(b)
	m := f.market(f.cA, 100)
	f.vendor(uMemberA, m, "A-1", 1)
	// As the server's counters loop does: apply the outbox, so reads are
	// served from the counters.
	if _, err := f.adoption.Drain(context.Background()); err != nil {
		b.Fatal(err)
	}
	if _, err := f.adoption.Rebuild(context.Background()); err != nil {
		b.Fatal(err)
	}
	r := f.do("GET", "/api/v1/markets/"+itoa(m)+"/adoption", f.as(uMemberA), nil)
	if !bytes.Contains(r.Body, []byte(`"source":"cache"`)) {
		b.Fatalf("adoption not served from the counters: %s", r.Body)
	}
	benchServe(b, f, "GET", "/api/v1/markets/"+itoa(m)+"/adoption", f.as(uMemberA), nil, http.StatusOK)
}

func BenchmarkVendorCreate(b *testing.B) {
	f := newFixture(b)
	m := f.market(f.cA, 100000)
	benchServe(b, f, "POST", "/api/v1/vendors", f.as(uMemberA), func(i int) []byte {
		j, _ := json.Marshal(vendorBody(m, "B-"+strconv.Itoa(i), i+1))
		return j
	}, http.StatusCreated)
}
