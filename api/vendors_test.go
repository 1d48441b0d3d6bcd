package api_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
)

func TestVendorLifecycle(t *testing.T) {
	f := newFixture(t)
	mid := f.market(f.cA, 3)
	member := f.as(uMemberA)

	r := f.do("POST", "/api/v1/vendors", member, vendorBody(mid, "A-12", 1))
	r.want(t, http.StatusCreated)
	var v vendorJSON
	r.decode(t, &v)
	if v.ID <= 0 || v.MarketID != mid || v.StallCode != "A-12" || v.FullName != "Nguyễn Thị Hà" || v.Status != "active" ||
		v.Payload == nil || !strings.HasPrefix(*v.Payload, "000201") || len(v.Accounts) != 1 ||
		v.Accounts[0].AccountNumber != "0011000000001" || v.Accounts[0].Bank == "" || !v.SignOutdated {
		t.Fatalf("registered vendor %s", r.Body)
	}
	id := itoa(v.ID)

	t.Run("read and search", func(t *testing.T) {
		f.do("GET", "/api/v1/vendors/"+id, member, nil).want(t, http.StatusOK)
		for _, q := range []string{"nguyen", "Hà", "0912300001"} {
			r := f.do("GET", "/api/v1/vendors?market="+itoa(mid)+"&q="+q, member, nil)
			r.want(t, http.StatusOK)
			if !strings.Contains(string(r.Body), `"id":`+id) {
				t.Errorf("q=%s did not find the vendor: %s", q, r.Body)
			}
		}
	})
	t.Run("same phone warns", func(t *testing.T) {
		b := vendorBody(mid, "A-13", 2)
		b["phone"] = "0912300001"
		r := f.do("POST", "/api/v1/vendors", member, b)
		r.want(t, http.StatusCreated)
		var w vendorJSON
		r.decode(t, &w)
		if len(w.Warnings) != 1 || w.Warnings[0].Code != "duplicate_phone" {
			t.Errorf("warnings %+v", w.Warnings)
		}
	})
	t.Run("taken stall conflicts", func(t *testing.T) {
		p := f.do("POST", "/api/v1/vendors", member, vendorBody(mid, "A-12", 3)).wantProblem(t, http.StatusConflict, "conflict")
		if !strings.Contains(p.Detail, "A-12") {
			t.Errorf("conflict detail %q does not name the stall", p.Detail)
		}
		if len(p.Errors) != 1 || p.Errors[0].Field != "stall_code" || p.Errors[0].Message == "" {
			t.Errorf("a taken stall's errors are %+v, want one on stall_code", p.Errors)
		}
	})
	t.Run("registered account conflicts on its field", func(t *testing.T) {
		b := vendorBody(mid, "A-16", 9)
		b["bank_account"].(map[string]any)["account_number"] = vendorBody(mid, "A-12", 1)["bank_account"].(map[string]any)["account_number"]
		p := f.do("POST", "/api/v1/vendors", member, b).wantProblem(t, http.StatusConflict, "conflict")
		if len(p.Errors) != 1 || p.Errors[0].Field != "bank_account.account_number" || p.Errors[0].Message == "" {
			t.Errorf("a registered account's errors are %+v, want one on bank_account.account_number", p.Errors)
		}
	})
	t.Run("declared stall count bounds new stalls", func(t *testing.T) {
		f.do("POST", "/api/v1/vendors", member, vendorBody(mid, "A-14", 4)).want(t, http.StatusCreated)
		f.do("POST", "/api/v1/vendors", member, vendorBody(mid, "A-15", 5)).wantProblem(t, http.StatusUnprocessableEntity, "validation_failed")
	})
	t.Run("patch", func(t *testing.T) {
		r := f.do("PATCH", "/api/v1/vendors/"+id, member, map[string]any{"full_name": "Nguyễn Thị Hà Anh"})
		r.want(t, http.StatusOK)
		var got vendorJSON
		r.decode(t, &got)
		if got.FullName != "Nguyễn Thị Hà Anh" {
			t.Errorf("name %q", got.FullName)
		}
	})
	t.Run("QR and payload", func(t *testing.T) {
		r := f.do("GET", "/api/v1/vendors/"+id+"/qr.png?size=256", member, nil)
		r.want(t, http.StatusOK)
		if r.Header.Get("Content-Type") != "image/png" || !bytes.HasPrefix(r.Body, []byte("\x89PNG")) {
			t.Errorf("qr.png: %s %q", r.Header.Get("Content-Type"), r.Body[:8])
		}
		f.do("GET", "/api/v1/vendors/"+id+"/qr.png?size=9", member, nil).wantProblem(t, 422, "validation_failed")
		r = f.do("GET", "/api/v1/vendors/"+id+"/qr.svg", member, nil)
		r.want(t, http.StatusOK)
		if !bytes.HasPrefix(r.Body, []byte("<svg")) {
			t.Errorf("qr.svg: %.40s", r.Body)
		}
		r = f.do("GET", "/api/v1/vendors/"+id+"/payload", member, nil)
		r.want(t, http.StatusOK)
		var pa struct {
			Payload string
			Decoded struct {
				Valid   bool
				BIN     string `json:"bin"`
				Account string
				Name    string
			}
		}
		r.decode(t, &pa)
		if pa.Payload != *v.Payload || !pa.Decoded.Valid || pa.Decoded.BIN != "970436" || pa.Decoded.Account != "0011000000001" || pa.Decoded.Name != "NGUYEN THI HA" {
			t.Errorf("payload answer %s", r.Body)
		}
	})
	t.Run("sign PDF changes nothing; the print is a POST", func(t *testing.T) {
		outdatedAndPrinted := func() (bool, int64) {
			var got vendorJSON
			f.do("GET", "/api/v1/vendors/"+id, member, nil).decode(t, &got)
			var ad struct {
				SignsPrinted int64 `json:"signs_printed"`
			}
			f.do("GET", "/api/v1/markets/"+itoa(mid)+"/adoption", member, nil).decode(t, &ad)
			return got.SignOutdated, ad.SignsPrinted
		}
		r := f.do("GET", "/api/v1/vendors/"+id+"/sign.pdf?size=a5", member, nil)
		r.want(t, http.StatusOK)
		if r.Header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(r.Body, []byte("%PDF-")) ||
			!strings.Contains(r.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("sign.pdf: %v %.10q", r.Header, r.Body)
		}
		f.do("GET", "/api/v1/vendors/"+id+"/sign.pdf?size=b5", member, nil).wantProblem(t, 422, "validation_failed")
		// What a link on another site makes a logged-in browser send: the
		// GETs with the session cookie (SameSite=Lax lets them through).
		for _, path := range []string{"/api/v1/vendors/" + id + "/sign.pdf", "/api/v1/markets/" + itoa(mid) + "/signs.pdf"} {
			if status, _, _ := f.page(t, uMemberA, path); status != http.StatusOK {
				t.Fatalf("cross-site GET %s: %d, want 200", path, status)
			}
		}
		if outdated, printed := outdatedAndPrinted(); !outdated || printed != 0 {
			t.Fatalf("after GET sign.pdf: outdated %v, signs_printed %d; want the GET to change nothing (true, 0)", outdated, printed)
		}

		f.do("POST", "/api/v1/vendors/"+id+"/prints", member, map[string]any{"size": "a9"}).wantProblem(t, 422, "validation_failed")
		r = f.do("POST", "/api/v1/vendors/"+id+"/prints", member, map[string]any{"size": "a5"})
		r.want(t, http.StatusCreated)
		var rec struct {
			Reason string `json:"reason"`
			Size   string `json:"size"`
		}
		r.decode(t, &rec)
		if rec.Reason != "new" || rec.Size != "a5" {
			t.Errorf("print recorded as %s; want reason new, size a5", r.Body)
		}
		if outdated, printed := outdatedAndPrinted(); outdated || printed != 1 {
			t.Errorf("after POST prints: outdated %v, signs_printed %d; want false, 1", outdated, printed)
		}
	})
	t.Run("market sign sheet is streamed", func(t *testing.T) {
		r := f.do("GET", "/api/v1/markets/"+itoa(mid)+"/signs.pdf?sheet=a4-4up", member, nil)
		r.want(t, http.StatusOK)
		if r.Header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(r.Body, []byte("%PDF-")) {
			t.Fatalf("signs.pdf: %v %.10q", r.Header, r.Body)
		}
	})
	t.Run("second account becomes primary", func(t *testing.T) {
		r := f.do("POST", "/api/v1/vendors/"+id+"/accounts", member, map[string]any{"bin": "970415", "account_number": "101010101010", "holder_name": "NGUYEN THI HA", "primary": true})
		r.want(t, http.StatusCreated)
		var got vendorJSON
		r.decode(t, &got)
		if len(got.Accounts) != 2 || got.Payload == nil || *got.Payload == *v.Payload || !got.SignOutdated {
			t.Errorf("after a new primary account: %s", r.Body)
		}
	})
	t.Run("confirm transacting", func(t *testing.T) {
		r := f.do("POST", "/api/v1/vendors/"+id+"/confirm-transacting", member, nil)
		r.want(t, http.StatusOK)
		var got vendorJSON
		r.decode(t, &got)
		if got.TransactingAt == nil {
			t.Errorf("transacting_at not set: %s", r.Body)
		}
	})
	t.Run("a member may not remove, an officer may", func(t *testing.T) {
		f.do("DELETE", "/api/v1/vendors/"+id, member, nil).wantProblem(t, http.StatusForbidden, "forbidden")
		r := f.do("DELETE", "/api/v1/vendors/"+id, f.as(uOfficerA), nil)
		r.want(t, http.StatusOK)
		var got vendorJSON
		r.decode(t, &got)
		if got.Status != "inactive" {
			t.Errorf("status after delete %q", got.Status)
		}
		// The stall is free again.
		f.do("POST", "/api/v1/vendors", member, vendorBody(mid, "A-12", 6)).want(t, http.StatusCreated)
	})
	t.Run("unit adoption and report", func(t *testing.T) {
		r := f.do("GET", "/api/v1/adoption?commune="+f.cA, f.as(uProv1), nil)
		r.want(t, http.StatusOK)
		var u struct {
			Markets, Vendors int64
			Source           string
		}
		r.decode(t, &u)
		if u.Markets != 1 || u.Vendors != 3 || (u.Source != "cache" && u.Source != "database") {
			t.Errorf("commune adoption %s", r.Body)
		}
		r = f.do("GET", "/api/v1/reports?commune="+f.cA+"&format=csv", f.as(uOfficerA), nil)
		r.want(t, http.StatusOK)
		if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") || !strings.Contains(r.Header.Get("Content-Disposition"), ".csv") || len(r.Body) == 0 {
			t.Errorf("csv report: %v %q", r.Header, r.Body)
		}
		r = f.do("GET", "/api/v1/reports?province="+f.p1+"&format=xlsx", f.as(uProv1), nil)
		r.want(t, http.StatusOK)
		if !bytes.HasPrefix(r.Body, []byte("PK")) {
			t.Errorf("xlsx report is not a zip: %.8q", r.Body)
		}
		f.do("GET", "/api/v1/reports?commune="+f.cA, member, nil).wantProblem(t, http.StatusForbidden, "forbidden")
	})
}

