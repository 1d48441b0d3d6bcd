package api_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// vendorStallsJSON is the part of a vendor answer the stall tests look at.
type vendorStallsJSON struct {
	ID        int64
	StallID   int64  `json:"stall_id"`
	StallCode string `json:"stall_code"`
	Status    string
	UpdatedAt string `json:"updated_at"`
	Stalls    []struct {
		StallID    int64  `json:"stall_id"`
		StallCode  string `json:"stall_code"`
		AssignedAt string `json:"assigned_at"`
		AssignedBy int64  `json:"assigned_by"`
	}
}

// codes lists the vendor's stall codes in answer order (main first).
func (v vendorStallsJSON) codes() []string {
	out := []string{}
	for _, s := range v.Stalls {
		out = append(out, s.StallCode)
	}
	return out
}

// stallID returns the ID of the held stall with code, or 0.
func (v vendorStallsJSON) stallID(code string) int64 {
	for _, s := range v.Stalls {
		if s.StallCode == code {
			return s.StallID
		}
	}
	return 0
}

// wantStalls checks the main stall and the stall list of an answer and
// that stall_id/stall_code name the first of the list.
func wantStalls(t *testing.T, v vendorStallsJSON, codes ...string) {
	t.Helper()
	if diff := cmp.Diff(codes, v.codes()); diff != "" {
		t.Fatalf("stalls (-want +got):\n%s", diff)
	}
	if v.StallCode != codes[0] || v.StallID != v.Stalls[0].StallID {
		t.Fatalf("main stall %d %q, first of stalls %d %q", v.StallID, v.StallCode, v.Stalls[0].StallID, v.Stalls[0].StallCode)
	}
}

func (f *fixture) getVendorStalls(t *testing.T, id string) vendorStallsJSON {
	t.Helper()
	r := f.do("GET", "/api/v1/vendors/"+id, f.as(uMemberA), nil)
	r.want(t, http.StatusOK)
	var v vendorStallsJSON
	r.decode(t, &v)
	return v
}

// wantField checks a problem names field among its errors.
func wantField(t *testing.T, r *response, code int, problemCode, field string) {
	t.Helper()
	p := r.wantProblem(t, code, problemCode)
	for _, e := range p.Errors {
		if e.Field == field {
			return
		}
	}
	t.Fatalf("%s %s: problem %+v does not name field %q", r.method, r.path, p, field)
}

