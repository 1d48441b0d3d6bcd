package printables

import (
	"bytes"
	"compress/zlib"
	"errors"
	"io"
	"math"
	"os"
	"strings"
	"testing"
	"unicode"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/text/unicode/norm"

	"github.com/sapqr/sapqr/qr"
)

// vietnameseLetters returns every Vietnamese letter with every tone, upper
// and lower case, precomposed (NFC): the 12 vowels × 6 tones, plus đ and
// the consonants.
func vietnameseLetters() []rune {
	const vowels = "aăâeêioôơuưy"
	tones := []rune{0, 0x0300, 0x0301, 0x0309, 0x0303, 0x0323} // none, huyền, sắc, hỏi, ngã, nặng
	var letters []rune
	for _, v := range vowels {
		for _, t := range tones {
			s := string(v)
			if t != 0 {
				s += string(t)
			}
			r := []rune(norm.NFC.String(s))
			if len(r) != 1 {
				panic("no precomposed form for " + s)
			}
			letters = append(letters, r[0], unicode.ToUpper(r[0]))
		}
	}
	for _, c := range "bcdđghklmnpqrstvx" {
		letters = append(letters, c, unicode.ToUpper(c))
	}
	return letters
}

func TestGlyphCoverageVietnamese(t *testing.T) {
	fs := renderer(t).fonts
	letters := vietnameseLetters()
	if len(letters) != 12*6*2+17*2 {
		t.Fatalf("built %d letters, want %d", len(letters), 12*6*2+17*2)
	}
	for _, face := range []struct {
		name string
		f    face
	}{{"regular", fs.regular}, {"bold", fs.bold}} {
		for _, r := range letters {
			if w, ok := face.f.widths[r]; !ok || w <= 0 {
				t.Errorf("%s face: %q (%U) has no glyph", face.name, r, r)
			}
		}
	}
	// The cut-down font files handed to gofpdf must still carry every
	// letter: parse them back.
	for name, z := range map[string][]byte{"regular": fs.regular.z, "bold": fs.bold.z} {
		widths, err := parseWidths(inflate(t, z))
		if err != nil {
			t.Fatalf("%s cut font: %v", name, err)
		}
		for _, r := range append(letters, '–', '•', '₫', '·') {
			if _, ok := widths[r]; !ok {
				t.Errorf("%s cut font lost %q (%U)", name, r, r)
			}
		}
	}
	if err := qr.CheckPrintable(string(letters), 0); err != nil {
		t.Errorf("qr.CheckPrintable refuses Vietnamese letters: %v", err)
	}
}

// TestFontDrawsEveryPrintableRune: the domain accepts a name when
// qr.CheckPrintable does, and signs are drawn after the same check, so the
// embedded faces must draw every rune qr.Printable accepts, and the code
// pages hold nothing else.
func TestFontDrawsEveryPrintableRune(t *testing.T) {
	fs := renderer(t).fonts
	cut := map[string]map[rune]int{}
	for name, z := range map[string][]byte{"regular": fs.regular.z, "bold": fs.bold.z} {
		widths, err := parseWidths(inflate(t, z))
		if err != nil {
			t.Fatalf("%s cut font: %v", name, err)
		}
		cut[name] = widths
	}
	for _, r := range qr.SignRunes() {
		if _, ok := fs.codes[r]; !ok {
			t.Errorf("%q (%U) is printable for qr but on no code page", r, r)
		}
		for name, f := range map[string]face{"regular": fs.regular, "bold": fs.bold} {
			if f.widths[r] <= 0 {
				t.Errorf("%s face: %q (%U) has no width", name, r, r)
			}
			if _, ok := cut[name][r]; !ok {
				t.Errorf("%s cut font has no glyph for %q (%U)", name, r, r)
			}
		}
	}
	for r := range fs.codes {
		if !qr.Printable(r) {
			t.Errorf("code pages hold %q (%U), which qr.Printable refuses", r, r)
		}
	}
}

func TestGlyphCheckNamesTheRune(t *testing.T) {
	r := renderer(t)
	tests := []struct {
		name   string
		edit   func(*Sign)
		field  string
		reject rune
	}{
		{"Chinese in the vendor name", func(s *Sign) { s.Vendor = "Lý Tiểu Long 李小龍" }, "Vendor", '李'},
		{"emoji in the market name", func(s *Sign) { s.Market = "Chợ Bộc Bố 🍜" }, "Market", '🍜'},
		{"a combining mark NFC cannot absorb", func(s *Sign) { s.Vendor = "Hà\u0308" }, "Vendor", 0x0308},
		{"a control character in the stall code", func(s *Sign) { s.Stall = "A\u000712" }, "Stall", 0x07},
		{"Cyrillic in the bank name", func(s *Sign) { s.BankName = "Банк" }, "BankName", 'Б'},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := vendorSign()
			tt.edit(&s)
			var out bytes.Buffer
			err := r.RenderSign(&out, s, Options{})
			var ge *GlyphError
			if !errors.As(err, &ge) {
				t.Fatalf("RenderSign error = %v, want a *GlyphError", err)
			}
			if ge.Field != tt.field || ge.Rune != tt.reject {
				t.Errorf("GlyphError{%s, %U}, want {%s, %U}", ge.Field, ge.Rune, tt.field, tt.reject)
			}
			if !strings.Contains(err.Error(), string(tt.reject)) && !strings.Contains(err.Error(), "U+") {
				t.Errorf("error %q does not name the rune", err)
			}
			if out.Len() != 0 {
				t.Errorf("wrote %d bytes despite the error", out.Len())
			}
		})
	}
}

