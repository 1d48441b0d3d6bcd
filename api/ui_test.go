package api

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/sapqr/sapqr/merchants"
)

// TestUIPagesRender renders every page in both languages with realistic
// data and checks the result: it succeeds, no message key leaks through
// untranslated, the language is declared, scripts are versioned for the
// cache, and nothing the CSP forbids (inline scripts or style attributes)
// is in the markup.
func TestUIPagesRender(t *testing.T) {
	p, err := newUIPages()
	if err != nil {
		t.Fatal(err)
	}
	sign := uiSign{MarketName: "Chợ Ngọc Hà", StallCode: "A-01", FullName: "Nguyễn Thị Hà", BankShort: "Vietcombank",
		BankName: "Ngân hàng TMCP Ngoại Thương Việt Nam", MaskedAccount: "•••••••••4567", Holder: "NGUYEN THI HA",
		QRSVG: template.HTML(`<svg class="qr"></svg>`)}
	pages := []struct {
		page, title string
		data        any
		scripts     []string
	}{
		{"login", "title.login", nil, []string{"login.js"}},
		{"signup", "title.signup", nil, []string{"signup.js"}},
		{"vendor", "title.vendor", uiVendorData{uiSign: sign, CanEdit: true, ID: 7, MarketID: 1, Phone: "0912345678", RegisteredAt: "24/11/2026 08:00",
			Active: true, StatusClass: "qr", Accounts: []uiAccount{{BankShort: "Vietcombank", BIN: "970436", Number: "••••4567", Holder: "NGUYEN THI HA", Primary: true, Active: true}},
			StallCodes: "A-01, B-02", Stalls: []uiVendorStall{{ID: 3, Code: "A-01", Main: true, AssignedAt: "24/11/2026 08:00", SignState: "ok"},
				{ID: 4, Code: "B-02", AssignedAt: "25/11/2026 08:00", SignState: "none"}, {ID: 5, Code: "C-03", AssignedAt: "26/11/2026 08:00", SignState: "outdated"}},
			Signs: []uiSignRow{{Version: 1, Reason: "new", At: "24/11/2026 08:00"}, {Version: 1, Printed: true, At: "24/11/2026 08:05"}}}, []string{"vendor.js"}},
		{"vendor", "title.vendor", uiVendorData{uiSign: sign, CanEdit: true, ID: 9, MarketID: 1, Active: true, StatusClass: "registered",
			StallCodes: "A-01", Stalls: []uiVendorStall{{ID: 3, Code: "A-01", Main: true, AssignedAt: "24/11/2026 08:00"}}}, []string{"vendor.js"}},
		{"vendor", "title.vendor", uiVendorData{uiSign: uiSign{MarketName: "Chợ Ngọc Hà", StallCode: "B-2", FullName: "Lê Văn An"},
			ID: 8, StatusClass: "inactive", Transacting: true, TransactingAt: "25/11/2026 09:00", QRHidden: true}, nil},
		{"link", "title.link", uiLinkData{uiSign: sign, Base: "/v/token", StallCodes: "A-01, B-02",
			Stalls: []uiVendorStall{{ID: 3, Code: "A-01", Main: true}, {ID: 4, Code: "B-02"}}}, nil},
		{"link_invalid", "title.link_invalid", nil, nil},
		{"activate", "title.activate", uiActivateData{Token: "t", Username: "hoa", DisplayName: "Nguyễn Thị Hoa"}, []string{"activate.js"}},
		{"market", "title.market", uiMarketData{ID: 1, Name: "Chợ Ngọc Hà", Unit: "Phường Ba Đình, Thành phố Hà Nội",
			Counts: merchants.MarketAdoption{StallsActive: 6, Vendors: 3}, QRRate: 0.5,
			Statuses: []uiStatusFilter{{Class: "none", Count: 3}, {Class: "qr", Count: 2, On: true}},
			Stalls:   []uiStallCell{{Code: "A-01", Class: "qr", VendorID: 7, VendorName: "Nguyễn Thị Hà"}, {Code: "A-02", Class: "none"}}}, nil},
		{"markets", "title.markets", uiMarketsData{Markets: []uiMarketRow{{ID: 1, Name: "Chợ Ngọc Hà", Unit: "Phường Ba Đình", StallsDeclared: 1200}}, Q: "ngoc", Next: "cursor=abc&q=ngoc"}, nil},
		{"dashboard", "title.dashboard", uiDashboardData{Scope: "Phường Ba Đình", Query: "commune=00004",
			Totals: uiTotals{Markets: 2, StallsActive: 12000, QRRate: 0.805}, UnitsTitle: "dash.units.markets", UnitLabel: "dash.market",
			Rows:     []uiUnitRow{{Name: "Chợ Ngọc Hà", Href: "/ui/markets/1", Markets: 1, QRRate: 0.5}, {Name: "Chợ Hàng Da", HasTarget: true, OfTarget: 0.75}},
			Communes: []uiUnitLink{{Name: "Phường Ba Đình", Href: "/ui/dashboard?commune=00004", Current: true}, {Name: "Phường Ngọc Hà", Href: "/ui/dashboard?commune=00008"}},
			Chart:    renderLineChart("x", "y", nil), Team: []uiMember{{Name: "to.cntt", Vendors: 3}}}, nil},
		{"error", "title.error", struct{ Title, Body string }{"err.page.not_found.title", "err.page.not_found.body"}, nil},
	}
	scriptTag := regexp.MustCompile(`<script[^>]*>`)
	leaked := regexp.MustCompile(`>\s*(?:title|nav|login|signup|sign|vendor|link|status|adoption|market|markets|dash|err|lang|activate)\.[a-z_.]+\s*<`)
	for _, lang := range []string{langVI, langEN} {
		for _, pg := range pages {
			t.Run(lang+"/"+pg.page, func(t *testing.T) {
				req := httptest.NewRequest(http.MethodGet, "/ui/x?a=1", nil)
				req.AddCookie(&http.Cookie{Name: langCookie, Value: lang})
				rec := httptest.NewRecorder()
				c := echo.New().NewContext(req, rec)
				if err := p.render(c, http.StatusOK, pg.page, pg.title, pg.data, pg.scripts...); err != nil {
					t.Fatal(err)
				}
				body := rec.Body.String()
				if m := leaked.FindString(body); m != "" {
					t.Errorf("an untranslated message key shows: %s", m)
				}
				if !strings.Contains(body, `<html lang="`+lang+`">`) {
					t.Errorf("the page does not declare lang=%q", lang)
				}
				for _, s := range pg.scripts {
					if !strings.Contains(body, `src="/static/`+s+`?v=`+p.version+`"`) {
						t.Errorf("script %s is not loaded with the cache version", s)
					}
				}
				for _, tag := range scriptTag.FindAllString(body, -1) {
					if !strings.Contains(tag, ` src="`) && !strings.Contains(tag, `type="application/json"`) {
						t.Errorf("inline script %s: the CSP blocks it", tag)
					}
				}
				if strings.Contains(body, ` style="`) {
					t.Errorf("the page has a style attribute, which the CSP blocks")
				}
				if got := rec.Header().Get("Cache-Control"); got != "no-store" {
					t.Errorf("Cache-Control = %q, want no-store", got)
				}
			})
		}
	}
}

