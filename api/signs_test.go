package api_test

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sapqr/sapqr/merchants/gormstore"
)

// signStall returns the stall code a sign page shows ("Sạp A-1"), or "".
func signStall(page string) string {
	_, after, ok := strings.Cut(page, "Sạp ")
	if !ok {
		return ""
	}
	code, _, _ := strings.Cut(after, " ")
	return code
}

// TestSignsOfAVendorWithSeveralStalls: a vendor with two stalls gets a
// sign for each, the same QR on both, in the market's batch (main stall
// first) and one at a time with ?stall_id=; each print is recorded for its
// stall.
func TestSignsOfAVendorWithSeveralStalls(t *testing.T) {
	f := newFixture(t)
	member := f.as(uMemberA)
	mid := f.market(f.cA, 10)
	ha := itoa(f.vendor(uMemberA, mid, "A-1", 1))
	binh := itoa(f.vendor(uMemberA, mid, "C-3", 2))
	f.do("POST", "/api/v1/vendors/"+ha+"/stalls", member, map[string]any{"stall_code": "B-2"}).want(t, http.StatusCreated)

	type stallsJSON struct {
		SignOutdated bool `json:"sign_outdated"`
		Stalls       []struct {
			StallID   int64  `json:"stall_id"`
			StallCode string `json:"stall_code"`
		}
	}
	vendor := func(id string) stallsJSON {
		t.Helper()
		r := f.do("GET", "/api/v1/vendors/"+id, member, nil)
		r.want(t, http.StatusOK)
		var v stallsJSON
		r.decode(t, &v)
		return v
	}
	stallID := func(id, code string) string {
		t.Helper()
		for _, s := range vendor(id).Stalls {
			if s.StallCode == code {
				return itoa(s.StallID)
			}
		}
		t.Fatalf("vendor %s does not hold %s", id, code)
		return ""
	}
	payload := func(id string) string {
		t.Helper()
		r := f.do("GET", "/api/v1/vendors/"+id+"/payload", member, nil)
		r.want(t, http.StatusOK)
		var p struct{ Payload string }
		r.decode(t, &p)
		return p.Payload
	}
	a1, b2, c3 := stallID(ha, "A-1"), stallID(ha, "B-2"), stallID(binh, "C-3")

	t.Run("one sign per stall", func(t *testing.T) {
		for _, tc := range []struct{ query, code, file string }{
			{"", "A-1", "sapqr-sign-" + ha + "-A-1-v1-a6.pdf"},
			{"?stall_id=" + b2 + "&size=a5", "B-2", "sapqr-sign-" + ha + "-B-2-v1-a5.pdf"},
			{"?stall_id=" + a1, "A-1", "sapqr-sign-" + ha + "-A-1-v1-a6.pdf"},
		} {
			r := f.do("GET", "/api/v1/vendors/"+ha+"/sign.pdf"+tc.query, member, nil)
			r.want(t, http.StatusOK)
			if !strings.Contains(r.Header.Get("Content-Disposition"), `filename="`+tc.file+`"`) {
				t.Errorf("sign.pdf%s: %q, want the file %s", tc.query, r.Header.Get("Content-Disposition"), tc.file)
			}
			pages := pdfPages(t, r.Body)
			if len(pages) != 1 || signStall(pages[0]) != tc.code {
				t.Errorf("sign.pdf%s shows %q, want one sign for stall %s", tc.query, pages, tc.code)
			}
		}
	})
	t.Run("a stall the vendor does not hold", func(t *testing.T) {
		for _, q := range []string{c3, "999999", "0", "-1", "A-1"} {
			p := f.do("GET", "/api/v1/vendors/"+ha+"/sign.pdf?stall_id="+q, member, nil).wantProblem(t, http.StatusUnprocessableEntity, "validation_failed")
			if len(p.Errors) != 1 || p.Errors[0].Field != "stall_id" {
				t.Errorf("stall_id=%s: %+v, want an error on stall_id", q, p)
			}
		}
		if !strings.Contains(string(f.do("GET", "/api/v1/vendors/"+ha+"/sign.pdf?stall_id="+c3, member, nil).Body), "A-1 (id "+a1+"), B-2 (id "+b2+")") {
			t.Error("the refusal does not list the stalls the vendor holds")
		}
	})
	t.Run("the market batch holds a sign per stall, main first", func(t *testing.T) {
		r := f.do("GET", "/api/v1/markets/"+itoa(mid)+"/signs.pdf?sheet=none", member, nil)
		r.want(t, http.StatusOK)
		var got []string
		for _, p := range pdfPages(t, r.Body) {
			got = append(got, signStall(p))
		}
		if diff := cmp.Diff([]string{"A-1", "B-2", "C-3"}, got); diff != "" {
			t.Errorf("signs in the batch (-want +got):\n%s", diff)
		}
		want := []string{payload(ha), payload(ha), payload(binh)}
		if diff := cmp.Diff(want, pdfQRCodes(t, r.Body)); diff != "" {
			t.Errorf("QR codes in the batch (-want +got):\n%s", diff)
		}
	})
}