func TestParseWidthsRejectsDamagedFonts(t *testing.T) {
	ttf, err := fontFiles.ReadFile("fonts/NotoSans-Regular.ttf")
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string][]byte{
		"empty":                 nil,
		"header only":           ttf[:12],
		"directory cut short":   ttf[:40],
		"tables past the end":   ttf[:4096],
		"not a font":            []byte(strings.Repeat("not a font ", 20)),
		"directory count lying": append([]byte{0, 1, 0, 0, 0xFF, 0xFF}, make([]byte, 64)...),
	}
	for name, data := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := parseWidths(data); err == nil {
				t.Error("parseWidths accepted a damaged font")
			}
		})
	}
}

func TestFontLicenceEmbedded(t *testing.T) {
	ofl, err := fontFiles.ReadFile("fonts/OFL.txt")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"SIL OPEN FONT LICENSE Version 1.1", "Noto Sans", "Google"} {
		if !bytes.Contains(ofl, []byte(want)) {
			t.Errorf("fonts/OFL.txt lacks %q", want)
		}
	}
	// The embedded faces are the files in the package directory.
	for _, name := range []string{"fonts/NotoSans-Regular.ttf", "fonts/NotoSans-Bold.ttf"} {
		disk, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if len(disk) < 100_000 {
			t.Errorf("%s is only %d bytes: a Git LFS pointer rather than the font?", name, len(disk))
		}
	}
}

func FuzzParseWidths(f *testing.F) {
	ttf, err := fontFiles.ReadFile("fonts/NotoSans-Regular.ttf")
	if err != nil {
		f.Fatal(err)
	}
	r, err := NewRenderer()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(inflate(f, r.fonts.regular.z))
	f.Add(ttf[:2048])
	f.Add([]byte{0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 'c', 'm', 'a', 'p', 0, 0, 0, 0, 0, 0, 0, 12, 0, 0, 0, 4})
	f.Fuzz(func(t *testing.T, data []byte) {
		widths, err := parseWidths(data)
		if err == nil && widths == nil {
			t.Error("nil widths without an error")
		}
	})
}

// inflate returns the font file inside a zlib stream.
func inflate(tb testing.TB, z []byte) []byte {
	tb.Helper()
	zr, err := zlib.NewReader(bytes.NewReader(z))
	if err != nil {
		tb.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestCodePages(t *testing.T) {
	fs := renderer(t).fonts
	if fs.pages != 2 {
		t.Errorf("%d code pages, want 2 (Vietnamese does not fit one)", fs.pages)
	}
	// Every code of every page names one rune, and ASCII is itself.
	seen := map[code]rune{}
	for r, c := range fs.codes {
		if c.page == -1 {
			if rune(c.b) != r {
				t.Errorf("ASCII %q has code %d", r, c.b)
			}
			continue
		}
		if c.b < firstPageCode {
			t.Errorf("%q has code %d, below %d", r, c.b, firstPageCode)
		}
		if other, dup := seen[c]; dup {
			t.Errorf("%q and %q share page %d code %d", r, other, c.page, c.b)
		}
		seen[c] = r
	}
	// Lower-case Vietnamese, the bulk of most text, is all on page 0.
	for _, r := range "ạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹđăâêôơư–•₫" {
		if c := fs.codes[r]; c.page != 0 {
			t.Errorf("%q is on page %d, want 0", r, c.page)
		}
	}
}

func TestSegments(t *testing.T) {
	fs := renderer(t).fonts
	decode := func(segs []segment) string {
		back := map[code]rune{}
		for r, c := range fs.codes {
			back[c] = r
		}
		var b strings.Builder
		for _, s := range segs {
			for i := range len(s.text) {
				c := code{page: s.page, b: s.text[i]}
				if s.text[i] < firstPageCode {
					c.page = -1
				}
				b.WriteRune(back[c])
			}
		}
		return b.String()
	}
	tests := []struct {
		text  string
		pages []int
	}{
		{"Sạp A-12", []int{0}},
		{"NGUYEN THI HA", []int{0}},
		{"Chợ Bộc Bố", []int{0}},
		{"ẤN ĐỘ", []int{0}},
		{"Đặng Ỹ", []int{0, 1}},
		{"Ỹ Đặng", []int{1, 0}},
		{"ỸỸ ABC Ỹ", []int{1}},
	}
	if fs.codes['Ỹ'].page != 1 {
		t.Fatalf("Ỹ is on page %d; the cases below expect 1", fs.codes['Ỹ'].page)
	}
	for _, tt := range tests {
		segs := fs.segments(fs.bold, tt.text)
		var pages []int
		units := 0
		for _, s := range segs {
			pages = append(pages, s.page)
			units += s.units
		}
		if got := decode(segs); got != tt.text {
			t.Errorf("segments of %q decode to %q", tt.text, got)
		}
		if diff := cmp.Diff(tt.pages, pages); diff != "" {
			t.Errorf("pages of %q (-want +got):\n%s", tt.text, diff)
		}
		if want := fs.bold.width(tt.text, 1000/mmPerPt); math.Abs(float64(units)-want) > 1e-6 {
			t.Errorf("segments of %q measure %d units, want %.0f", tt.text, units, want)
		}
	}
}