func TestFormatNumbers(t *testing.T) {
	for _, tc := range []struct {
		lang string
		n    int64
		r    float64
		num  string
		pct  string
	}{
		{langVI, 0, 0, "0", "0%"},
		{langVI, 1234567, 0.805, "1.234.567", "80,5%"},
		{langEN, 1234567, 0.805, "1,234,567", "80.5%"},
		{langEN, -1000, 1, "-1,000", "100%"},
		{langVI, 999, 0.3333, "999", "33,3%"},
	} {
		if got := formatInt(tc.lang, tc.n); got != tc.num {
			t.Errorf("formatInt(%s, %d) = %q, want %q", tc.lang, tc.n, got, tc.num)
		}
		if got := formatPercent(tc.lang, tc.r); got != tc.pct {
			t.Errorf("formatPercent(%s, %v) = %q, want %q", tc.lang, tc.r, got, tc.pct)
		}
	}
}

func TestUIStaticCaching(t *testing.T) {
	p, err := newUIPages()
	if err != nil {
		t.Fatal(err)
	}
	h := (&Server{}).handleUIStatic(p)
	for _, tc := range []struct {
		name        string
		target      string
		ifNoneMatch string
		status      int
		cache       string
		contentType string
	}{
		{"versioned file cached for a year", "/static/app.css?v=" + p.version, "", http.StatusOK, "public, max-age=31536000, immutable", "text/css; charset=utf-8"},
		{"unversioned file revalidated", "/static/app.js", "", http.StatusOK, "no-cache", "text/javascript; charset=utf-8"},
		{"an old version is not cached long", "/static/app.js?v=000000000000", "", http.StatusOK, "no-cache", "text/javascript; charset=utf-8"},
		{"revalidation answers 304", "/static/app.js", `W/"` + p.version + `"`, http.StatusNotModified, "no-cache", ""},
		{"unknown file", "/static/nope.js", "", http.StatusNotFound, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, tc.target, nil)
			if tc.ifNoneMatch != "" {
				req.Header.Set("If-None-Match", tc.ifNoneMatch)
			}
			rec := httptest.NewRecorder()
			e := echo.New()
			c := e.NewContext(req, rec)
			c.SetParamNames("*")
			c.SetParamValues(strings.TrimPrefix(req.URL.Path, "/static/"))
			err := h(c)
			status := rec.Code
			var he *echo.HTTPError
			if errors.As(err, &he) {
				status = he.Code
			} else if err != nil {
				t.Fatal(err)
			}
			if status != tc.status {
				t.Fatalf("status %d, want %d", status, tc.status)
			}
			if got := rec.Header().Get("Cache-Control"); got != tc.cache {
				t.Errorf("Cache-Control = %q, want %q", got, tc.cache)
			}
			if got := rec.Header().Get("Content-Type"); tc.contentType != "" && got != tc.contentType {
				t.Errorf("Content-Type = %q, want %q", got, tc.contentType)
			}
		})
	}
}

