package qr

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/runenames"
)

// The longest text, in characters, of each name a stall sign prints: the
// longest allowed text still fits its block of the sign layout at the
// smallest font size (printables tests it with the widest letters).
// Inputs are checked against them with CheckPrintable before they are
// stored, so that every stored name prints.
const (
	MaxSignMarket = 80 // market name
	MaxSignStall  = 16 // stall code
	MaxSignVendor = 60 // vendor's full name
	MaxSignHolder = 50 // account holder name, as the bank shows it
	MaxSignBank   = 90 // bank short and full name, from the bank directory
)

// signExtra are the characters beyond ASCII and Latin-1 a stall sign
// prints: the Vietnamese letters outside the Latin Extended Additional
// block (U+1EA0–U+1EF9, printed too), dashes, quotes, the bullet, the
// ellipsis and the đồng and euro signs.
const signExtra = "ĂăĐđĨĩŨũƠơƯư–—‘’“”•…₫€"

// Printable reports whether a stall sign can print r: printable ASCII,
// Latin-1 but for the invisible soft hyphen, Vietnamese letters (composed,
// as NFC leaves them) and a little punctuation. These are characters the
// embedded sign font (Noto Sans, regular and bold) draws; printables
// tests that it draws every one. No control, format or bidirectional
// control character (Unicode Cc, Cf, Bidi_Control) and no combining mark
// is printable: nothing on a sign shapes or reorders text.
func Printable(r rune) bool {
	switch {
	case r >= 0x20 && r <= 0x7E:
		return true
	case r >= 0xA0 && r <= 0xFF:
		return r != 0xAD // soft hyphen: invisible, never typed on purpose
	case r >= 0x1EA0 && r <= 0x1EF9:
		return true
	}
	return r > 0xFF && strings.ContainsRune(signExtra, r)
}

// SignRunes returns every character Printable accepts, in ascending
// order, in a new slice.
func SignRunes() []rune {
	var all []rune
	for r := rune(0x20); r <= 0xFF; r++ {
		if Printable(r) {
			all = append(all, r)
		}
	}
	for r := rune(0x1EA0); r <= 0x1EF9; r++ {
		all = append(all, r)
	}
	all = append(all, []rune(signExtra)...)
	slices.Sort(all)
	return all
}

// CheckPrintable reports whether a stall sign can print s: every
// character Printable and, when maxRunes > 0, at most maxRunes characters
// (the limits are the MaxSign constants). It checks s as given; callers
// normalise it to NFC first, as signs print it.
//
// It returns a *PrintError naming the first character no sign can print
// (invalid UTF-8 reads as U+FFFD), or else the length when s is too long.
func CheckPrintable(s string, maxRunes int) error {
	n := 0
	for i, r := range s {
		if !Printable(r) {
			return &PrintError{Rune: r, Offset: i}
		}
		n++
	}
	if maxRunes > 0 && n > maxRunes {
		return &PrintError{Length: n, Max: maxRunes}
	}
	return nil
}

// PrintError is a text a stall sign cannot print: either it holds a
// character no sign prints (Rune, at byte Offset), or it is longer than
// the layout fits (Length characters, Max allowed; Rune is then 0).
type PrintError struct {
	Rune   rune
	Offset int
	Length int
	Max    int
}

// Error names the character, by code point and Unicode name, e.g.
// "character U+202E (RIGHT-TO-LEFT OVERRIDE) cannot be printed on a
// sign", or gives the length: "is 61 characters long; a sign prints at
// most 60".
func (e *PrintError) Error() string {
	if e.Rune == 0 && e.Max > 0 {
		return fmt.Sprintf("is %d characters long; a sign prints at most %d", e.Length, e.Max)
	}
	return fmt.Sprintf("character %U (%s) cannot be printed on a sign", e.Rune, runeName(e.Rune))
}

// runeName returns r's Unicode name, or what stands in for it when the
// Unicode data gives only a class ("<control>", "<CJK Ideograph>").
func runeName(r rune) string {
	name := runenames.Name(r)
	switch {
	case r == utf8.RuneError:
		return "REPLACEMENT CHARACTER, or invalid UTF-8"
	case name != "" && name[0] != '<':
		return name
	case unicode.IsControl(r):
		return "a control character"
	case unicode.IsGraphic(r):
		return strconv.QuoteRune(r)
	}
	return "an unassigned or private-use code point"
}
