package api_test

import (
	"encoding/json"
	"net/http"
	"testing"
)

// TestVendorVerification: an account registered with an older client's
// string confirmation is stored unverified, its signs answer 409
// unverified_account (the market batch lists it), a wrong name seen is a
// 422 on the field, and the check or an officer's override lets it print.
func TestVendorVerification(t *testing.T) {
	f := newFixture(t)
	mid := f.market(f.cA, 5)
	member, officer := f.as(uMemberA), f.as(uOfficerA)
	f.vendor(uMemberA, mid, "A-1", 1) // checked by the fixture's body

	body := vendorBody(mid, "A-2", 2)
	body["bank_account"].(map[string]any)["confirmation"] = "app_shown"
	r := f.do("POST", "/api/v1/vendors", member, body)
	r.want(t, http.StatusCreated)
	var v struct {
		ID          int64 `json:"id"`
		BankAccount struct {
			Confirmation string          `json:"confirmation"`
			VerifiedAt   *string         `json:"verified_at"`
			VerifiedBy   json.RawMessage `json:"verified_by"`
			Verification string          `json:"verification"`
		} `json:"bank_account"`
	}
	r.decode(t, &v)
	if v.BankAccount.Confirmation != "app_shown" || v.BankAccount.VerifiedAt != nil || string(v.BankAccount.VerifiedBy) != "null" ||
		v.BankAccount.Verification != "unverified" {
		t.Fatalf("a string confirmation: bank_account %+v; want app_shown kept, unverified", v.BankAccount)
	}
	id := itoa(v.ID)
	f.do("GET", "/api/v1/vendors/"+id+"/sign.pdf", member, nil).wantProblem(t, http.StatusConflict, "unverified_account")
	f.do("POST", "/api/v1/vendors/"+id+"/prints", member, map[string]any{}).wantProblem(t, http.StatusConflict, "unverified_account")
	r = f.do("GET", "/api/v1/markets/"+itoa(mid)+"/signs.pdf", member, nil)
	r.want(t, http.StatusOK)
	if got := r.Header.Get("Sapqr-Unverified-Vendors"); got != id {
		t.Errorf("batch Sapqr-Unverified-Vendors = %q, want %q", got, id)
	}

	p := f.do("POST", "/api/v1/vendors/"+id+"/verification", member, map[string]any{"method": "bank_app_name", "name_seen": "LE VAN AN"}).
		wantProblem(t, http.StatusUnprocessableEntity, "validation_failed")
	if len(p.Errors) != 1 || p.Errors[0].Field != "name_seen" {
		t.Errorf("wrong name: errors %+v; want one on name_seen", p.Errors)
	}
	f.do("POST", "/api/v1/vendors/"+id+"/verification", member, map[string]any{"method": "officer_override", "reason": "không có điện thoại"}).
		wantProblem(t, http.StatusForbidden, "forbidden")
	r = f.do("POST", "/api/v1/vendors/"+id+"/verification", officer, map[string]any{"method": "officer_override", "reason": "không có điện thoại"})
	r.want(t, http.StatusOK)
	r.decode(t, &v)
	if v.BankAccount.Verification != "officer_override" || v.BankAccount.VerifiedAt == nil || string(v.BankAccount.VerifiedBy) == "null" {
		t.Errorf("after the override: bank_account %+v", v.BankAccount)
	}
	f.do("GET", "/api/v1/vendors/"+id+"/sign.pdf", member, nil).want(t, http.StatusOK)

	bad := vendorBody(mid, "A-3", 3)
	bad["bank_account"].(map[string]any)["confirmation"] = map[string]any{"method": "bank_app_name", "name_seen": "TRAN VAN BINH"}
	p = f.do("POST", "/api/v1/vendors", member, bad).wantProblem(t, http.StatusUnprocessableEntity, "validation_failed")
	if len(p.Errors) != 1 || p.Errors[0].Field != "bank_account.confirmation.name_seen" {
		t.Errorf("registration with another holder's name: errors %+v; want one on bank_account.confirmation.name_seen", p.Errors)
	}
	bad["bank_account"].(map[string]any)["confirmation"] = 7
	f.do("POST", "/api/v1/vendors", member, bad).wantProblem(t, http.StatusBadRequest, "wrong_type")
}