func TestUILangSwitch(t *testing.T) {
	for _, tc := range []struct {
		name, query, wantLang, wantNext string
	}{
		{"to English, back to the page", "to=en&next=%2Fui%2Fmarkets%2F3%3Fq%3Da", langEN, "/ui/markets/3?q=a"},
		{"to Vietnamese", "to=vi&next=%2Fui%2Fsignup", langVI, "/ui/signup"},
		{"an unknown language is Vietnamese", "to=fr&next=%2Fui%2F", langVI, "/ui/"},
		{"no open redirect to another site", "to=en&next=%2F%2Fevil.example%2F", langEN, "/ui/"},
		{"no absolute URL", "to=en&next=https%3A%2F%2Fevil.example%2F", langEN, "/ui/"},
		{"no backslash trick", "to=en&next=%2F%5Cevil.example", langEN, "/ui/"},
		{"no tab the browser drops", "to=en&next=%2F%09%2Fevil.example", langEN, "/ui/"},
		{"no encoded slash the next hop decodes", "to=en&next=%2F%252F%2Fevil.example", langEN, "/ui/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/ui/lang?"+tc.query, nil)
			rec := httptest.NewRecorder()
			if err := (&Server{}).handleUILang(echo.New().NewContext(req, rec)); err != nil {
				t.Fatal(err)
			}
			if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != tc.wantNext {
				t.Errorf("answer %d to %q, want 303 to %q", rec.Code, rec.Header().Get("Location"), tc.wantNext)
			}
			res := http.Response{Header: rec.Header()}
			var lang string
			for _, ck := range res.Cookies() {
				if ck.Name == langCookie {
					lang = ck.Value
				}
			}
			if lang != tc.wantLang {
				t.Errorf("language cookie %q, want %q", lang, tc.wantLang)
			}
		})
	}
}

func TestAcceptsGzip(t *testing.T) {
	for _, tc := range []struct {
		header string
		want   bool
	}{
		{"gzip, deflate, br", true},
		{"br;q=1.0, GZIP;q=0.5", true},
		{"gzip;q=0", false},
		{"gzip;q=0.0", false},
		{"deflate", false},
		{"", false},
		{"x-gzip", false},
	} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Accept-Encoding", tc.header)
		if got := acceptsGzip(r); got != tc.want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", tc.header, got, tc.want)
		}
	}
}

// TestUIGzip checks that a compressed answer decodes to the plain one.
func TestUIGzip(t *testing.T) {
	p, err := newUIPages()
	if err != nil {
		t.Fatal(err)
	}
	get := func(enc string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "/static/signup.js", nil)
		req.Header.Set("Accept-Encoding", enc)
		rec := httptest.NewRecorder()
		c := echo.New().NewContext(req, rec)
		c.SetParamNames("*")
		c.SetParamValues("signup.js")
		if err := (&Server{}).handleUIStatic(p)(c); err != nil {
			t.Fatal(err)
		}
		return rec
	}
	plain, zipped := get(""), get("gzip")
	if plain.Header().Get("Content-Encoding") != "" || zipped.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("Content-Encoding: plain %q, zipped %q", plain.Header().Get("Content-Encoding"), zipped.Header().Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(zipped.Body)
	if err != nil {
		t.Fatal(err)
	}
	unzipped, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(unzipped, plain.Body.Bytes()) {
		t.Error("the gzipped script does not decode to the plain one")
	}
	if zipped.Body.Len()*2 > plain.Body.Len() {
		t.Errorf("gzip saves little: %d bytes for %d", zipped.Body.Len(), plain.Body.Len())
	}
	if !strings.Contains(zipped.Header().Get("Vary"), "Accept-Encoding") {
		t.Error("no Vary: Accept-Encoding")
	}
}

