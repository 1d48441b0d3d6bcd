package printables

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// needTools skips the test when a command-line tool is missing on a
// developer machine, and fails it in CI (CI=true), where .ci/run installs
// poppler-utils and zbar-tools.
func needTools(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is not installed, and CI=true: install poppler-utils and zbar-tools", tool)
			}
			t.Skipf("%s is not installed (apt-get install poppler-utils zbar-tools); skipping the real scan test", tool)
		}
	}
}

// TestScan renders every golden case, rasterises it with pdftoppm at 150
// and 300 dpi as a printer or camera would see it, and reads the codes back
// with zbarimg: every sign on every page must scan to exactly the payload
// intended for it.
func TestScan(t *testing.T) {
	needTools(t, "pdftoppm", "zbarimg")
	for _, tt := range goldenCases() {
		var want []string
		copies := 1
		if len(tt.signs) == 1 && tt.opt.Sheet != SheetNone {
			copies = tt.opt.Sheet.cells()
		}
		for _, s := range tt.signs {
			s, err := validate(normalize(s))
			if err != nil {
				t.Fatal(err)
			}
			p, err := encode(payloadFor(s))
			if err != nil {
				t.Fatal(err)
			}
			for range copies {
				want = append(want, p)
			}
		}
		slices.Sort(want)
		pdf := render(t, tt.signs, tt.opt)
		for _, dpi := range []string{"150", "300"} {
			t.Run(tt.name+"@"+dpi+"dpi", func(t *testing.T) {
				dir := t.TempDir()
				in := filepath.Join(dir, "sign.pdf")
				if err := os.WriteFile(in, pdf, 0o644); err != nil {
					t.Fatal(err)
				}
				var got []string
				// zbar reports identical codes in one image once, so each
				// cell of a sheet is cut out and scanned on its own.
				for _, crop := range cellCrops(tt.opt, dpi) {
					prefix := filepath.Join(dir, fmt.Sprintf("cell%d", len(crop)))
					args := append([]string{"-r", dpi, "-gray", "-png"}, crop...)
					args = append(args, in, prefix)
					if out, err := exec.Command("pdftoppm", args...).CombinedOutput(); err != nil {
						t.Fatalf("pdftoppm: %v\n%s", err, out)
					}
					pages, _ := filepath.Glob(prefix + "*.png")
					if len(pages) == 0 {
						t.Fatal("pdftoppm wrote no pages")
					}
					for _, page := range pages {
						got = append(got, zbar(t, page)...)
						os.Remove(page)
					}
				}
				slices.Sort(got)
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("scanned payloads (-want +got):\n%s", diff)
				}
			})
		}
	}
}

// cellCrops returns pdftoppm crop arguments (-x -y -W -H, in pixels at
// dpi) for each cell of opt's sheet, or one empty crop for a page per sign.
func cellCrops(opt Options, dpi string) [][]string {
	if opt.Sheet == SheetNone {
		return [][]string{nil}
	}
	d, _ := strconv.ParseFloat(dpi, 64)
	px := func(mm float64) string { return strconv.Itoa(int(mm / 25.4 * d)) }
	w, h := opt.Sheet.dims()
	cols, rows := 2, opt.Sheet.cells()/2
	cw, ch := w/float64(cols), h/float64(rows)
	var crops [][]string
	for c := range cols {
		for r := range rows {
			crops = append(crops, []string{"-x", px(float64(c) * cw), "-y", px(float64(r) * ch), "-W", px(cw), "-H", px(ch)})
		}
	}
	return crops
}

// zbar returns the QR payloads zbarimg reads in one image; none is not an
// error, since the last sheet of a batch may have empty cells.
func zbar(t *testing.T, png string) []string {
	t.Helper()
	out, err := exec.Command("zbarimg", "--raw", "-q", "-Sdisable", "-Sqrcode.enable", png).Output() // stderr carries unrelated D-Bus noise
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == 4 { // zbarimg: no symbol found
		return nil
	}
	if err != nil {
		t.Fatalf("zbarimg %s: %v", filepath.Base(png), err)
	}
	return strings.Split(strings.TrimSpace(string(out)), "\n")
}

// TestTextExtractsExactly checks with pdftotext that the Vietnamese text
// comes back out of the PDF exactly as it went in: the right code points,
// NFC, diacritics and case kept. Line breaks from wrapping are compared as
// spaces.
func TestTextExtractsExactly(t *testing.T) {
	needTools(t, "pdftotext")
	tests := []struct {
		name string
		sign Sign
		opt  Options
		want []string
	}{
		{"vendor sign", vendorSign(), Options{}, []string{
			"Chợ Bộc Bố", "Sạp A-12", "Nguyễn Thị Hà", "Vietcombank", "Ngân hàng TMCP Ngoại Thương Việt Nam",
			"Số tài khoản: •••••••••4567", "Người nhận: NGUYEN THI HA",
			"Quét mã bằng ứng dụng ngân hàng – nhập số tiền – kiểm tra tên người nhận trước khi chuyển",
			"Phiên bản 1 · In ngày 23/11/2026",
		}},
		{"fee sign", feeSign(), Options{Size: SizeA4}, []string{
			"Chợ Bộc Bố", "Sạp A-12", "Nộp phí chợ", "Agribank", "Người nhận: BAN QUAN LY CHO BOC BO",
			"Nội dung: PHI CHO A12", "Số tài khoản: •••••••••6789", "Phiên bản 2 · In ngày 23/11/2026",
		}},
		{"every letter with every tone", func() Sign {
			s := vendorSign()
			s.Market = string(vietnameseLetters()[:80])
			s.Vendor = string(vietnameseLetters()[80:140])
			s.BankName = string(vietnameseLetters()[140:])
			return s
		}(), Options{Size: SizeA4}, []string{
			string(vietnameseLetters()[:80]), string(vietnameseLetters()[80:140]), string(vietnameseLetters()[140:]),
		}},
		{"vendor name as typed, lower case kept", func() Sign {
			s := vendorSign()
			s.Vendor = "bà Tư bán cá"
			return s
		}(), Options{}, []string{"bà Tư bán cá"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			in := filepath.Join(dir, "sign.pdf")
			if err := os.WriteFile(in, render(t, []Sign{tt.sign}, tt.opt), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command("pdftotext", "-enc", "UTF-8", in, "-").Output()
			if err != nil {
				t.Fatalf("pdftotext: %v", err)
			}
			// Wrapped lines come out on separate lines: compare with
			// every run of white space as one space, and without the
			// spaces a wrap inside a word adds.
			text := strings.Join(strings.Fields(string(out)), " ")
			joined := strings.Join(strings.Fields(string(out)), "")
			for _, w := range tt.want {
				if !strings.Contains(text, w) && !strings.Contains(joined, strings.Join(strings.Fields(w), "")) {
					t.Errorf("pdftotext output lacks %q\ngot: %s", w, text)
				}
			}
		})
	}
}