// TestVendorStalls walks assigning and releasing stalls through the API:
// each answer is the vendor with every stall it holds, main first.
func TestVendorStalls(t *testing.T) {
	f := newFixture(t)
	mid := f.market(f.cA, 10)
	member := f.as(uMemberA)
	id := itoa(f.vendor(uMemberA, mid, "A-1", 1))
	other := itoa(f.vendor(uMemberA, mid, "Z-9", 2))
	stalls := "/api/v1/vendors/" + id + "/stalls"

	v := f.getVendorStalls(t, id)
	wantStalls(t, v, "A-1")
	if v.Stalls[0].AssignedAt == "" || v.Stalls[0].AssignedBy == 0 {
		t.Fatalf("the registration stall lacks who and when: %+v", v.Stalls[0])
	}

	t.Run("assign", func(t *testing.T) {
		r := f.do("POST", stalls, member, map[string]any{"stall_code": "B-2"})
		r.want(t, http.StatusCreated)
		var got vendorStallsJSON
		r.decode(t, &got)
		wantStalls(t, got, "A-1", "B-2")
		if got.Stalls[1].AssignedBy != got.Stalls[0].AssignedBy || got.Stalls[1].AssignedAt == "" {
			t.Errorf("assigned stall %+v, registration stall %+v", got.Stalls[1], got.Stalls[0])
		}
		wantStalls(t, f.getVendorStalls(t, id), "A-1", "B-2")
		// The stall was created in the market, active.
		r = f.do("GET", "/api/v1/markets/"+itoa(mid)+"/stalls?status=active", member, nil)
		r.want(t, http.StatusOK)
		if !strings.Contains(string(r.Body), `"code":"B-2"`) {
			t.Errorf("the market's active stalls lack B-2: %s", r.Body)
		}
	})
	t.Run("re-assign changes nothing", func(t *testing.T) {
		before := f.getVendorStalls(t, id)
		r := f.do("POST", stalls, member, map[string]any{"stall_code": "B-2"})
		r.want(t, http.StatusCreated)
		var got vendorStallsJSON
		r.decode(t, &got)
		if diff := cmp.Diff(before, got); diff != "" {
			t.Errorf("a repeated assignment changed the vendor (-before +after):\n%s", diff)
		}
	})
	t.Run("another vendor's stall conflicts", func(t *testing.T) {
		p := f.do("POST", stalls, member, map[string]any{"stall_code": "Z-9"}).wantProblem(t, http.StatusConflict, "conflict")
		if !strings.Contains(p.Detail, "Z-9") {
			t.Errorf("conflict detail %q does not name the stall", p.Detail)
		}
		wantStalls(t, f.getVendorStalls(t, id), "A-1", "B-2")
		wantStalls(t, f.getVendorStalls(t, other), "Z-9")
	})
	t.Run("bad input names the field and changes nothing", func(t *testing.T) {
		wantField(t, f.do("POST", stalls, member, map[string]any{"stall_code": ""}), 422, "validation_failed", "stall_code")
		wantField(t, f.do("POST", stalls, member, map[string]any{"stall_code": "C-1,C-2"}), 422, "validation_failed", "stall_code")
		wantField(t, f.do("POST", stalls, member, map[string]any{"stall_code": "C-1", "primary": true}), 400, "unknown_field", "primary")
		wantField(t, f.do("POST", stalls, member, map[string]any{"stall_code": 3}), 400, "wrong_type", "stall_code")
		f.do("POST", stalls, member, `{"stall_code":`).wantProblem(t, 400, "invalid_json")
		f.do("POST", "/api/v1/vendors/999999/stalls", member, map[string]any{"stall_code": "C-1"}).wantProblem(t, 404, "not_found")
		wantStalls(t, f.getVendorStalls(t, id), "A-1", "B-2")
	})
	t.Run("release", func(t *testing.T) {
		f.do("POST", stalls, member, map[string]any{"stall_code": "C-3"}).want(t, http.StatusCreated)
		c3 := f.getVendorStalls(t, id).stallID("C-3")
		r := f.do("DELETE", stalls+"/"+itoa(c3), member, nil)
		r.want(t, http.StatusOK)
		var got vendorStallsJSON
		r.decode(t, &got)
		wantStalls(t, got, "A-1", "B-2")
		// The stall is free for another vendor.
		r = f.do("POST", "/api/v1/vendors/"+other+"/stalls", member, map[string]any{"stall_code": "C-3"})
		r.want(t, http.StatusCreated)
		r.decode(t, &got)
		wantStalls(t, got, "Z-9", "C-3")
		// Releasing it again from the first vendor changes nothing: it is
		// a stall of the market the vendor does not hold.
		r = f.do("DELETE", stalls+"/"+itoa(c3), member, nil)
		r.want(t, http.StatusOK)
		r.decode(t, &got)
		wantStalls(t, got, "A-1", "B-2")
		wantStalls(t, f.getVendorStalls(t, other), "Z-9", "C-3")
	})
	t.Run("release main makes the next one main", func(t *testing.T) {
		f.do("POST", stalls, member, map[string]any{"stall_code": "D-4"}).want(t, http.StatusCreated)
		a1 := f.getVendorStalls(t, id).stallID("A-1")
		r := f.do("DELETE", stalls+"/"+itoa(a1), member, nil)
		r.want(t, http.StatusOK)
		var got vendorStallsJSON
		r.decode(t, &got)
		wantStalls(t, got, "B-2", "D-4")
	})
	t.Run("unknown stall", func(t *testing.T) {
		wantField(t, f.do("DELETE", stalls+"/999999", member, nil), 422, "validation_failed", "stall_id")
		// A stall of another market is no stall of the vendor's market.
		mid2 := f.market(f.cA, 3)
		elsewhere := itoa(f.vendor(uMemberA, mid2, "A-1", 3))
		foreign := f.getVendorStalls(t, elsewhere).StallID
		wantField(t, f.do("DELETE", stalls+"/"+itoa(foreign), member, nil), 422, "validation_failed", "stall_id")
		f.do("DELETE", stalls+"/x", member, nil).wantProblem(t, 404, "not_found")
		wantStalls(t, f.getVendorStalls(t, id), "B-2", "D-4")
	})
	t.Run("the last stall stays", func(t *testing.T) {
		v := f.getVendorStalls(t, id)
		f.do("DELETE", stalls+"/"+itoa(v.stallID("D-4")), member, nil).want(t, http.StatusOK)
		r := f.do("DELETE", stalls+"/"+itoa(v.stallID("B-2")), member, nil)
		wantField(t, r, 422, "validation_failed", "stall_id")
		if p := r.problem(t); !strings.Contains(p.Errors[0].Message, "B-2") {
			t.Errorf("last-stall message %q does not name the stall", p.Errors[0].Message)
		}
		wantStalls(t, f.getVendorStalls(t, id), "B-2")
	})
	t.Run("patch stall_code picks the main stall or moves", func(t *testing.T) {
		f.do("POST", stalls, member, map[string]any{"stall_code": "E-5"}).want(t, http.StatusCreated)
		r := f.do("PATCH", "/api/v1/vendors/"+id, member, map[string]any{"stall_code": "E-5"})
		r.want(t, http.StatusOK)
		var got vendorStallsJSON
		r.decode(t, &got)
		wantStalls(t, got, "E-5", "B-2")
		r = f.do("PATCH", "/api/v1/vendors/"+id, member, map[string]any{"stall_code": "F-6"})
		r.want(t, http.StatusOK)
		r.decode(t, &got)
		wantStalls(t, got, "F-6", "B-2")
	})
	t.Run("outside scope", func(t *testing.T) {
		// Member B works in another commune: reads are 404, writes 403,
		// and nothing changes.
		before := f.getVendorStalls(t, id)
		memberB := f.as(uMemberB)
		f.do("GET", "/api/v1/vendors/"+id, memberB, nil).wantProblem(t, http.StatusNotFound, "not_found")
		f.do("POST", stalls, memberB, map[string]any{"stall_code": "G-7"}).wantProblem(t, http.StatusForbidden, "forbidden")
		f.do("DELETE", stalls+"/"+itoa(before.stallID("B-2")), memberB, nil).wantProblem(t, http.StatusForbidden, "forbidden")
		// A province officer sees the vendor but edits no vendor.
		f.do("POST", stalls, f.as(uProv1), map[string]any{"stall_code": "G-7"}).wantProblem(t, http.StatusForbidden, "forbidden")
		if diff := cmp.Diff(before, f.getVendorStalls(t, id)); diff != "" {
			t.Errorf("refused calls changed the vendor (-before +after):\n%s", diff)
		}
	})
	t.Run("an inactive vendor gets no stall", func(t *testing.T) {
		r := f.do("DELETE", "/api/v1/vendors/"+other, f.as(uOfficerA), nil)
		r.want(t, http.StatusOK)
		var got vendorStallsJSON
		r.decode(t, &got)
		if got.Status != "inactive" || len(got.Stalls) != 0 {
			t.Fatalf("deactivated vendor %s", r.Body)
		}
		f.do("POST", "/api/v1/vendors/"+other+"/stalls", member, map[string]any{"stall_code": "H-8"}).wantProblem(t, 422, "validation_failed")
	})
}