// TestSignPrintsAreRecordedPerStall: a sign printed for one stall leaves
// the vendor's other stall outdated until its own is printed, and the
// market batch prints every stall.
func TestSignPrintsAreRecordedPerStall(t *testing.T) {
	f := newFixture(t)
	member := f.as(uMemberA)
	mid := f.market(f.cA, 10)
	id := itoa(f.vendor(uMemberA, mid, "A-1", 1))
	r := f.do("POST", "/api/v1/vendors/"+id+"/stalls", member, map[string]any{"stall_code": "B-2"})
	r.want(t, http.StatusCreated)
	var v struct {
		SignOutdated bool `json:"sign_outdated"`
		Stalls       []struct {
			StallID   int64  `json:"stall_id"`
			StallCode string `json:"stall_code"`
		}
	}
	r.decode(t, &v)
	if len(v.Stalls) != 2 || v.Stalls[1].StallCode != "B-2" {
		t.Fatalf("after assigning B-2: %s", r.Body)
	}
	outdated := func() bool {
		t.Helper()
		r := f.do("GET", "/api/v1/vendors/"+id, member, nil)
		r.want(t, http.StatusOK)
		var got struct {
			SignOutdated bool `json:"sign_outdated"`
		}
		r.decode(t, &got)
		return got.SignOutdated
	}
	f.do("POST", "/api/v1/vendors/"+id+"/prints", member, map[string]any{}).want(t, http.StatusCreated)
	if !outdated() {
		t.Error("B-2 has no sign yet, but the vendor's signs are not outdated")
	}
	f.do("POST", "/api/v1/vendors/"+id+"/prints", member, map[string]any{"stall_id": v.Stalls[1].StallID}).want(t, http.StatusCreated)
	if outdated() {
		t.Error("both stalls have their sign, but the vendor's signs are outdated")
	}

	// A new stall, then the batch: every stall printed again.
	f.do("POST", "/api/v1/vendors/"+id+"/stalls", member, map[string]any{"stall_code": "C-3"}).want(t, http.StatusCreated)
	if !outdated() {
		t.Error("C-3 has no sign yet, but the vendor's signs are not outdated")
	}
	f.do("GET", "/api/v1/markets/"+itoa(mid)+"/signs.pdf", member, nil).want(t, http.StatusOK)
	if !outdated() {
		t.Error("GET signs.pdf recorded the batch: a GET must change nothing")
	}
	f.do("POST", "/api/v1/markets/"+itoa(mid)+"/prints", member, map[string]any{"sheet": "a4-4up"}).want(t, http.StatusCreated)
	if outdated() {
		t.Error("the market batch printed every stall, but the vendor's signs are outdated")
	}

	// A removed vendor holds no stall and has no QR: its sign is a
	// conflict (no_qr), as for any vendor without a QR, not a bad stall_id.
	f.do("DELETE", "/api/v1/vendors/"+id, f.as(uAdmin), nil).want(t, http.StatusOK)
	f.do("GET", "/api/v1/vendors/"+id+"/sign.pdf", member, nil).wantProblem(t, http.StatusConflict, "no_qr")
}

// needPoppler skips a test when a command-line tool is missing on a
// developer machine, and fails it in CI (CI=true), where .ci/run installs
// poppler-utils and zbar-tools.
func needPoppler(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is not installed, and CI=true", tool)
			}
			t.Skipf("%s is not installed (apt-get install poppler-utils zbar-tools): cannot read the signs back", tool)
		}
	}
}

