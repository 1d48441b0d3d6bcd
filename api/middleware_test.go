package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/sapqr/sapqr/api"
)

// TestEveryAnswerIsHardened: security headers and the request ID on every
// answer, success or problem; a caller's plain request ID is echoed, an
// unsafe one replaced.
func TestEveryAnswerIsHardened(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name, method, path, token, reqID string
		wantEcho                         bool
	}{
		{"public", "GET", "/healthz", "", "lb-probe-1", true},
		{"authenticated", "GET", "/api/v1/me", uAdmin, "abc_DEF.123", true},
		{"problem", "GET", "/api/v1/me", "", "", false},
		{"unsafe request ID replaced", "GET", "/api/v1/banks", uAdmin, "bad id\r\nX-Evil: 1", false},
		{"unknown route", "GET", "/api/v1/unknown", uAdmin, strings.Repeat("x", 65), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, tt.path, nil)
			if tt.token != "" {
				req.Header.Set("Authorization", "Bearer "+f.as(tt.token))
			}
			if tt.reqID != "" {
				req.Header["X-Request-Id"] = []string{tt.reqID}
			}
			r := f.send(req)
			for h, want := range map[string]string{
				"X-Content-Type-Options": "nosniff",
				"X-Frame-Options":        "DENY",
				"Referrer-Policy":        "no-referrer",
			} {
				if got := r.Header.Get(h); got != want {
					t.Errorf("%s = %q, want %q", h, got, want)
				}
			}
			if !strings.Contains(r.Header.Get("Content-Security-Policy"), "default-src 'self'") {
				t.Errorf("CSP %q", r.Header.Get("Content-Security-Policy"))
			}
			id := r.Header.Get("X-Request-ID")
			switch {
			case tt.wantEcho && id != tt.reqID:
				t.Errorf("X-Request-ID %q, want the caller's %q", id, tt.reqID)
			case !tt.wantEcho && (id == "" || id == tt.reqID):
				t.Errorf("X-Request-ID %q: want a fresh ID", id)
			}
			if !strings.Contains(f.logs.String(), `"request_id":"`+id+`"`) {
				t.Errorf("no log line with request ID %s", id)
			}
		})
	}
	t.Run("API answers are not cached", func(t *testing.T) {
		r := f.do("GET", "/api/v1/me", f.as(uAdmin), nil)
		if r.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("Cache-Control %q", r.Header.Get("Cache-Control"))
		}
	})
}

// TestLogLines: one JSON line per request with route, status and request
// ID; no raw query string, token or body.
func TestLogLines(t *testing.T) {
	f := newFixture(t)
	m := f.market(f.cA, 5)
	f.vendor(uMemberA, m, "L-1", 31)
	f.do("GET", "/api/v1/vendors?q=0011000000031", f.as(uMemberA), nil).want(t, http.StatusOK)
	logs := f.logs.String()
	for _, secret := range []string{f.as(uMemberA), "0011000000031", testPassword} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log holds %q", secret)
		}
	}
	found := false
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line is not JSON: %s", line)
		}
		if rec["msg"] == "http request" && rec["route"] == "/api/v1/vendors" && rec["method"] == "POST" {
			found = rec["status"] == float64(201) && rec["request_id"] != "" && rec["user_id"] != nil
		}
	}
	if !found {
		t.Errorf("no complete log line for POST /api/v1/vendors:\n%s", logs)
	}
}

// TestOverloadSheds: past MaxInFlight a request gets 503 with Retry-After
// instead of queueing without end. A request is held inside the server by
// a body that does not finish until the test says so.
func TestOverloadSheds(t *testing.T) {
	f := newFixture(t, func(c *api.Config) { c.MaxInFlight = 1 })
	body := &gatedReader{gate: make(chan struct{}), started: make(chan struct{})}
	var wg sync.WaitGroup
	wg.Go(func() {
		req := httptest.NewRequest("POST", "/api/v1/qr/decode", body)
		req.Header.Set("Authorization", "Bearer "+f.as(uAdmin))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		f.srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Errorf("held request: %d %s", rec.Code, rec.Body)
		}
	})
	<-body.started // the held request owns the only slot
	r := f.do("GET", "/api/v1/banks", f.as(uAdmin), nil)
	r.wantProblem(t, http.StatusServiceUnavailable, "unavailable")
	if r.Header.Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
	f.do("GET", "/healthz", "", nil).want(t, http.StatusOK) // probes are never shed
	close(body.gate)
	wg.Wait()
	f.do("GET", "/api/v1/banks", f.as(uAdmin), nil).want(t, http.StatusOK)
}

// gatedReader yields a JSON body only after gate is closed, signalling
// started on the first read.
type gatedReader struct {
	gate, started chan struct{}
	once          sync.Once
	r             *bytes.Reader
}

func (g *gatedReader) Read(p []byte) (int, error) {
	g.once.Do(func() {
		close(g.started)
		<-g.gate
		g.r = bytes.NewReader([]byte(`{"payload":"000201"}`))
	})
	return g.r.Read(p)
}

// TestPanicBecomesProblem: a panic in a handler answers a 500 problem
// without the panic's text; the log has it with the request ID.
func TestPanicBecomesProblem(t *testing.T) {
	f := newFixture(t)
	api.HandlePanicForTest(f.srv, "/boom")
	req := httptest.NewRequest("GET", "/boom", nil)
	r := f.send(req)
	p := r.wantProblem(t, http.StatusInternalServerError, "internal")
	if strings.Contains(string(r.Body), "secret detail") {
		t.Errorf("the panic leaked into the answer: %s", r.Body)
	}
	if !strings.Contains(f.logs.String(), "boom: secret detail") || !strings.Contains(f.logs.String(), p.RequestID) {
		t.Error("the panic is not logged with the request ID")
	}
	f.do("GET", "/healthz", "", nil).want(t, http.StatusOK)
}
