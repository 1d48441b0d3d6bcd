package qr

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// TransliterateName returns s as VietQR wants a holder name (tag 59):
// printable ASCII in upper case, "Nguyễn Thị Hà" -> "NGUYEN THI HA".
// It follows the rules of Transliterate.
func TransliterateName(s string) string {
	return string(appendASCII(nil, s, true))
}

// Transliterate returns s in printable ASCII, keeping its case, for the
// VietQR fields the spec restricts to ASCII (city, purpose, bill number):
// "Thanh toán hàng" -> "Thanh toan hang".
//
// Letters lose every tone and vowel mark whether s is composed (NFC) or
// decomposed (NFD); đ/Đ become d/D (Unicode gives them no decomposition,
// so they are mapped explicitly); every run of white space becomes one
// space and leading or trailing space is dropped; whatever has no ASCII
// letter underneath (emoji, CJK, control characters) is left out.
func Transliterate(s string) string {
	return string(appendASCII(nil, s, false))
}

// appendASCII appends the transliteration of s to dst; upper folds ASCII
// letters to upper case. The encoder writes through it straight into the
// payload buffer, so transliterating costs no allocation there.
func appendASCII(dst []byte, s string, upper bool) []byte {
	start := len(dst)
	space := false // a space is owed, written only before the next kept byte
	for i := 0; i < len(s); {
		var out byte
		if c := s[i]; c < utf8.RuneSelf {
			i++
			switch {
			case c == ' ', c == '\t', c == '\n', c == '\r', c == '\v', c == '\f':
				space = true
				continue
			case c < 0x20 || c == 0x7F:
				continue
			}
			out = c
		} else {
			r, n := utf8.DecodeRuneInString(s[i:])
			out = asciiBase(r, s[i:])
			i += n
			if out == 0 {
				if unicode.IsSpace(r) {
					space = true
				}
				continue
			}
		}
		if upper && 'a' <= out && out <= 'z' {
			out -= 'a' - 'A'
		}
		if space && len(dst) > start {
			dst = append(dst, ' ')
		}
		space = false
		dst = append(dst, out)
	}
	return dst
}

// asciiBase returns the ASCII letter under the non-ASCII rune r, which
// starts s, or 0 when there is none (combining marks included: they
// belong to the letter before them, already written).
func asciiBase(r rune, s string) byte {
	switch r {
	case 'đ', 'ð': // ð/Ð (eth) are frequent stand-ins for đ/Đ
		return 'd'
	case 'Đ', 'Ð':
		return 'D'
	}
	d := norm.NFD.PropertiesString(s).Decomposition()
	if len(d) > 0 && d[0] > ' ' && d[0] < 0x7F {
		return d[0]
	}
	return 0
}
