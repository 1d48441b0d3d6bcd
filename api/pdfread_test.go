package api_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Reading PDFs back as a person or a phone would: the text with pdftotext,
// the QR codes with pdftoppm and zbarimg.

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
