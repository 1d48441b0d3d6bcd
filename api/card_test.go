package api_test

import (
	"bytes"
	"image"
	"image/png"
	"net/http"
	"testing"
)

// TestVendorCardPNG: the share card is a 1080 × 1350 PNG for a vendor
// whose account was checked, and refused like the sign otherwise (409
// unverified_account); roles that may not see account numbers get 403,
// other communes 404.
func TestVendorCardPNG(t *testing.T) {
	f := newFixture(t)
	mid := f.market(f.cA, 10)
	id := f.vendor(uMemberA, mid, "A-1", 1)

	r := f.do("GET", "/api/v1/vendors/"+itoa(id)+"/card.png", f.as(uMemberA), nil)
	r.want(t, http.StatusOK)
	if ct := r.Header.Get("Content-Type"); ct != "image/png" {
		t.Errorf("Content-Type %q, want image/png", ct)
	}
	img, err := png.Decode(bytes.NewReader(r.Body))
	if err != nil {
		t.Fatalf("the card is not a PNG: %v", err)
	}
	if got := img.Bounds().Size(); got != (image.Point{X: 1080, Y: 1350}) {
		t.Errorf("the card is %v, want 1080×1350", got)
	}

	b := vendorBody(mid, "A-2", 2)
	delete(b["bank_account"].(map[string]any), "confirmation")
	r = f.do("POST", "/api/v1/vendors", f.as(uMemberA), b)
	r.want(t, http.StatusCreated)
	var unchecked struct{ ID int64 }
	r.decode(t, &unchecked)
	f.do("GET", "/api/v1/vendors/"+itoa(unchecked.ID)+"/card.png", f.as(uMemberA), nil).wantProblem(t, http.StatusConflict, "unverified_account")

	f.do("GET", "/api/v1/vendors/"+itoa(id)+"/card.png", f.as(uProv1), nil).wantProblem(t, http.StatusForbidden, "forbidden")
	f.do("GET", "/api/v1/vendors/"+itoa(id)+"/card.png", f.as(uMemberB), nil).wantProblem(t, http.StatusNotFound, "not_found")
}
