package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sapqr/sapqr/api"
)

// FuzzVendorCreateJSON: no body makes POST /vendors answer 5xx, and every
// 4xx is a well-formed problem.
func FuzzVendorCreateJSON(f *testing.F) {
	for _, seed := range []string{
		`{"market_id":1,"stall_code":"A-12","full_name":"Nguyễn Thị Hà","phone":"0912345678","consent":true,"bank_account":{"bin":"970436","account_number":"0011001234567","holder_name":"NGUYEN THI HA"}}`,
		`{}`, `[]`, `null`, `{"market_id":-1}`, `{"market_id":1e400}`, `{"bank_account":null}`, `{"full_name":"\ud800"}`,
		"{\"full_name\":\"\xff\"}", `{"phone":"` + strings.Repeat("9", 10000) + `"}`, `{"a":1}{"b":2}`, `{"consent":"yes"}`,
	} {
		f.Add([]byte(seed))
	}
	fx := newFixture(f)
	fx.market(fx.cA, 100000)
	tok := fx.as(uMemberA)
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest("POST", "/api/v1/vendors", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		fx.srv.ServeHTTP(rec, req.WithContext(context.Background()))
		if rec.Code >= 500 {
			t.Fatalf("body %q answered %d: %s", body, rec.Code, rec.Body)
		}
		if rec.Code >= 400 {
			var p api.Problem
			if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.Code == "" || p.Status != rec.Code {
				t.Fatalf("body %q: malformed problem %s", body, rec.Body)
			}
		}
	})
}