func TestUIErrorPages(t *testing.T) {
	p, err := newUIPages()
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	s := &Server{log: slog.New(slog.NewTextHandler(&logs, nil))}
	for _, tc := range []struct {
		name   string
		err    error
		status int
		text   string
		logged bool
	}{
		{"outside the area", merchants.ErrNotFound, http.StatusNotFound, "Không tìm thấy", false},
		{"not allowed", fmt.Errorf("confirm: %w", merchants.ErrForbidden), http.StatusForbidden, "Không được phép", false},
		{"a server fault", errors.New("database on fire"), http.StatusInternalServerError, "Có lỗi xảy ra", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			logs.Reset()
			req := httptest.NewRequest(http.MethodGet, "/ui/vendors/1", nil)
			rec := httptest.NewRecorder()
			h := s.uiErrors(p)(func(echo.Context) error { return tc.err })
			if err := h(echo.New().NewContext(req, rec)); err != nil {
				t.Fatal(err)
			}
			if rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.text) {
				t.Errorf("status %d, want %d with %q", rec.Code, tc.status, tc.text)
			}
			if strings.Contains(rec.Body.String(), "on fire") {
				t.Error("the page shows the internal error")
			}
			if got := strings.Contains(logs.String(), "database on fire"); got != tc.logged {
				t.Errorf("logged = %v, want %v", got, tc.logged)
			}
		})
	}
}

// TestLocalRedirect lists what a browser would make of each "next": a
// path on this site is kept, anything that a browser resolves to another
// host, or that a later hop could, falls back to /ui/.
func TestLocalRedirect(t *testing.T) {
	const home = "/ui/"
	for _, tc := range []struct{ name, next, want string }{
		{"a page", "/ui/markets/3", "/ui/markets/3"},
		{"a page with a query", "/ui/markets?q=ch%E1%BB%A3%20A%2FB&cursor=x", "/ui/markets?q=ch%E1%BB%A3%20A%2FB&cursor=x"},
		{"a page with a fragment", "/ui/vendors/7#stalls", "/ui/vendors/7#stalls"},
		{"the root", "/", "/"},
		{"empty", "", home},
		{"relative", "ui/markets", home},
		{"scheme-relative", "//evil.example/", home},
		{"absolute", "https://evil.example/", home},
		{"javascript", "javascript:alert(1)", home},
		{"scheme after a slash", "/javascript:alert(1)", "/javascript:alert(1)"},
		{"data URL", "data:text/html,x", home},
		{"backslash", "/\\evil.example", home},
		{"two backslashes", "\\\\evil.example", home},
		{"backslash later", "/ui/\\evil.example", home},
		{"tab", "/\t/evil.example", home},
		{"newline", "/\n/evil.example", home},
		{"carriage return", "/\r/evil.example", home},
		{"leading space", " //evil.example", home},
		{"NUL", "/\x00/evil.example", home},
		{"DEL", "/ui/\x7f", home},
		{"non-ASCII", "/ui/chợ", home},
		{"encoded tab", "/%09/evil.example", home},
		{"encoded newline", "/%0a/evil.example", home},
		{"encoded slash", "/%2F/evil.example", home},
		{"encoded slash lower case", "/%2f%2fevil.example", home},
		{"encoded backslash", "/%5Cevil.example", home},
		{"double-encoded slash", "/%252F/evil.example", home},
		{"triple-encoded slash", "/%25252F/evil.example", home},
		{"bad escape", "/ui/%zz", home},
		{"dot segments", "/ui/../..//evil.example", home},
		{"encoded dot segment", "/ui/%2e%2e/x", home},
		{"userinfo look-alike", "/@evil.example", "/@evil.example"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := localRedirect(tc.next); got != tc.want {
				t.Errorf("localRedirect(%q) = %q, want %q", tc.next, got, tc.want)
			}
		})
	}
}
