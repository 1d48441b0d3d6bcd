package merchants

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/sapqr/sapqr/qr"
)

// Fold returns s as names are searched: lower-case ASCII without
// diacritics, single spaces ("Nguyễn  Thị Hà" -> "nguyen thi ha"). Stores
// keep it in a column next to the name so search needs no diacritics.
func Fold(s string) string {
	return strings.ToLower(qr.Transliterate(s))
}

// cleanText returns s NFC-normalised with its white space collapsed to
// single spaces and trimmed.
func cleanText(s string) string {
	return strings.Join(strings.Fields(norm.NFC.String(s)), " ")
}

// checkText cleans a free-text field and reports whether it is required,
// too long or holds invalid UTF-8 or control characters.
func checkText(p *problems, field, s string, required bool, maxRunes int) string {
	if !utf8.ValidString(s) {
		p.add(field, "is not valid UTF-8 text")
		return ""
	}
	for _, r := range s {
		if unicode.IsControl(r) && !unicode.IsSpace(r) {
			p.add(field, "must not contain control characters")
			return ""
		}
	}
	s = cleanText(s)
	switch {
	case s == "" && required:
		p.add(field, "is required")
	case utf8.RuneCountInString(s) > maxRunes:
		p.add(field, fmt.Sprintf("is longer than %d characters", maxRunes))
	}
	return s
}

// checkSignText cleans a name a stall sign prints (a vendor's full name, a
// market's name) like checkText and checks it with the printer's own rule
// (qr.CheckPrintable): every character one the sign font draws, no
// control, format or bidirectional control character, at most maxRunes
// characters (a qr.MaxSign limit). A name the sign cannot print is a
// field error naming the character, so it is never stored.
func checkSignText(p *problems, field, s string, required bool, maxRunes int) string {
	n := len(*p)
	s = checkText(p, field, s, required, maxRunes)
	if len(*p) == n {
		checkPrintable(p, field, s, maxRunes)
	}
	return s
}

// checkVendorName checks a vendor's full name, which the sign prints:
// required, at most qr.MaxSignVendor characters, printable.
func checkVendorName(p *problems, field, s string) string {
	return checkSignText(p, field, s, true, qr.MaxSignVendor)
}

// checkMarketName checks a market's name, which the sign prints:
// required, at most qr.MaxSignMarket characters, printable.
func checkMarketName(p *problems, field, s string) string {
	return checkSignText(p, field, s, true, qr.MaxSignMarket)
}

// checkPrintable reports, under field, why a stall sign cannot print the
// cleaned text s, if it cannot.
func checkPrintable(p *problems, field, s string, maxRunes int) {
	if err := qr.CheckPrintable(s, maxRunes); err != nil {
		p.add(field, err.Error())
	}
}

// mobilePrefixes are the Vietnamese mobile prefixes in use since the 2018
// move to ten-digit numbers (Viettel, VinaPhone, MobiFone, Vietnamobile,
// Gmobile, Itelecom, Reddi), space-separated.
const mobilePrefixes = "032 033 034 035 036 037 038 039 052 055 056 058 059 070 076 077 078 079 " +
	"081 082 083 084 085 086 087 088 089 090 091 092 093 094 096 097 098 099"

// NormalizePhone returns a Vietnamese mobile number as ten digits starting
// with 0: spaces, dots, dashes and brackets are ignored and a +84 or 84
// country prefix becomes 0. It returns an error saying what is wrong when
// the number is not a Vietnamese mobile number.
func NormalizePhone(s string) (string, error) {
	var b strings.Builder
	for i, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
		case r == ' ' || r == '.' || r == '-' || r == '(' || r == ')':
		default:
			return "", fmt.Errorf("must be a Vietnamese mobile number such as 0912345678; %q is not allowed", r)
		}
	}
	d := b.String()
	switch {
	case strings.HasPrefix(d, "84") && len(d) == 11:
		d = "0" + d[2:]
	case strings.HasPrefix(d, "0") && len(d) == 10:
	case len(d) == 9 && d[0] != '0':
		d = "0" + d
	default:
		return "", fmt.Errorf("must be a Vietnamese mobile number of ten digits such as 0912345678 (or +84 912345678)")
	}
	if strings.Contains(mobilePrefixes, d[:3]+" ") || strings.HasSuffix(mobilePrefixes, d[:3]) {
		return d, nil
	}
	return "", fmt.Errorf("%s… is not a Vietnamese mobile prefix (03x, 05x, 07x, 08x, 09x)", d[:3])
}

