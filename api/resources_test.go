package api_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/sapqr/sapqr/api"
)

type apiConfig = api.Config

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestMarketsAndStalls(t *testing.T) {
	f := newFixture(t)
	officer := f.as(uOfficerA)

	r := f.do("POST", "/api/v1/markets", officer, map[string]any{"commune_code": f.cA, "name": "Chợ Đồng Xuân", "stall_count": 120})
	r.want(t, http.StatusCreated)
	var m struct {
		ID           int64
		Name         string
		CommuneCode  string `json:"commune_code"`
		ProvinceCode string `json:"province_code"`
		StallCount   int    `json:"stall_count"`
		Status       string
	}
	r.decode(t, &m)
	if m.ID <= 0 || m.Name != "Chợ Đồng Xuân" || m.CommuneCode != f.cA || m.ProvinceCode != f.p1 || m.StallCount != 120 || m.Status != "active" {
		t.Fatalf("created market %+v", m)
	}
	if loc := r.Header.Get("Location"); loc != "/api/v1/markets/"+itoa(m.ID) {
		t.Errorf("Location %q", loc)
	}
	f.do("GET", "/api/v1/markets/"+itoa(m.ID), f.as(uMemberA), nil).want(t, http.StatusOK)

	r = f.do("PATCH", "/api/v1/markets/"+itoa(m.ID), officer, map[string]any{"name": "Chợ Đồng Xuân mới", "stall_count": 150})
	r.want(t, http.StatusOK)
	r.decode(t, &m)
	if m.Name != "Chợ Đồng Xuân mới" || m.StallCount != 150 {
		t.Errorf("patched market %+v", m)
	}

	t.Run("paging", func(t *testing.T) {
		f.market(f.cA, 5)
		f.market(f.cA, 5)
		var ids []int64
		cursor := ""
		for range 10 {
			r := f.do("GET", "/api/v1/markets?commune="+f.cA+"&limit=2&cursor="+cursor, officer, nil)
			r.want(t, http.StatusOK)
			var page struct {
				Items      []struct{ ID int64 }
				NextCursor string `json:"next_cursor"`
			}
			r.decode(t, &page)
			if len(page.Items) > 2 {
				t.Fatalf("page of %d items with limit 2", len(page.Items))
			}
			for _, it := range page.Items {
				ids = append(ids, it.ID)
			}
			if page.NextCursor == "" {
				break
			}
			cursor = page.NextCursor
		}
		if len(ids) != 3 || ids[0] >= ids[1] || ids[1] >= ids[2] {
			t.Errorf("paged IDs %v; want 3 ascending", ids)
		}
	})

	t.Run("stalls", func(t *testing.T) {
		r := f.do("POST", "/api/v1/markets/"+itoa(m.ID)+"/stalls", f.as(uMemberA), map[string]any{"code": "A-01", "category": "rau củ"})
		r.want(t, http.StatusCreated)
		var st struct {
			ID       int64
			MarketID int64 `json:"market_id"`
			Code     string
			Status   string
		}
		r.decode(t, &st)
		if st.MarketID != m.ID || st.Code != "A-01" || st.Status != "active" {
			t.Fatalf("stall %+v", st)
		}
		f.do("POST", "/api/v1/markets/"+itoa(m.ID)+"/stalls", f.as(uMemberA), map[string]any{"code": "A-01"}).wantProblem(t, http.StatusConflict, "conflict")
		r = f.do("PATCH", "/api/v1/stalls/"+itoa(st.ID), f.as(uMemberA), map[string]any{"status": "vacant"})
		r.want(t, http.StatusOK)
		r.decode(t, &st)
		if st.Status != "vacant" {
			t.Errorf("stall status %q after PATCH", st.Status)
		}
		r = f.do("GET", "/api/v1/markets/"+itoa(m.ID)+"/stalls?status=vacant", f.as(uMemberA), nil)
		r.want(t, http.StatusOK)
		if !strings.Contains(string(r.Body), `"code":"A-01"`) {
			t.Errorf("vacant stalls %s", r.Body)
		}
	})
}