// TestAccountMasking: a province officer reads vendors with masked account
// numbers and no payload; the QR routes are refused.
func TestAccountMasking(t *testing.T) {
	f := newFixture(t)
	mid := f.market(f.cA, 5)
	id := itoa(f.vendor(uMemberA, mid, "B-1", 7))
	r := f.do("GET", "/api/v1/vendors/"+id, f.as(uProv1), nil)
	r.want(t, http.StatusOK)
	var v vendorJSON
	r.decode(t, &v)
	if v.Payload != nil || len(v.Accounts) != 1 || v.Accounts[0].AccountNumber != "•••••••••0007" {
		t.Fatalf("province officer sees %s", r.Body)
	}
	if strings.Contains(string(r.Body), "0011000000007") {
		t.Fatal("the full account number is in the answer")
	}
	for _, p := range []string{"/qr.png", "/qr.svg", "/payload", "/sign.pdf"} {
		f.do("GET", "/api/v1/vendors/"+id+p, f.as(uProv1), nil).wantProblem(t, http.StatusForbidden, "forbidden")
	}
	if strings.Contains(f.logs.String(), "0011000000007") {
		t.Fatal("a full account number reached the logs")
	}
}

// TestVendorCreateAssisted: a registration says what the team helped the
// vendor with; an unknown assist is 422 on its index and registers nobody.
func TestVendorCreateAssisted(t *testing.T) {
	f := newFixture(t)
	mid := f.market(f.cA, 10)
	b := vendorBody(mid, "A-1", 1)
	b["assisted"] = []string{"account_opened", "app_installed"}
	f.do("POST", "/api/v1/vendors", f.as(uMemberA), b).want(t, http.StatusCreated)
	b = vendorBody(mid, "A-2", 2)
	b["assisted"] = []string{"vay_von"}
	p := f.do("POST", "/api/v1/vendors", f.as(uMemberA), b).wantProblem(t, http.StatusUnprocessableEntity, "validation_failed")
	if len(p.Errors) != 1 || p.Errors[0].Field != "assisted[0]" || !strings.Contains(p.Errors[0].Message, "account_opened") {
		t.Errorf("an unknown assist's errors are %+v, want one on assisted[0] naming what is allowed", p.Errors)
	}
}
