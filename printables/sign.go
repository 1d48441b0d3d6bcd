package printables

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sapqr/sapqr/qr"
	"golang.org/x/text/unicode/norm"
)

// Sign is what one printed stall sign shows and encodes. It is filled by
// the caller from whatever it stores; printables never sees a database row.
//
// Text fields are NFC-normalised and trimmed; otherwise they are printed
// exactly as given (the vendor's name keeps its case and diacritics).
type Sign struct {
	Market string // market name, e.g. "Chợ Bộc Bố"; required
	Stall  string // stall code, e.g. "A-12"; required
	Vendor string // vendor name as typed, e.g. "Nguyễn Thị Hà"; required unless Purpose is set

	// BankShort and BankName are the bank's short and full names. When
	// empty they come from the bank directory by BIN.
	BIN       string // 6-digit bank BIN; required, must be in the bank directory
	BankShort string
	BankName  string

	Account string // full account number; encoded in full, printed masked
	Holder  string // account holder as the bank shows it: upper-case ASCII, e.g. "NGUYEN THI HA"

	// Purpose turns the sign into a market-fee sign: the account is the
	// market board's, and the code pre-fills this transfer purpose
	// (VietQR tag 62/08, ≤25 characters, ASCII), e.g. "PHI CHO A12".
	Purpose string

	Version int       // sign version, ≥1, printed in the footer so an outdated sign is recognised
	Printed time.Time // print date, printed in the footer; also the PDF's creation date
}

// Fee reports whether s is a market-fee sign.
func (s Sign) Fee() bool { return s.Purpose != "" }

// Size is the paper size of one sign, portrait.
type Size int

// The sign sizes. The zero value is A6.
const (
	SizeA6 Size = iota
	SizeA5
	SizeA4
)

// String returns the size's name as ParseSize accepts it.
func (z Size) String() string {
	switch z {
	case SizeA6:
		return "a6"
	case SizeA5:
		return "a5"
	case SizeA4:
		return "a4"
	}
	return fmt.Sprintf("Size(%d)", int(z))
}

// ParseSize reads "a6", "a5" or "a4" (any case). It returns a *FieldError
// for anything else.
func ParseSize(s string) (Size, error) {
	for _, z := range []Size{SizeA6, SizeA5, SizeA4} {
		if strings.EqualFold(s, z.String()) {
			return z, nil
		}
	}
	return 0, &FieldError{Field: "size", Message: fmt.Sprintf("%q is not a sign size; want a6, a5 or a4", s)}
}

// dims returns the width and height of a sign of size z in millimetres.
func (z Size) dims() (w, h float64) {
	switch z {
	case SizeA5:
		return 148, 210
	case SizeA4:
		return 210, 297
	}
	return baseWidth, baseHeight
}

// Sheet says how signs are placed on paper.
type Sheet int

// The sheet layouts. The zero value prints one sign per page of its own size.
const (
	SheetNone Sheet = iota
	SheetA4x2       // two A5 signs side by side on landscape A4, with cut marks
	SheetA4x4       // four A6 signs on portrait A4, with cut marks
)

// String returns the sheet's name as ParseSheet accepts it.
func (t Sheet) String() string {
	switch t {
	case SheetNone:
		return "none"
	case SheetA4x2:
		return "a4-2up"
	case SheetA4x4:
		return "a4-4up"
	}
	return fmt.Sprintf("Sheet(%d)", int(t))
}

// ParseSheet reads "none" (or ""), "a4-2up" or "a4-4up" (any case). It
// returns a *FieldError for anything else.
func ParseSheet(s string) (Sheet, error) {
	if s == "" {
		return SheetNone, nil
	}
	for _, t := range []Sheet{SheetNone, SheetA4x2, SheetA4x4} {
		if strings.EqualFold(s, t.String()) {
			return t, nil
		}
	}
	return 0, &FieldError{Field: "sheet", Message: fmt.Sprintf("%q is not a sheet layout; want none, a4-2up or a4-4up", s)}
}

// Options are the print settings shared by every sign of a document.
type Options struct {
	// Size is the size of each sign. With a Sheet it must be left zero or
	// match the sheet (A5 for a4-2up, A6 for a4-4up).
	Size  Size
	Sheet Sheet
	// VisibleDigits is how many trailing account digits stay readable;
	// 0 means 4.
	VisibleDigits int
}

// normalized checks o and returns it with the sheet's sign size filled in
// and defaults applied. It returns a *FieldError naming the bad option.
func (o Options) normalized() (Options, error) {
	switch o.Size {
	case SizeA6, SizeA5, SizeA4:
	default:
		return o, &FieldError{Field: "size", Message: fmt.Sprintf("%v is not a sign size; want a6, a5 or a4", o.Size)}
	}
	var want Size
	switch o.Sheet {
	case SheetNone:
		want = o.Size
	case SheetA4x2:
		want = SizeA5
	case SheetA4x4:
		want = SizeA6
	default:
		return o, &FieldError{Field: "sheet", Message: fmt.Sprintf("%v is not a sheet layout; want none, a4-2up or a4-4up", o.Sheet)}
	}
	// Size's zero value is A6, so only a different explicit size conflicts.
	if o.Size != want && o.Size != SizeA6 {
		return o, &FieldError{Field: "size", Message: fmt.Sprintf("sheet %v holds %v signs, not %v", o.Sheet, want, o.Size)}
	}
	o.Size = want
	if o.VisibleDigits == 0 {
		o.VisibleDigits = defaultVisibleDigits
	}
	if o.VisibleDigits < 0 || o.VisibleDigits > 8 {
		return o, &FieldError{Field: "visible digits", Message: fmt.Sprintf("%d: want 1 to 8 trailing digits left visible", o.VisibleDigits)}
	}
	return o, nil
}