// vendorJSON is the part of a vendor answer tests look at.
type vendorJSON struct {
	ID        int64
	MarketID  int64  `json:"market_id"`
	StallCode string `json:"stall_code"`
	FullName  string `json:"full_name"`
	Status    string
	Payload   *string
	Accounts  []struct {
		AccountNumber string `json:"account_number"`
		Bank          string
		Primary       bool
		Active        bool
	}
	SignOutdated  bool    `json:"sign_outdated"`
	TransactingAt *string `json:"transacting_at"`
	Warnings      []struct{ Code string }
}

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

// TestIdempotency: retries with the same key replay the first answer and
// create nothing; a different body under the key is 422; keys are per user.
func TestIdempotency(t *testing.T) {
	f := newFixture(t)
	mid := f.market(f.cA, 10)
	member := f.as(uMemberA)
	first := f.do("POST", "/api/v1/vendors", member, vendorBody(mid, "C-1", 11), "Idempotency-Key", "k-1")
	first.want(t, http.StatusCreated)
	retry := f.do("POST", "/api/v1/vendors", member, vendorBody(mid, "C-1", 11), "Idempotency-Key", "k-1")
	retry.want(t, http.StatusCreated)
	if !bytes.Equal(first.Body, retry.Body) || retry.Header.Get("Idempotent-Replayed") != "true" || first.Header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("replay differs:\nfirst %s\nretry %s (%v)", first.Body, retry.Body, retry.Header)
	}
	if retry.Header.Get("Location") != first.Header.Get("Location") {
		t.Errorf("replayed Location %q, first %q", retry.Header.Get("Location"), first.Header.Get("Location"))
	}
	r := f.do("GET", "/api/v1/vendors?market="+itoa(mid), member, nil)
	var page struct{ Items []vendorJSON }
	r.decode(t, &page)
	if len(page.Items) != 1 {
		t.Fatalf("%d vendors after a retried registration; want 1", len(page.Items))
	}

	f.do("POST", "/api/v1/vendors", member, vendorBody(mid, "C-2", 12), "Idempotency-Key", "k-1").
		wantProblem(t, http.StatusUnprocessableEntity, "idempotency_key_reused")

	// Another user's identical key is theirs: it runs (and meets the
	// taken stall).
	f.do("POST", "/api/v1/vendors", f.as(uOfficerA), vendorBody(mid, "C-1", 11), "Idempotency-Key", "k-1").
		wantProblem(t, http.StatusConflict, "conflict")

	// Client errors are replayed too; server faults are not stored.
	bad := f.do("POST", "/api/v1/vendors", member, `{"market_id":"x"}`, "Idempotency-Key", "k-2")
	bad.wantProblem(t, http.StatusBadRequest, "wrong_type")
	again := f.do("POST", "/api/v1/vendors", member, `{"market_id":"x"}`, "Idempotency-Key", "k-2")
	if again.Header.Get("Idempotent-Replayed") != "true" || !bytes.Equal(bad.Body, again.Body) {
		t.Errorf("a 400 was not replayed: %s", again.Body)
	}

	f.do("POST", "/api/v1/vendors", member, vendorBody(mid, "C-3", 13), "Idempotency-Key", "bad key with spaces").
		wantProblem(t, http.StatusBadRequest, "idempotency_key_invalid")
}

func TestUnitsAndReference(t *testing.T) {
	f := newFixture(t)
	tok := f.as(uMemberA)
	r := f.do("GET", "/api/v1/units/provinces", tok, nil)
	r.want(t, http.StatusOK)
	var list struct {
		Items []struct{ Code, Name string }
	}
	r.decode(t, &list)
	if len(list.Items) != 34 {
		t.Errorf("%d provinces; want 34", len(list.Items))
	}
	r = f.do("GET", "/api/v1/units/provinces/"+f.p1+"/communes", tok, nil)
	r.want(t, http.StatusOK)
	r.decode(t, &list)
	if len(list.Items) < 2 || list.Items[0].Code != f.cA {
		t.Errorf("communes of %s: %d, first %+v", f.p1, len(list.Items), list.Items)
	}
	f.do("GET", "/api/v1/units/provinces/99/communes", tok, nil).wantProblem(t, http.StatusNotFound, "not_found")

	r = f.do("GET", "/api/v1/banks", tok, nil)
	r.want(t, http.StatusOK)
	if !strings.Contains(string(r.Body), `"bin":"970436"`) {
		t.Errorf("banks lack Vietcombank: %.200s", r.Body)
	}

	const payload = "00020101021138570010A00000072701270006970436011300110012345670208QRIBFTTA53037045802VN5913NGUYEN THI HA6304"
	r = f.do("POST", "/api/v1/qr/decode", tok, map[string]string{"payload": payload + "ABCD"})
	r.want(t, http.StatusOK)
	var d struct {
		Valid    bool
		CRCValid bool `json:"crc_valid"`
		Error    string
	}
	r.decode(t, &d)
	if d.Valid || d.CRCValid || d.Error == "" {
		t.Errorf("a wrong CRC decoded as %s", r.Body)
	}
	f.do("POST", "/api/v1/qr/decode", tok, map[string]string{"payload": ""}).wantProblem(t, 422, "validation_failed")
}