// TestVendorStallAssignIdempotency: a retried POST with the same key
// replays the first answer; the key with another stall is 422.
func TestVendorStallAssignIdempotency(t *testing.T) {
	f := newFixture(t)
	mid := f.market(f.cA, 10)
	member := f.as(uMemberA)
	id := itoa(f.vendor(uMemberA, mid, "A-1", 1))
	stalls := "/api/v1/vendors/" + id + "/stalls"

	first := f.do("POST", stalls, member, map[string]any{"stall_code": "B-2"}, "Idempotency-Key", "stall-1")
	first.want(t, http.StatusCreated)
	// The stall is released in between: a replay answers what the first
	// call answered and does not assign it again.
	b2 := f.getVendorStalls(t, id).stallID("B-2")
	f.do("DELETE", stalls+"/"+itoa(b2), member, nil).want(t, http.StatusOK)
	retry := f.do("POST", stalls, member, map[string]any{"stall_code": "B-2"}, "Idempotency-Key", "stall-1")
	retry.want(t, http.StatusCreated)
	if !bytes.Equal(first.Body, retry.Body) || retry.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay differs:\nfirst %s\nretry %s (%v)", first.Body, retry.Body, retry.Header)
	}
	wantStalls(t, f.getVendorStalls(t, id), "A-1")

	f.do("POST", stalls, member, map[string]any{"stall_code": "C-3"}, "Idempotency-Key", "stall-1").
		wantProblem(t, http.StatusUnprocessableEntity, "idempotency_key_reused")
	wantStalls(t, f.getVendorStalls(t, id), "A-1")

	// A refused call is replayed too.
	bad := f.do("POST", stalls, member, map[string]any{"stall_code": "C;3"}, "Idempotency-Key", "stall-2")
	bad.wantProblem(t, http.StatusUnprocessableEntity, "validation_failed")
	again := f.do("POST", stalls, member, map[string]any{"stall_code": "C;3"}, "Idempotency-Key", "stall-2")
	if again.Header.Get("Idempotent-Replayed") != "true" || !bytes.Equal(bad.Body, again.Body) {
		t.Errorf("a 422 was not replayed: %s", again.Body)
	}
}

