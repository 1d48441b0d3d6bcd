package api_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestBadInput: every way a body can be wrong is a 4xx problem naming what
// to fix, and changes nothing.
func TestBadInput(t *testing.T) {
	f := newFixture(t, func(c *apiConfig) { c.MaxBodyBytes = 4096 })
	m := f.market(f.cA, 10)
	tests := []struct {
		name        string
		body        any
		headers     []string
		status      int
		code        string
		detailHas   string
		fieldErrors []string
	}{
		{name: "not JSON", body: `{"market_id": 1,`, status: 400, code: "invalid_json", detailHas: "ends in the middle"},
		{name: "syntax error", body: `{"market_id": 1 "x"}`, status: 400, code: "invalid_json", detailHas: "at byte"},
		{name: "empty body", body: ``, status: 400, code: "invalid_json", detailHas: "empty"},
		{name: "array instead of object", body: `[1,2]`, status: 400, code: "wrong_type", detailHas: "JSON object"},
		{name: "two values", body: `{"consent":true} {}`, status: 400, code: "invalid_json", detailHas: "more than one"},
		{name: "unknown field", body: `{"market_id": 1, "stall": "A-1"}`, status: 400, code: "unknown_field", detailHas: `"stall"`, fieldErrors: []string{"stall"}},
		{name: "unknown nested field", body: `{"bank_account": {"iban": "x"}}`, status: 400, code: "unknown_field", detailHas: `"iban"`},
		{name: "wrong type", body: `{"market_id": "seven"}`, status: 400, code: "wrong_type", detailHas: `"market_id" must be an integer`, fieldErrors: []string{"market_id"}},
		{name: "wrong nested type", body: `{"bank_account": {"bin": 970436}}`, status: 400, code: "wrong_type", detailHas: `"bank_account.bin" must be a string`, fieldErrors: []string{"bank_account.bin"}},
		{name: "number too large", body: `{"market_id": 1e40}`, status: 400, code: "wrong_type"},
		{name: "invalid UTF-8", body: "{\"full_name\": \"Nguy\xff\"}", status: 400, code: "invalid_utf8", detailHas: "UTF-8"},
		{name: "oversize body", body: `{"full_name": "` + strings.Repeat("a", 5000) + `"}`, status: 413, code: "body_too_large", detailHas: "4096"},
		{name: "wrong Content-Type", body: `{}`, headers: []string{"Content-Type", "text/plain"}, status: 415, code: "unsupported_media_type", detailHas: "application/json"},
		{name: "domain validation lists every field", body: map[string]any{"market_id": m, "consent": false, "bank_account": map[string]any{}}, status: 422, code: "validation_failed",
			fieldErrors: []string{"stall_code", "full_name", "phone", "consent", "bank_account.bin", "bank_account.account_number", "bank_account.holder_name"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.do("POST", "/api/v1/vendors", f.as(uMemberA), tt.body, tt.headers...)
			p := r.wantProblem(t, tt.status, tt.code)
			if !strings.Contains(p.Detail, tt.detailHas) {
				t.Errorf("detail %q does not say %q", p.Detail, tt.detailHas)
			}
			for _, want := range tt.fieldErrors {
				found := false
				for _, fe := range p.Errors {
					found = found || fe.Field == want && fe.Message != ""
				}
				if !found {
					t.Errorf("no error for field %q in %+v", want, p.Errors)
				}
			}
		})
	}
	r := f.do("GET", "/api/v1/vendors?market="+itoa(m), f.as(uMemberA), nil)
	r.want(t, http.StatusOK)
	if !strings.Contains(string(r.Body), `"items":[]`) {
		t.Errorf("bad requests created vendors: %s", r.Body)
	}
}

// TestBadQueryAndPath: malformed IDs and query parameters are 404 or 422
// with the parameter named, never 500.
func TestBadQueryAndPath(t *testing.T) {
	f := newFixture(t)
	m := f.market(f.cA, 10)
	tests := []struct {
		path   string
		status int
		code   string
		field  string
	}{
		{"/api/v1/vendors/abc", 404, "not_found", ""},
		{"/api/v1/vendors/-1", 404, "not_found", ""},
		{"/api/v1/vendors/99999999999999999999", 404, "not_found", ""},
		{"/api/v1/vendors?limit=0", 422, "validation_failed", "limit"},
		{"/api/v1/vendors?limit=lots", 422, "validation_failed", "limit"},
		{"/api/v1/vendors?limit=100000", 422, "validation_failed", "limit"},
		{"/api/v1/vendors?cursor=garbage", 422, "validation_failed", "cursor"},
		{"/api/v1/vendors?market=x", 422, "validation_failed", "market"},
		{"/api/v1/vendors?status=gone", 422, "validation_failed", "status"},
		{"/api/v1/markets/" + itoa(m) + "/signs.pdf?sheet=a3", 422, "validation_failed", "sheet"},
		{"/api/v1/reports?commune=" + f.cA + "&format=pdf", 422, "validation_failed", "format"},
		{"/api/v1/nothing", 404, "not_found", ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			p := f.do("GET", tt.path, f.as(uAdmin), nil).wantProblem(t, tt.status, tt.code)
			if tt.field != "" && (len(p.Errors) == 0 || p.Errors[0].Field != tt.field) {
				t.Errorf("errors %+v, want field %q", p.Errors, tt.field)
			}
		})
	}
	t.Run("wrong method", func(t *testing.T) {
		f.do("PUT", "/api/v1/vendors", f.as(uAdmin), `{}`).wantProblem(t, http.StatusMethodNotAllowed, "method_not_allowed")
	})
}

// TestDatabaseDown: with the database gone, requests answer 503 with
// Retry-After and a generic detail; the cause goes to the log with the
// request ID only.
func TestDatabaseDown(t *testing.T) {
	f := newFixture(t)
	f.store.Close() // every database call and ping now fails
	r := f.do("GET", "/api/v1/markets", f.as(uAdmin), nil)
	p := r.wantProblem(t, http.StatusServiceUnavailable, "unavailable")
	if r.Header.Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
	if strings.Contains(p.Detail, "sql") || strings.Contains(p.Detail, "closed") {
		t.Errorf("detail leaks the cause: %q", p.Detail)
	}
	if !strings.Contains(f.logs.String(), p.RequestID) {
		t.Errorf("log does not hold request ID %s", p.RequestID)
	}
}