// holderName returns a holder name as VietQR carries it: upper-case ASCII
// without diacritics, single spaces.
func holderName(s string) string { return qr.TransliterateName(s) }

// checkHolderName cleans and checks a bank account holder name. What was
// typed must hold only characters a sign prints (qr.CheckPrintable: a
// control or format character is refused, not silently dropped), and the
// name as VietQR carries it, which the sign prints, at most
// qr.MaxSignHolder characters.
func checkHolderName(p *problems, field, s string) string {
	if !utf8.ValidString(s) {
		p.add(field, "is not valid UTF-8 text")
		return ""
	}
	if err := qr.CheckPrintable(cleanText(s), 0); err != nil {
		p.add(field, err.Error())
		return ""
	}
	h := holderName(s)
	switch {
	case h == "":
		p.add(field, "is required: the name the vendor's bank app shows for the account")
	case len(h) > qr.MaxSignHolder:
		p.add(field, fmt.Sprintf("is longer than %d characters", qr.MaxSignHolder))
	default:
		for _, r := range h {
			if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == ' ' || r == '.' || r == '-' || r == '&' || r == ',' || r == '\'') {
				p.add(field, fmt.Sprintf("may hold only letters, digits, spaces and . - & , ' (found %q)", r))
				break
			}
		}
	}
	return h
}

// checkAccountNumber cleans and checks a bank account number: spaces,
// dots and dashes are dropped; 1–19 digits or letters remain, upper-cased.
func checkAccountNumber(p *problems, field, s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9', r >= 'A' && r <= 'Z':
			b.WriteRune(r)
		case r >= 'a' && r <= 'z':
			b.WriteRune(r - 'a' + 'A')
		case r == ' ' || r == '.' || r == '-':
		default:
			p.add(field, fmt.Sprintf("may hold only digits and letters (found %q)", r))
			return ""
		}
	}
	n := b.String()
	switch {
	case n == "":
		p.add(field, "is required")
	case len(n) > 19:
		p.add(field, "is longer than 19 characters, the VietQR limit")
	}
	return n
}

// checkCode checks a short code (stall code, market code) like free text
// of at most maxLen characters, and upper-cases it.
func checkCode(p *problems, field, s string, required bool, maxLen int) string {
	s = checkText(p, field, s, required, maxLen)
	return strings.ToUpper(s)
}

// StallCodeSeparators separate the codes of a vendor's stalls in one
// spreadsheet cell ("A-1, A-2"), so no stall code may hold them.
const StallCodeSeparators = ",;"

// checkStallCode checks a stall code: required, at most qr.MaxSignStall
// characters, upper-cased, without StallCodeSeparators, and printable on
// a sign once upper-cased (qr.CheckPrintable).
func checkStallCode(p *problems, field, s string) string {
	n := len(*p)
	code := checkCode(p, field, s, true, qr.MaxSignStall)
	if strings.ContainsAny(code, StallCodeSeparators) {
		p.add(field, "must not contain ',' or ';' (they separate the stalls of one vendor in spreadsheets)")
		return ""
	}
	if len(*p) == n {
		checkPrintable(p, field, code, qr.MaxSignStall)
	}
	return code
}

// checkUnitCode checks the shape of an administrative unit code: digits.
func checkUnitCode(p *problems, field, s string, required bool) string {
	s = strings.TrimSpace(s)
	if s == "" {
		if required {
			p.add(field, "is required")
		}
		return ""
	}
	if len(s) > 10 || strings.Trim(s, "0123456789") != "" {
		p.add(field, "must be an official unit code (digits only, e.g. 00004)")
		return ""
	}
	return s
}
