package qr

import (
	"errors"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// vietnameseLetters is every Vietnamese letter, composed (NFC): the twelve
// vowels with each of the six tones, and đ; lower case, then upper case.
const vietnameseLetters = "aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵđ" +
	"AÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬEÈÉẺẼẸÊỀẾỂỄỆIÌÍỈĨỊOÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢUÙÚỦŨỤƯỪỨỬỮỰYỲÝỶỸỴĐ"

func TestSignRunes(t *testing.T) {
	runes := SignRunes()
	// 95 printable ASCII, 95 of Latin-1 (U+00A0–U+00FF but the soft
	// hyphen), 90 of U+1EA0–U+1EF9, 12 further Vietnamese letters, 10
	// punctuation marks and currency signs.
	if want := 95 + 95 + 90 + 12 + 10; len(runes) != want {
		t.Errorf("SignRunes has %d characters, want %d", len(runes), want)
	}
	for i, r := range runes {
		if i > 0 && runes[i-1] >= r {
			t.Errorf("SignRunes not ascending at %U", r)
		}
		if !Printable(r) {
			t.Errorf("SignRunes holds %U, which Printable refuses", r)
		}
		if unicode.In(r, unicode.Cc, unicode.Cf, unicode.Bidi_Control, unicode.M) {
			t.Errorf("SignRunes holds %U, a control, format or combining character", r)
		}
	}
	for _, r := range vietnameseLetters {
		if !Printable(r) {
			t.Errorf("Printable refuses the Vietnamese letter %q (%U)", r, r)
		}
	}
}

func TestCheckPrintable(t *testing.T) {
	tests := []struct {
		name    string
		s       string
		max     int
		wantErr string // "" when s prints
	}{
		{"every Vietnamese letter", vietnameseLetters, 0, ""},
		{"a vendor's name", "Tôn Nữ Thị Hoàng Phượng", MaxSignVendor, ""},
		{"a stall code", "KHU-B/12", MaxSignStall, ""},
		{"punctuation and the đồng sign", "Bánh mì “Ngon” – 20.000₫…", 0, ""},
		{"at the limit", strings.Repeat("Ư", MaxSignVendor), MaxSignVendor, ""},
		{"one over the limit", strings.Repeat("Ư", MaxSignVendor+1), MaxSignVendor, "is 61 characters long; a sign prints at most 60"},
		{"right-to-left override", "Nguyễn\u202EaH", MaxSignVendor, "character U+202E (RIGHT-TO-LEFT OVERRIDE) cannot be printed on a sign"},
		{"left-to-right mark", "A\u200E12", MaxSignStall, "character U+200E (LEFT-TO-RIGHT MARK) cannot be printed on a sign"},
		{"zero-width space", "Hà\u200BNội", 0, "character U+200B (ZERO WIDTH SPACE) cannot be printed on a sign"},
		{"zero-width joiner", "Hà\u200DNội", 0, "character U+200D (ZERO WIDTH JOINER) cannot be printed on a sign"},
		{"byte order mark", "\uFEFFChợ Lớn", 0, "character U+FEFF (ZERO WIDTH NO-BREAK SPACE) cannot be printed on a sign"},
		{"soft hyphen", "Phượng\u00ADQuỳnh", 0, "character U+00AD (SOFT HYPHEN) cannot be printed on a sign"},
		{"Chinese", "Lý 李", 0, `character U+674E ('李') cannot be printed on a sign`},
		{"Cyrillic", "Банк", 0, "character U+0411 (CYRILLIC CAPITAL LETTER BE) cannot be printed on a sign"},
		{"emoji", "Chợ 🍜", 0, "character U+1F35C (STEAMING BOWL) cannot be printed on a sign"},
		{"a combining mark NFC leaves alone", "Ha\u0308", 0, "character U+0308 (COMBINING DIAERESIS) cannot be printed on a sign"},
		{"a control character", "A\a1", 0, "character U+0007 (a control character) cannot be printed on a sign"},
		{"invalid UTF-8", "Ch\xffo", 0, "character U+FFFD (REPLACEMENT CHARACTER, or invalid UTF-8) cannot be printed on a sign"},
		{"a bad character beats the length", strings.Repeat("a", 70) + "\u202E", MaxSignVendor, "U+202E"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckPrintable(tt.s, tt.max)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("CheckPrintable(%q) = %v, want nil", tt.s, err)
				}
				return
			}
			var pe *PrintError
			if !errors.As(err, &pe) {
				t.Fatalf("CheckPrintable(%q) = %v, want a *PrintError", tt.s, err)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("CheckPrintable(%q) = %q, want %q", tt.s, err, tt.wantErr)
			}
			if pe.Rune != 0 {
				if r, _ := utf8.DecodeRuneInString(tt.s[pe.Offset:]); r != pe.Rune {
					t.Errorf("Offset %d holds %U, not the Rune %U", pe.Offset, r, pe.Rune)
				}
			}
		})
	}
}
