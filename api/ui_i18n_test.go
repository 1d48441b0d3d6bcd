package api

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
)

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
