package qr

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Errors Decode wraps; test for them with errors.Is.
var (
	// ErrCRC: the CRC (tag 63) is missing, not 4 hex digits, or does not
	// match the payload.
	ErrCRC = errors.New("crc")
	// ErrTLV: the payload is not a well-formed sequence of data objects
	// (non-numeric ID or length, value running past the end, duplicates).
	ErrTLV = errors.New("tlv")
	// ErrNotVietQR: the payload is a well-formed EMVCo code but carries no
	// NAPAS VietQR account (tag 38 with GUID A000000727).
	ErrNotVietQR = errors.New("not a VietQR payload")
)

// Decoded is what Decode read from a payload. Its JSON form is the line
// `sapqr qr decode` prints.
type Decoded struct {
	Valid    bool     `json:"valid"`
	CRCValid bool     `json:"crc_valid"`
	Error    string   `json:"error,omitempty"`
	Warnings []string `json:"warnings"` // never nil

	InitMethod string  `json:"init_method"` // tag 01 as written: "11" static, "12" dynamic
	BIN        string  `json:"bin"`
	Bank       *string `json:"bank"` // short name from the bank directory, nil when unknown
	Account    string  `json:"account"`
	Service    string  `json:"service"` // QRIBFTTA when the code leaves it out
	Amount     *string `json:"amount"`  // tag 54 exactly as written, nil when absent
	Currency   string  `json:"currency"`
	Country    string  `json:"country"`
	Name       string  `json:"name"`
	City       string  `json:"city"`
	Purpose    string  `json:"purpose"` // 62/08
	Bill       string  `json:"bill"`    // 62/01

	MCC   string `json:"-"` // tag 52
	Store string `json:"-"` // 62/03
	Extra []Tag  `json:"-"` // root tags not read into the fields above, in payload order
}

// Decode reads a VietQR payload leniently: lower-case CRC, zero-length
// tags, unknown tags, any tag order, wallet templates before 38, lengths
// counted in UTF-8 bytes, a service code nested in 38/01 and other
// deviations real bank apps print are accepted and each one is reported in
// Decoded.Warnings.
//
// The error is non-nil exactly when Decoded.Valid is false, and then
// Decoded.Error is its text. It wraps ErrCRC (with the expected and the
// found value), ErrTLV (with the offset) or ErrNotVietQR (naming VNPAY-QR
// and other schemes it recognises). A code whose only fault is its CRC
// still has its fields filled in.
func Decode(payload string) (Decoded, error) {
	d := Decoded{Warnings: []string{}}
	err := d.decode(payload)
	if err != nil {
		d.Error = err.Error()
		return d, err
	}
	d.Valid = true
	return d, nil
}

func (d *Decoded) warn(format string, args ...any) {
	d.Warnings = append(d.Warnings, fmt.Sprintf(format, args...))
}

func (d *Decoded) decode(payload string) error {
	s := strings.TrimSpace(payload)
	if len(s) != len(payload) {
		d.warn("white space around the payload ignored")
	}
	ascii, crcErr := d.checkCRC(s)
	if !ascii && !utf8.ValidString(s) {
		return fmt.Errorf("%w: payload is not valid UTF-8", ErrTLV)
	}

	// What a broken structure seemed to say is not reported: on ErrTLV
	// only the CRC verdict and the warnings so far remain.
	crcValid, nWarn := d.CRCValid, len(d.Warnings)
	err := d.fill(s, !ascii)
	if !ascii && errors.Is(err, ErrTLV) {
		// Some encoders count lengths in UTF-8 bytes, not characters
		// as the spec says (SPEC-NOTES §9.3).
		alt := Decoded{CRCValid: crcValid, Warnings: slices.Clone(d.Warnings[:nWarn])}
		if altErr := alt.fill(s, false); !errors.Is(altErr, ErrTLV) {
			alt.warn("lengths count UTF-8 bytes, not characters as the spec says")
			*d, err = alt, altErr
		}
	}
	if errors.Is(err, ErrTLV) {
		*d = Decoded{CRCValid: crcValid, Warnings: d.Warnings[:nWarn]}
	}
	switch {
	case crcErr != nil && err != nil:
		return fmt.Errorf("%w; %w", crcErr, err)
	case crcErr != nil:
		return crcErr
	}
	return err
}

// checkCRC verifies the final 6304XXXX against the CRC of everything before
// its four hex digits, case-insensitively. It also reports whether s is
// all ASCII, which decides how lengths are counted.
func (d *Decoded) checkCRC(s string) (ascii bool, err error) {
	if len(s) < 8 || s[len(s)-8:len(s)-4] != "6304" {
		return isASCII(s), fmt.Errorf("%w: missing; a VietQR payload ends with 6304 and 4 hex digits", ErrCRC)
	}
	found := s[len(s)-4:]
	want, ascii := crc16ASCII(s[:len(s)-4])
	ascii = ascii && isASCII(found)
	got, ok := parseHex16(found)
	switch {
	case !ok:
		return ascii, fmt.Errorf("%w: expected %04X, found %q (not 4 hex digits)", ErrCRC, want, found)
	case got != want:
		return ascii, fmt.Errorf("%w: expected %04X, found %s", ErrCRC, want, found)
	}
	d.CRCValid = true
	for i := 0; i < len(found); i++ {
		if found[i] >= 'a' {
			d.warn("crc: lower-case hex digits %s", found)
			break
		}
	}
	return ascii, nil
}

func parseHex16(s string) (uint16, bool) {
	var v uint16
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		default:
			return 0, false
		}
		v = v<<4 | uint16(c)
	}
	return v, len(s) == 4
}

func isASCII(s string) bool {
	var high byte // OR of every byte: its top bit says "not ASCII"
	for ; len(s) >= 8; s = s[8:] {
		high |= s[0] | s[1] | s[2] | s[3] | s[4] | s[5] | s[6] | s[7]
	}
	for i := 0; i < len(s); i++ {
		high |= s[i]
	}
	return high < utf8.RuneSelf
}