// FieldError reports a Sign field or option that cannot be printed: which
// field and why.
type FieldError struct {
	Field   string // Sign field ("Vendor", "Holder", …) or option ("size", "sheet")
	Message string
}

func (e *FieldError) Error() string { return "printables: " + e.Field + ": " + e.Message }

// ErrSelfCheck is wrapped by the error returned when the payload about to
// be drawn does not decode back to the sign's bank, account, holder and
// purpose. It means a bug, not bad input: no PDF is produced.
var ErrSelfCheck = errors.New("printables: payload self-check failed")

// normalize returns s with its text NFC-normalised and trimmed.
func normalize(s Sign) Sign {
	for _, f := range []*string{&s.Market, &s.Stall, &s.Vendor, &s.BIN, &s.BankShort, &s.BankName, &s.Account, &s.Holder, &s.Purpose} {
		*f = norm.NFC.String(strings.TrimSpace(*f))
	}
	return s
}

// validate checks a normalised sign and fills in the bank names from the
// directory. Every problem is a *FieldError or a *GlyphError; several are
// joined.
func validate(s Sign) (Sign, error) {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, &FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	// text checks v with the rule the domain checks its inputs with.
	text := func(field, v string, required bool, max int) {
		if v == "" && required {
			bad(field, "required")
			return
		}
		var pe *qr.PrintError
		switch err := qr.CheckPrintable(v, max); {
		case err == nil:
		case errors.As(err, &pe) && pe.Rune == 0 && pe.Max > 0:
			bad(field, "%d characters; at most %d fit on a sign", pe.Length, pe.Max)
		case errors.As(err, &pe):
			errs = append(errs, &GlyphError{Field: field, Rune: pe.Rune})
		default:
			errs = append(errs, err)
		}
	}
	text("Market", s.Market, true, maxMarketRunes)
	text("Stall", s.Stall, true, maxStallRunes)
	text("Vendor", s.Vendor, !s.Fee(), maxVendorRunes)

	if bank, ok := qr.BankByBIN(s.BIN); !ok {
		bad("BIN", "%q is not in the bank directory; want the bank's 6-digit BIN, e.g. 970436", s.BIN)
	} else if bank.Deprecated {
		bad("BIN", "%s is a deprecated BIN for %s that bank apps no longer route: %s", s.BIN, bank.ShortName, bank.Note)
	} else {
		if s.BankShort == "" {
			s.BankShort = bank.ShortName
		}
		if s.BankName == "" {
			s.BankName = bank.Name
		}
		text("BankShort", s.BankShort, true, maxBankRunes)
		text("BankName", s.BankName, false, maxBankRunes)
	}

	switch {
	case s.Account == "":
		bad("Account", "required")
	case len(s.Account) > 19 || strings.TrimFunc(s.Account, isAlnum) != "":
		bad("Account", "%q: want 1 to 19 letters or digits, without spaces or dashes", s.Account)
	}
	switch {
	case s.Holder == "":
		bad("Holder", "required: the account holder's name as the bank shows it, e.g. NGUYEN THI HA")
	case utf8.RuneCountInString(s.Holder) > maxHolderRunes:
		bad("Holder", "%d characters; at most %d", utf8.RuneCountInString(s.Holder), maxHolderRunes)
	case !upperASCII(s.Holder):
		bad("Holder", "%q: want upper-case ASCII as the bank shows it, e.g. %q", s.Holder, qr.TransliterateName(s.Holder))
	}
	if s.Fee() {
		if utf8.RuneCountInString(s.Purpose) > maxPurposeRunes || !printableASCII(s.Purpose) {
			bad("Purpose", "%q: want at most %d ASCII characters, e.g. %q", s.Purpose, maxPurposeRunes, "PHI CHO A12")
		}
	}
	if s.Version < 1 {
		bad("Version", "%d: want 1 or more", s.Version)
	}
	if s.Printed.IsZero() {
		bad("Printed", "required: the print date shown in the footer")
	}
	return s, errors.Join(errs...)
}

// upperASCII reports whether s holds only A–Z, digits, spaces and the
// punctuation banks print in names.
func upperASCII(s string) bool {
	for _, c := range []byte(s) {
		switch {
		case c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == ' ', c == '.', c == '-', c == '\'', c == ',', c == '&', c == '(', c == ')', c == '/':
		default:
			return false
		}
	}
	return true
}

func isAlnum(r rune) bool {
	return r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z'
}

func printableASCII(s string) bool {
	for _, c := range []byte(s) {
		if c < 0x20 || c > 0x7E {
			return false
		}
	}
	return true
}

// payloadFor builds the static VietQR payload for a validated sign, by
// the one rule for stall signs (qr.StallSign): the holder name goes in
// tag 59 when it fits the 25-character limit.
func payloadFor(s Sign) qr.Payload {
	return qr.StallSign(s.BIN, s.Account, s.Holder, s.Purpose)
}

// encode returns the payload string for p after proving it decodes back to
// p, as qr.EncodeVerified does: valid, static, same BIN, account, name
// and purpose. A payload that fails is never drawn; the error wraps
// ErrSelfCheck.
func encode(p qr.Payload) (string, error) {
	text, err := qr.Encode(p)
	if err != nil {
		return "", fmt.Errorf("printables: building the VietQR payload: %w", err)
	}
	if err := selfCheck(text, p); err != nil {
		return "", err
	}
	return text, nil
}

// selfCheck decodes text and compares it with the fields it must carry
// (qr.Verify); the error wraps ErrSelfCheck.
func selfCheck(text string, want qr.Payload) error {
	if err := qr.Verify(text, want); err != nil {
		return fmt.Errorf("%w: %w", ErrSelfCheck, err)
	}
	return nil
}
