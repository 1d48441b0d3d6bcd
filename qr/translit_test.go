package qr

import (
	"testing"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

func TestTransliterate(t *testing.T) {
	tests := []struct {
		name, in, want, wantName string
	}{
		{"issue example (name)", "Nguyễn Thị Hà", "Nguyen Thi Ha", "NGUYEN THI HA"},
		{"issue example (purpose)", "Thanh toán hàng", "Thanh toan hang", "THANH TOAN HANG"},
		{"đ and Đ have no decomposition", "Đặng Đức Đạt đi đò", "Dang Duc Dat di do", "DANG DUC DAT DI DO"},
		{"eth as a stand-in for Đ and đ", "Ðỗ ðức", "Do duc", "DO DUC"},
		{"horn and breve vowels", "ơ ư ă Ơ Ư Ă", "o u a O U A", "O U A O U A"},
		{"stacked marks", "Nguyễn Thị Kiều Oanh Phượng", "Nguyen Thi Kieu Oanh Phuong", "NGUYEN THI KIEU OANH PHUONG"},
		{"white space collapsed and trimmed", "  Chợ\tBến \n Thành  ", "Cho Ben Thanh", "CHO BEN THANH"},
		{"no-break and ideographic spaces", "Chợ\u00a0Lớn\u3000Q5", "Cho Lon Q5", "CHO LON Q5"},
		{"emoji, CJK and control characters dropped", "Cà phê ☕ 咖啡\x00\x7f ngon", "Ca phe ngon", "CA PHE NGON"},
		{"punctuation kept", "HĐ #12/2025 (rau, củ)", "HD #12/2025 (rau, cu)", "HD #12/2025 (RAU, CU)"},
		{"other Latin letters", "Crème brûlée, Ñandú", "Creme brulee, Nandu", "CREME BRULEE, NANDU"},
		{"empty", "", "", ""},
		{"only marks", "\u0301\u0303", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, form := range []norm.Form{norm.NFC, norm.NFD} {
				in := form.String(tt.in)
				if got := Transliterate(in); got != tt.want {
					t.Errorf("Transliterate(%+q) = %q, want %q", in, got, tt.want)
				}
				if got := TransliterateName(in); got != tt.wantName {
					t.Errorf("TransliterateName(%+q) = %q, want %q", in, got, tt.wantName)
				}
			}
		})
	}
}

// TestTransliterateEveryVietnameseLetter goes through every vowel with every
// tone, in both cases and both normal forms.
func TestTransliterateEveryVietnameseLetter(t *testing.T) {
	vowels := map[byte]string{
		'a': "aàáảãạăằắẳẵặâầấẩẫậ", 'e': "eèéẻẽẹêềếểễệ", 'i': "iìíỉĩị",
		'o': "oòóỏõọôồốổỗộơờớởỡợ", 'u': "uùúủũụưừứửữự", 'y': "yỳýỷỹỵ",
	}
	var n int
	for base, letters := range vowels {
		for _, r := range letters {
			for _, c := range []struct {
				r    rune
				want byte
			}{{r, base}, {unicode.ToUpper(r), base - 'a' + 'A'}} {
				for _, form := range []norm.Form{norm.NFC, norm.NFD} {
					s := form.String(string(c.r))
					if got := Transliterate(s); got != string(c.want) {
						t.Errorf("Transliterate(%+q) = %q, want %q", s, got, c.want)
					}
					n++
				}
			}
		}
	}
	if want := (18 + 12 + 6 + 18 + 12 + 6) * 2 * 2; n != want {
		t.Fatalf("checked %d letters, want %d", n, want)
	}
}