// TestVendorStallsAdoption: a second stall with the vendor's QR counts as
// an active stall with QR; released, it no longer does.
func TestVendorStallsAdoption(t *testing.T) {
	f := newFixture(t)
	mid := f.market(f.cA, 10)
	member := f.as(uMemberA)
	id := itoa(f.vendor(uMemberA, mid, "A-1", 1))
	adoption := func() (stallsActive, vendors int64, rate float64) {
		t.Helper()
		r := f.do("GET", "/api/v1/markets/"+itoa(mid)+"/adoption", member, nil)
		r.want(t, http.StatusOK)
		var a struct {
			StallsActive int64   `json:"stalls_active"`
			Vendors      int64   `json:"vendors"`
			QRRate       float64 `json:"qr_rate"`
		}
		r.decode(t, &a)
		return a.StallsActive, a.Vendors, a.QRRate
	}
	if s, v, q := adoption(); s != 1 || v != 1 || q != 1 {
		t.Fatalf("before: stalls_active %d vendors %d qr_rate %v", s, v, q)
	}
	r := f.do("POST", "/api/v1/vendors/"+id+"/stalls", member, map[string]any{"stall_code": "B-2"})
	r.want(t, http.StatusCreated)
	var got vendorStallsJSON
	r.decode(t, &got)
	if s, v, q := adoption(); s != 2 || v != 1 || q != 1 {
		t.Fatalf("with two stalls: stalls_active %d vendors %d qr_rate %v", s, v, q)
	}
	f.do("DELETE", "/api/v1/vendors/"+id+"/stalls/"+itoa(got.stallID("B-2")), member, nil).want(t, http.StatusOK)
	// The released stall stays active (it keeps its status for the next
	// vendor) but has no vendor with QR now.
	if s, v, q := adoption(); s != 2 || v != 1 || q != 0.5 {
		t.Fatalf("after release: stalls_active %d vendors %d qr_rate %v", s, v, q)
	}
}

// page fetches a UI page with user's session cookie, as a browser does,
// and returns its <main> (or the whole body when it has none).
func (f *fixture) page(t *testing.T, user, path string) (int, string, http.Header) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.RemoteAddr = "192.0.2.10:40000"
	if user != "" {
		req.AddCookie(&http.Cookie{Name: "sapqr_session", Value: f.as(user)})
	}
	rec := httptest.NewRecorder()
	f.srv.ServeHTTP(rec, req)
	body := rec.Body.String()
	// The page proper: the messages catalogue for the scripts, in the
	// head, holds every text.
	if i, j := strings.Index(body, "<main"), strings.LastIndex(body, "</main>"); i >= 0 && j > i {
		body = body[i:j]
	}
	return rec.Code, body, rec.Header()
}

