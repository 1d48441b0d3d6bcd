package api

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/labstack/echo/v4"
)

func TestValidLinkToken(t *testing.T) {
	for _, tc := range []struct {
		token string
		want  bool
	}{
		{strings.Repeat("a", 43), true},
		{"AZaz09-_" + strings.Repeat("x", 35), true},
		{strings.Repeat("a", 42), false},
		{strings.Repeat("a", 44), false},
		{strings.Repeat("a", 42) + "=", false},
		{strings.Repeat("a", 42) + "/", false},
		{"", false},
	} {
		if got := validLinkToken(tc.token); got != tc.want {
			t.Errorf("validLinkToken(%q) = %v, want %v", tc.token, got, tc.want)
		}
	}
}

// TestUIVendorPageLinks checks the vendor page lists the vendor's links in
// use, each with its own revoke button, and says so when there is none.
func TestUIVendorPageLinks(t *testing.T) {
	p, err := newUIPages()
	if err != nil {
		t.Fatal(err)
	}
	revoke := regexp.MustCompile(`<li data-link="(\d+)">[^<]*(\d\d/\d\d/\d{4} \d\d:\d\d) <button type="button" class="secondary" data-revoke="(\d+)">([^<]+)</button></li>`)
	for _, tc := range []struct {
		name  string
		links []uiLinkRow
		want  [][]string // per link: id, created at, revoke id, button text
		none  bool
	}{
		{"two links in use", []uiLinkRow{{ID: 3, CreatedAt: "24/11/2026 08:00"}, {ID: 9, CreatedAt: "25/11/2026 10:30"}},
			[][]string{{"3", "24/11/2026 08:00", "3", "Thu hồi liên kết này"}, {"9", "25/11/2026 10:30", "9", "Thu hồi liên kết này"}}, false},
		{"no link in use", nil, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/ui/vendors/7", nil)
			rec := httptest.NewRecorder()
			d := uiVendorData{CanEdit: true, Active: true, ID: 7, Links: tc.links}
			if err := p.render(echo.New().NewContext(req, rec), http.StatusOK, "vendor", "title.vendor", d, "vendor.js"); err != nil {
				t.Fatal(err)
			}
			body := rec.Body.String()
			var got [][]string
			for _, m := range revoke.FindAllStringSubmatch(body, -1) {
				got = append(got, m[1:])
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("links listed (-want +got):\n%s", diff)
			}
			if none := strings.Contains(body, "<li>Chưa có liên kết nào đang dùng.</li>"); none != tc.none {
				t.Errorf("the page says there is no link: %v, want %v", none, tc.none)
			}
		})
	}
}