// pdfPages returns the text of each page of a PDF, read with pdftotext,
// every run of white space as one space.
func pdfPages(t *testing.T, pdf []byte) []string {
	t.Helper()
	needPoppler(t, "pdftotext")
	in := filepath.Join(t.TempDir(), "signs.pdf")
	if err := os.WriteFile(in, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.CommandContext(t.Context(), "pdftotext", "-enc", "UTF-8", in, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	var pages []string
	for _, p := range strings.Split(string(out), "\f") {
		if p = strings.Join(strings.Fields(p), " "); p != "" {
			pages = append(pages, p)
		}
	}
	return pages
}

// pdfQRCodes reads the QR codes of every page of a PDF with pdftoppm and
// zbarimg, in page order.
func pdfQRCodes(t *testing.T, pdf []byte) []string {
	t.Helper()
	needPoppler(t, "pdftoppm", "zbarimg")
	dir := t.TempDir()
	in := filepath.Join(dir, "signs.pdf")
	if err := os.WriteFile(in, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.CommandContext(t.Context(), "pdftoppm", "-r", "150", "-png", in, filepath.Join(dir, "page")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v: %s", err, out)
	}
	pngs, err := filepath.Glob(filepath.Join(dir, "page*.png"))
	if err != nil || len(pngs) == 0 {
		t.Fatalf("pdftoppm wrote no page: %v", err)
	}
	slices.Sort(pngs)
	var codes []string
	for _, png := range pngs {
		out, err := exec.CommandContext(t.Context(), "zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", png).Output()
		if err != nil {
			t.Fatalf("zbarimg found no QR code on %s: %v", filepath.Base(png), err)
		}
		codes = append(codes, strings.Split(strings.TrimSpace(string(out)), "\n")...)
	}
	return codes
}

// TestUnprintableStoredName: a vendor stored, before the sign rules, with
// a name no sign can print answers 409 unprintable naming the field and
// the character (it answered 500 before), and a market's batch prints the
// other vendors and names the one it left out.
func TestUnprintableStoredName(t *testing.T) {
	f := newFixture(t)
	member := f.as(uMemberA)
	mid := f.market(f.cA, 4)
	bad := f.vendor(uMemberA, mid, "U-1", 1)
	f.vendor(uMemberA, mid, "U-2", 2)
	update := "UPDATE vendors SET full_name = ? WHERE id = ?"
	if f.store.Dialect() == gormstore.Postgres {
		update = "UPDATE vendors SET full_name = $1 WHERE id = $2"
	}
	if _, err := f.store.DB().Exec(update, "Lê\u202eThị", bad); err != nil {
		t.Fatal(err)
	}
	p := f.do("GET", "/api/v1/vendors/"+itoa(bad)+"/sign.pdf", member, nil).wantProblem(t, http.StatusConflict, "unprintable")
	if !strings.Contains(p.Detail, "full_name") || !strings.Contains(p.Detail, "U+202E") {
		t.Errorf("detail %q does not name the field and the character", p.Detail)
	}
	r := f.do("GET", "/api/v1/markets/"+itoa(mid)+"/signs.pdf?sheet=none", member, nil)
	r.want(t, http.StatusOK)
	if got := r.Header.Get("Sapqr-Left-Out"); got != itoa(bad) {
		t.Errorf("Sapqr-Left-Out %q; want %d", got, bad)
	}
	r = f.do("POST", "/api/v1/markets/"+itoa(mid)+"/prints", member, map[string]any{})
	r.want(t, http.StatusCreated)
	var got struct {
		Signs   int
		LeftOut []struct {
			VendorID int64 `json:"vendor_id"`
		} `json:"left_out"`
	}
	r.decode(t, &got)
	if got.Signs != 1 || len(got.LeftOut) != 1 || got.LeftOut[0].VendorID != bad {
		t.Errorf("market prints %s; want one sign and vendor %d left out", r.Body, bad)
	}
}

// TestMarketSignsOnlyWhatIsNeeded: ?only=new prints just the stalls that
// never had a sign, and once they are recorded there is nothing left to
// print; an unknown state is a 422 naming only.
func TestMarketSignsOnlyWhatIsNeeded(t *testing.T) {
	f := newFixture(t)
	member := f.as(uMemberA)
	id := f.market(f.cA, 4)
	mid := itoa(id)
	f.vendor(uMemberA, f.market(f.cA, 2), "O-9", 9) // another market's vendor stays out
	f.vendor(uMemberA, id, "O-1", 1)
	f.vendor(uMemberA, id, "O-2", 2)
	f.do("GET", "/api/v1/markets/"+mid+"/signs.pdf?only=soon", member, nil).wantProblem(t, http.StatusUnprocessableEntity, "validation_failed")
	f.do("GET", "/api/v1/markets/"+mid+"/signs.pdf?sheet=none&only=new", member, nil).want(t, http.StatusOK)
	r := f.do("POST", "/api/v1/markets/"+mid+"/prints", member, map[string]any{"only": "new"})
	r.want(t, http.StatusCreated)
	var got struct{ Signs, Vendors int }
	r.decode(t, &got)
	if got.Signs != 2 || got.Vendors != 2 {
		t.Errorf("recorded %s; want the market's two new signs", r.Body)
	}
	f.do("GET", "/api/v1/markets/"+mid+"/signs.pdf?only=new", member, nil).wantProblem(t, http.StatusConflict, "conflict")
	f.do("GET", "/api/v1/markets/"+mid+"/signs.pdf", member, nil).want(t, http.StatusOK)
}