// TestVendorStallsPages: the vendor page lists every stall held with the
// main one marked, a release button per stall while there are several, the
// form to add one and a sign per stall; the market grid puts the vendor on
// each of its stalls; the vendor's own link offers the sign of each stall.
func TestVendorStallsPages(t *testing.T) {
	f := newFixture(t)
	mid := f.market(f.cA, 10)
	member := f.as(uMemberA)
	vid := f.vendor(uMemberA, mid, "A-1", 1)
	id := itoa(vid)

	releaseButton := regexp.MustCompile(`<button type="button" class="secondary" data-release="(\d+)" data-code="([^"]+)">([^<]+)</button>`)
	signLinks := regexp.MustCompile(`href="/api/v1/vendors/` + id + `/sign\.pdf\?stall_id=(\d+)&size=(a6|a5|a4)"`)

	// One stall: listed as main, no release button, the form to add one.
	status, body, _ := f.page(t, uMemberA, "/ui/vendors/"+id)
	if status != http.StatusOK {
		t.Fatalf("vendor page: %d", status)
	}
	v := f.getVendorStalls(t, id)
	a1 := v.stallID("A-1")
	for _, want := range []string{`<li data-stall="` + itoa(a1) + `">`, "Sạp chính", `id="stall-code"`, "Thêm sạp", "phải giữ ít nhất một sạp"} {
		if !strings.Contains(body, want) {
			t.Errorf("the one-stall vendor page lacks %q", want)
		}
	}
	if m := releaseButton.FindAllString(body, -1); len(m) != 0 {
		t.Errorf("the only stall has a release button: %q", m)
	}

	f.do("POST", "/api/v1/vendors/"+id+"/stalls", member, map[string]any{"stall_code": "B-2"}).want(t, http.StatusCreated)
	b2 := f.getVendorStalls(t, id).stallID("B-2")

	t.Run("vendor page", func(t *testing.T) {
		status, body, _ := f.page(t, uMemberA, "/ui/vendors/"+id)
		if status != http.StatusOK {
			t.Fatalf("vendor page: %d", status)
		}
		var got [][]string
		for _, m := range releaseButton.FindAllStringSubmatch(body, -1) {
			got = append(got, m[1:])
		}
		want := [][]string{{itoa(a1), "A-1", "Trả sạp A-1"}, {itoa(b2), "B-2", "Trả sạp B-2"}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("release buttons (-want +got):\n%s", diff)
		}
		if strings.Contains(body, "phải giữ ít nhất một sạp") {
			t.Error("a vendor with two stalls is told it keeps at least one")
		}
		if n := strings.Count(body, "Sạp chính"); n != 1 {
			t.Errorf("%d stalls marked main, want 1", n)
		}
		if i, j := strings.Index(body, `data-stall="`+itoa(a1)+`"`), strings.Index(body, `data-stall="`+itoa(b2)+`"`); i < 0 || j < i {
			t.Errorf("the stalls are not listed main first (A-1 at %d, B-2 at %d)", i, j)
		}
		if !strings.Contains(body, "<h1>Nguyễn Thị Hà · Sạp A-1, B-2</h1>") {
			t.Error("the title does not name both stalls")
		}
		var signs [][]string
		for _, m := range signLinks.FindAllStringSubmatch(body, -1) {
			signs = append(signs, m[1:])
		}
		wantSigns := [][]string{{itoa(a1), "a6"}, {itoa(a1), "a5"}, {itoa(a1), "a4"}, {itoa(b2), "a6"}, {itoa(b2), "a5"}, {itoa(b2), "a4"}}
		if diff := cmp.Diff(wantSigns, signs); diff != "" {
			t.Errorf("sign downloads (-want +got):\n%s", diff)
		}
		if !strings.Contains(body, "Biển cho sạp B-2") || strings.Count(body, "Chưa in biển") != 2 {
			t.Error("each stall's sign is not offered with its state")
		}
		// A province officer reads the stalls but gets no action.
		status, body, _ = f.page(t, uProv1, "/ui/vendors/"+id)
		if status != http.StatusOK || !strings.Contains(body, `data-stall="`+itoa(b2)+`"`) ||
			strings.Contains(body, "data-release") || strings.Contains(body, `id="stall-code"`) || strings.Contains(body, "sign.pdf") {
			t.Errorf("the province officer's vendor page (%d) lacks the stalls or shows actions", status)
		}
	})
	t.Run("market grid", func(t *testing.T) {
		status, body, _ := f.page(t, uMemberA, "/ui/markets/"+itoa(mid))
		if status != http.StatusOK {
			t.Fatalf("market page: %d", status)
		}
		cell := regexp.MustCompile(`<li class="stall-cell s-(\w+)"><a href="/ui/vendors/(\d+)">([^<]+)<br><small>([^<]+)</small>`)
		var got [][]string
		for _, m := range cell.FindAllStringSubmatch(body, -1) {
			got = append(got, m[1:])
		}
		want := [][]string{{"qr", id, "A-1", "Nguyễn Thị Hà"}, {"qr", id, "B-2", "Nguyễn Thị Hà"}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("stall cells (-want +got):\n%s", diff)
		}
		// A sign printed for the main stall colours that stall only.
		f.do("POST", "/api/v1/vendors/"+id+"/prints", member, map[string]any{}).want(t, http.StatusCreated)
		_, body, _ = f.page(t, uMemberA, "/ui/markets/"+itoa(mid))
		got = nil
		for _, m := range cell.FindAllStringSubmatch(body, -1) {
			got = append(got, m[1:3])
		}
		if diff := cmp.Diff([][]string{{"printed", id}, {"qr", id}}, got); diff != "" {
			t.Errorf("stall cells after printing the main stall's sign (-want +got):\n%s", diff)
		}
	})
	t.Run("private link", func(t *testing.T) {
		r := f.do("POST", "/ui/vendors/"+id+"/link", member, nil)
		r.want(t, http.StatusCreated)
		var link struct{ URL string }
		r.decode(t, &link)
		u, err := url.Parse(link.URL)
		if err != nil {
			t.Fatal(err)
		}
		status, body, _ := f.page(t, "", u.Path)
		if status != http.StatusOK || !strings.Contains(body, "<dd>A-1, B-2</dd>") {
			t.Fatalf("link page (%d) does not list both stalls", status)
		}
		links := regexp.MustCompile(`href="` + regexp.QuoteMeta(u.Path) + `/sign\.pdf\?stall_id=(\d+)&size=a6"`)
		var got []string
		for _, m := range links.FindAllStringSubmatch(body, -1) {
			got = append(got, m[1])
		}
		if diff := cmp.Diff([]string{itoa(a1), itoa(b2)}, got); diff != "" {
			t.Errorf("A6 signs offered on the link page (-want +got):\n%s", diff)
		}
		for _, tc := range []struct {
			query, file string
		}{
			{"?size=a5", "sapqr-sign-A-1-a5.pdf"},
			{"?stall_id=" + itoa(b2) + "&size=a6", "sapqr-sign-B-2-a6.pdf"},
			{"?stall_id=" + itoa(a1), "sapqr-sign-A-1-a6.pdf"},
		} {
			status, body, h := f.page(t, "", u.Path+"/sign.pdf"+tc.query)
			if status != http.StatusOK || !strings.HasPrefix(body, "%PDF-") || !strings.Contains(h.Get("Content-Disposition"), tc.file) {
				t.Errorf("sign.pdf%s: %d %q, want a PDF named %s", tc.query, status, h.Get("Content-Disposition"), tc.file)
			}
		}
		for _, q := range []string{"?stall_id=x", "?stall_id=0", "?stall_id=999999"} {
			if status, body, _ := f.page(t, "", u.Path+"/sign.pdf"+q); status != http.StatusUnprocessableEntity || strings.HasPrefix(body, "%PDF-") {
				t.Errorf("sign.pdf%s: %d, want 422 without a PDF", q, status)
			}
		}
	})
}
