package qr

import (
	"strings"
	"unicode/utf8"
)

// MaskRune replaces the hidden characters of a masked account number.
const MaskRune = '•' // U+2022 BULLET

// MaskAccount hides all but the last visible characters of an account
// number behind MaskRune: ("0011001234567", 4) -> "•••••••••4567". It
// never shows more than half of the characters, so a short account is
// never printed whole; visible < 0 counts as 0.
func MaskAccount(account string, visible int) string {
	n := utf8.RuneCountInString(account)
	visible = max(0, min(visible, n/2))
	var b strings.Builder
	b.Grow(len(account) + (n-visible)*(utf8.RuneLen(MaskRune)-1))
	i := 0
	for _, r := range account {
		if i < n-visible {
			r = MaskRune
		}
		b.WriteRune(r)
		i++
	}
	return b.String()
}