func TestVendorImport(t *testing.T) {
	f := newFixture(t)
	mid := f.market(f.cA, 10)
	csv := "market_id,stall_code,full_name,phone,bin,account_number,holder_name,consent\n" +
		itoa(mid) + ",D-1,Trần Văn Bình,0912399001,970436,0011009990001,TRAN VAN BINH,yes\n"
	send := func(dryRun string, file string) *response {
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		fw, _ := w.CreateFormFile("file", file)
		fw.Write([]byte(csv))
		w.Close()
		req := httptest.NewRequest("POST", "/api/v1/imports/vendors?dry_run="+dryRun, &b)
		req.Header.Set("Content-Type", w.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+f.as(uMemberA))
		return f.send(req)
	}
	r := send("true", "vendors.csv")
	r.want(t, http.StatusOK)
	var rep struct {
		DryRun  bool `json:"dry_run"`
		Applied bool
		Created int
		Failed  int
		Rows    []json.RawMessage
	}
	r.decode(t, &rep)
	if !rep.DryRun || rep.Applied || rep.Failed != 0 || rep.Created != 1 {
		t.Fatalf("dry run report %s", r.Body)
	}
	r = f.do("GET", "/api/v1/vendors?market="+itoa(mid), f.as(uMemberA), nil)
	if strings.Contains(string(r.Body), "D-1") {
		t.Fatal("a dry run created a vendor")
	}
	r = send("false", "vendors.csv")
	r.want(t, http.StatusCreated)
	r.decode(t, &rep)
	if !rep.Applied || rep.Created != 1 {
		t.Fatalf("import report %s", r.Body)
	}
	csv += itoa(mid) + ",D-2,Phạm Thị Cúc,12345,970436,0011009990002,PHAM THI CUC,yes\n"
	r = send("true", "vendors.csv")
	r.want(t, http.StatusOK)
	var dry struct {
		Failed int
		Rows   []struct {
			Line   int
			Action string
			Errors []struct{ Field string }
		}
	}
	r.decode(t, &dry)
	if dry.Failed != 1 || len(dry.Rows) != 2 || dry.Rows[1].Action != "error" || len(dry.Rows[1].Errors) == 0 || dry.Rows[1].Errors[0].Field != "phone" {
		t.Errorf("dry run with a bad phone: %s", r.Body)
	}
	p := send("false", "vendors.csv").wantProblem(t, 422, "validation_failed")
	if len(p.Errors) != 1 || !strings.Contains(p.Errors[0].Field, "line 3") {
		t.Errorf("a real run with a bad row: %+v", p.Errors)
	}
	send("false", "vendors.pdf").wantProblem(t, 422, "validation_failed")
	send("maybe", "vendors.csv").wantProblem(t, 422, "validation_failed")
}

// TestMarketAdoptionScopeRemembered: once a market's area is remembered,
// other callers are still checked against it.
func TestMarketAdoptionScopeRemembered(t *testing.T) {
	f := newFixture(t)
	path := "/api/v1/markets/" + itoa(f.market(f.cA, 4)) + "/adoption"
	tests := []struct {
		user string
		want int
	}{
		{uAdmin, 200}, {uMemberA, 200}, {uMemberB, 404}, {uProv2, 404}, {uProv1, 200}, {uMemberB, 404},
	}
	for _, tt := range tests {
		if r := f.do("GET", path, f.as(tt.user), nil); r.Code != tt.want {
			t.Errorf("%s: %d, want %d", tt.user, r.Code, tt.want)
		}
	}
	f.do("GET", "/api/v1/markets/999999/adoption", f.as(uAdmin), nil).wantProblem(t, http.StatusNotFound, "not_found")
}
