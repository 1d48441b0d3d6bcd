package api

import (
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files in web/testdata/")

func TestLoadCatalog(t *testing.T) {
	const vi = `{"a": "Chào {name}", "b": "Sạp"}`
	for _, tc := range []struct {
		name    string
		files   fstest.MapFS
		wantErr string
	}{
		{"both languages agree", fstest.MapFS{
			"i18n/vi.json": {Data: []byte(vi)},
			"i18n/en.json": {Data: []byte(`{"a": "Hello {name}", "b": "Stall"}`)},
		}, ""},
		{"a key only in English", fstest.MapFS{
			"i18n/vi.json": {Data: []byte(vi)},
			"i18n/en.json": {Data: []byte(`{"a": "Hello", "b": "Stall", "c": "extra"}`)},
		}, "keys not in both languages: c"},
		{"a file missing", fstest.MapFS{
			"i18n/vi.json": {Data: []byte(vi)},
		}, "ui messages en"},
		{"not an object of strings", fstest.MapFS{
			"i18n/vi.json": {Data: []byte(`{"a": 1}`)},
			"i18n/en.json": {Data: []byte(`{"a": "x"}`)},
		}, "ui messages vi"},
		{"decomposed Vietnamese", fstest.MapFS{
			"i18n/vi.json": {Data: []byte("{\"a\": \"Sa\u0323p\"}")},
			"i18n/en.json": {Data: []byte(`{"a": "Stall"}`)},
		}, "not NFC-normalised"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := loadCatalog(tc.files)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("loadCatalog error = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := c.text(langVI, "a", "name", "Hà"); got != "Chào Hà" {
				t.Errorf("text(vi, a) = %q, want %q", got, "Chào Hà")
			}
			if got := c.text(langEN, "missing"); got != "missing" {
				t.Errorf("text of an unknown key = %q, want the key", got)
			}
		})
	}
}

// TestCatalogCoversUI finds every message key the templates and scripts
// name literally and checks the catalogue has it, so no page shows a raw
// key.
func TestCatalogCoversUI(t *testing.T) {
	sub, err := fs.Sub(webFS, "web")
	if err != nil {
		t.Fatal(err)
	}
	c, err := loadCatalog(sub)
	if err != nil {
		t.Fatal(err)
	}
	patterns := map[string]*regexp.Regexp{
		".html": regexp.MustCompile(`\{\{-?\s*t\s+"([^"]+)"|\(t\s+"([^"]+)"`),
		".js":   regexp.MustCompile(`'((?:signup|sign|vendor|err|link|status|dash|nav|login|lang|adoption|market|markets)\.[a-z_.]*[a-z_])'`),
		".go":   regexp.MustCompile(`"((?:title|dash|err|status|signup|vendor|link)\.[a-z_.]+)"`),
	}
	found := 0
	check := func(name, src string, re *regexp.Regexp) {
		for _, m := range re.FindAllStringSubmatch(src, -1) {
			key := m[1]
			if key == "" && len(m) > 2 {
				key = m[2]
			}
			if strings.HasSuffix(key, ".") || strings.HasSuffix(key, ".js") {
				continue // a prefix built on, or a script's file name
			}
			found++
			if !c.has(key) {
				t.Errorf("%s uses message %q, which the catalogue lacks", name, key)
			}
		}
	}
	err = fs.WalkDir(sub, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		re, ok := patterns[filepath.Ext(path)]
		if !ok {
			return nil
		}
		b, err := fs.ReadFile(sub, path)
		if err != nil {
			return err
		}
		check(path, string(b), re)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	goFiles, _ := filepath.Glob("ui*.go")
	for _, f := range goFiles {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		check(f, string(b), patterns[".go"])
	}
	if found < 100 {
		t.Fatalf("found only %d message uses; the patterns no longer match the sources", found)
	}
}

func TestNiceStep(t *testing.T) {
	for _, tc := range []struct {
		max, want int64
	}{{0, 1}, {4, 1}, {5, 2}, {8, 2}, {9, 5}, {20, 5}, {21, 10}, {399, 100}, {401, 200}, {1999, 500}} {
		if got := niceStep(tc.max); got != tc.want {
			t.Errorf("niceStep(%d) = %d, want %d", tc.max, got, tc.want)
		}
	}
}

func TestRenderLineChart(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 11, d, 0, 0, 0, 0, time.UTC) }
	series := func(vals ...int64) []chartPoint {
		var ps []chartPoint
		for i, v := range vals {
			ps = append(ps, chartPoint{Day: day(1 + i), Value: v})
		}
		return ps
	}
	for _, tc := range []struct {
		name   string
		series []chartSeries
	}{
		{"empty", nil},
		{"one day", []chartSeries{{Label: "Có mã QR", Colour: "#0b5cad", Points: series(3)}}},
		{"two series over a week", []chartSeries{
			{Label: "Có mã QR", Colour: "#0b5cad", Points: series(0, 2, 5, 9, 12, 12, 17)},
			{Label: "Đang giao dịch", Colour: "#1e6b34", Dash: "8 4", Points: series(0, 0, 1, 3, 4, 6, 8)},
		}},
		{"escapes labels", []chartSeries{{Label: `<b>"x"</b>`, Colour: "#000", Points: series(1, 2)}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := string(renderLineChart("Tiểu thương có QR", "Chưa có dữ liệu", tc.series))
			golden := filepath.Join("web", "testdata", "chart_"+strings.ReplaceAll(tc.name, " ", "_")+".svg")
			if *updateGolden {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("chart differs from %s (-want +got):\n%s", golden, diff)
			}
			if strings.Contains(got, "<b>") {
				t.Errorf("a label was not escaped: %s", got)
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
