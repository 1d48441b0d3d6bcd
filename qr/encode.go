package qr

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
)

// Service is the NAPAS service code carried in tag 38/02.
type Service string

// The service codes the encoder emits.
const (
	// ServiceAccount is a NAPAS247 transfer to a bank account.
	ServiceAccount Service = "QRIBFTTA"
	// ServiceCard is a NAPAS247 transfer to a card number.
	ServiceCard Service = "QRIBFTTC"
	// ServicePush is a NAPAS merchant (push) payment, where Account holds
	// the merchant ID the acquiring bank issued.
	ServicePush Service = "QRPUSH"
)

// Payload is what to encode. Amount 0 gives a static code (010211, what a
// stall sign uses); Amount > 0 a dynamic one (010212).
type Payload struct {
	BIN     string  // acquirer / beneficiary bank BIN (tag 38/01/00), 6 digits, in the bank directory
	Account string  // account or card number (38/01/01), 1–19 of [0-9A-Za-z]
	Service Service // 38/02; empty means ServiceAccount
	Amount  int64   // integer đồng (tag 54); 0 means the payer types it

	// Free text, which may be Vietnamese: it is transliterated to ASCII
	// as the spec demands (Name also upper-cased) and checked afterwards.
	Name    string // holder or merchant name (59), ≤25
	City    string // merchant city (60), ≤15
	Purpose string // purpose of transaction (62/08), ≤25
	Bill    string // bill number (62/01), ≤25
	Store   string // store label (62/03), ≤25

	MCC string // merchant category code (52), 4 digits, optional

	// Extra holds further root tags as real bank apps print them (for
	// instance Techcombank's zero-length 83 and 84, TPBank's 15 and 87).
	// Values are emitted as given (printable ASCII, ≤99, zero length
	// allowed), in ascending tag order among the others.
	Extra []Tag
}

// Tag is one root data object: a two-digit ID and its raw value.
type Tag struct {
	ID    string
	Value string
}

// FieldError says which Payload field broke which rule.
type FieldError struct {
	Field   string // "bin", "account", "service", "amount", "name", "city", "purpose", "bill", "store", "mcc", "extra", "additional data"
	Message string
}

// Error returns "field: message", e.g. "name: longer than 25 characters
// after transliteration (got 31)".
func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

// Limits from the NAPAS VietQR profile (SPEC-NOTES §2, §3, §5).
const (
	maxAccount  = 19
	maxName     = 25
	maxCity     = 15
	maxSubField = 25 // every 62/xx sub-field
	maxValue    = 99 // any data object, templates included
	maxAmount   = 9_999_999_999_999
	maxNAPAS247 = 500_000_000 // transfers must stay under this (NAPAS-VN §8.1.1)
	guidNAPAS   = "A000000727"
	guidVNPAY   = "A000000775"
	currencyVND = "704"
	countryVN   = "VN"
	// encodeReserve covers everything but the variable values: the fixed
	// objects, every header, a 13-digit amount, the service and the CRC.
	encodeReserve = 128
)

// Encode returns the VietQR payload for p: tags in ascending order,
// 01=12 iff p.Amount > 0, currency 704, country VN and an upper-case CRC.
//
// Encode is strict: it refuses anything the spec or bank apps would
// reject. Every broken rule is reported as a *FieldError; several are
// combined with errors.Join, so errors.As finds the first and
// Unwrap() []error lists them all.
func Encode(p Payload) (string, error) {
	// Typical payloads fit the stack buffer; then the returned string is
	// the only allocation.
	var buf [256]byte
	b, err := AppendEncode(buf[:0], p)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// AppendEncode appends the payload for p to dst and returns the extended
// slice; on error it returns dst unchanged and the errors Encode returns.
func AppendEncode(dst []byte, p Payload) ([]byte, error) {
	start := len(dst)
	dst = reserve(dst, p)
	var errs fieldErrors
	service, extra := checkFixed(p, &errs)

	// One pass: every header is written with a length placeholder where
	// the length is only known after transliteration, then patched.
	dst = append(dst, "000201010211"...)
	if p.Amount > 0 {
		dst[len(dst)-1] = '2'
	}
	dst, extra = appendExtra(dst, extra, 38)
	dst = appendAccount(dst, p.BIN, p.Account, service)
	dst, extra = appendExtra(dst, extra, 52)
	if p.MCC != "" {
		dst = append(dst, "5204"...)
		dst = append(dst, p.MCC...)
	}
	dst = append(dst, "5303"+currencyVND...)
	if p.Amount > 0 {
		dst = append(dst, "54"...)
		dst = appendLen(dst, digits(p.Amount))
		dst = strconv.AppendInt(dst, p.Amount, 10)
	}
	dst, extra = appendExtra(dst, extra, 58)
	dst = append(dst, "5802"+countryVN...)
	dst = appendText(dst, "59", "name", p.Name, true, maxName, &errs)
	dst = appendText(dst, "60", "city", p.City, false, maxCity, &errs)
	dst, extra = appendExtra(dst, extra, 62)
	dst = appendAdditional(dst, p, &errs)
	dst, _ = appendExtra(dst, extra, 100)
	if errs != nil {
		return dst[:start], errors.Join(errs...)
	}
	dst = append(dst, "6304"...)
	return appendCRCHex(dst, crc16(dst[start:])), nil
}

// reserve returns dst with room for the whole payload of p, so that
// AppendEncode allocates at most once however dst was built.
func reserve(dst []byte, p Payload) []byte {
	need := encodeReserve + len(p.BIN) + len(p.Account) + len(p.Name) + len(p.City) +
		len(p.Purpose) + len(p.Bill) + len(p.Store) + len(p.MCC) + 4*len(p.Extra)
	if cap(dst)-len(dst) >= need {
		return dst
	}
	grown := make([]byte, len(dst), len(dst)+need)
	copy(grown, dst)
	return grown
}

// checkFixed checks the fields of p that are written as given (BIN,
// account, service, amount, MCC, extra tags) and returns the service code
// to write and the extra tags in ascending order.
func checkFixed(p Payload, errs *fieldErrors) (Service, []Tag) {
	service := p.Service
	if service == "" {
		service = ServiceAccount
	}
	checkBIN(p.BIN, errs)
	checkAccount(p.Account, errs)
	switch service {
	case ServiceAccount, ServiceCard, ServicePush:
	default:
		errs.add("service", "must be %s (account), %s (card) or %s (merchant), got %q", ServiceAccount, ServiceCard, ServicePush, service)
	}
	switch {
	case p.Amount < 0:
		errs.add("amount", "must not be negative (got %d); 0 makes a static code", p.Amount)
	case p.Amount > maxAmount:
		errs.add("amount", "more than 13 digits (got %d)", p.Amount)
	case p.Amount >= maxNAPAS247 && service != ServicePush:
		errs.add("amount", "NAPAS247 transfers must be under %d đồng (got %d)", maxNAPAS247, p.Amount)
	}
	if p.MCC != "" && (len(p.MCC) != 4 || !allDigits(p.MCC)) {
		errs.add("mcc", "must be 4 digits (got %q)", p.MCC)
	}
	extra := p.Extra
	if len(extra) > 0 {
		extra = checkExtra(extra, errs)
	}
	return service, extra
}

// appendAccount writes tag 38: the NAPAS GUID, the beneficiary (BIN and
// account, 38/01) and the service code.
func appendAccount(dst []byte, bin, account string, service Service) []byte {
	dst = append(dst, "38"...)
	dst = appendLen(dst, 14+8+len(bin)+4+len(account)+4+len(service))
	dst = append(dst, "0010"+guidNAPAS+"01"...)
	dst = appendLen(dst, 4+len(bin)+4+len(account))
	dst = append(dst, "00"...)
	dst = appendLen(dst, len(bin))
	dst = append(dst, bin...)
	dst = append(dst, "01"...)
	dst = appendLen(dst, len(account))
	dst = append(dst, account...)
	dst = append(dst, "02"...)
	dst = appendLen(dst, len(service))
	return append(dst, service...)
}

// appendAdditional writes tag 62 (bill number, store label, purpose), or
// nothing when p has none of them.
func appendAdditional(dst []byte, p Payload, errs *fieldErrors) []byte {
	if p.Bill == "" && p.Store == "" && p.Purpose == "" {
		return dst
	}
	at := len(dst)
	dst = append(dst, "6200"...)
	dst = appendText(dst, "01", "bill", p.Bill, false, maxSubField, errs)
	dst = appendText(dst, "03", "store", p.Store, false, maxSubField, errs)
	dst = appendText(dst, "08", "purpose", p.Purpose, false, maxSubField, errs)
	switch n := len(dst) - at - 4; {
	case n > maxValue:
		errs.add("additional data", "template 62 longer than %d characters (got %d)", maxValue, n)
	case n > 0:
		putLen(dst[at+2:], n)
	}
	return dst
}

// fieldErrors collects the rules a Payload breaks, in field order.
type fieldErrors []error

func (e *fieldErrors) add(field, format string, args ...any) {
	*e = append(*e, &FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// appendText writes tag id with s transliterated, or nothing when s is
// empty; field and limit are for the error when the result is unusable.
func appendText(dst []byte, id, field, s string, upper bool, limit int, errs *fieldErrors) []byte {
	if s == "" {
		return dst
	}
	at := len(dst)
	dst = append(dst, id...)
	dst = append(dst, "00"...)
	dst = appendASCII(dst, s, upper)
	switch n := len(dst) - at - 4; {
	case n == 0:
		errs.add(field, "nothing is left after transliteration to ASCII (got %q)", s)
		return dst[:at]
	case n > limit:
		errs.add(field, "longer than %d characters after transliteration (got %d)", limit, n)
	default:
		putLen(dst[at+2:], n)
	}
	return dst
}

func checkBIN(bin string, errs *fieldErrors) {
	switch {
	case bin == "":
		errs.add("bin", "required: the 6-digit BIN of the bank")
	case len(bin) != 6 || !allDigits(bin):
		errs.add("bin", "must be 6 digits (got %q)", bin)
	default:
		if bankDirectory().lookup(bin) == nil {
			errs.add("bin", "%s is not in the bank directory", bin)
		}
	}
}

// checkAccount never echoes the account: it is personal data and
// encoder errors end up in logs.
func checkAccount(acct string, errs *fieldErrors) {
	if acct == "" {
		errs.add("account", "required: 1–%d letters or digits", maxAccount)
		return
	}
	for i := 0; i < len(acct); i++ {
		if !isAlnum(acct[i]) {
			errs.add("account", "character %d is not a letter or digit; only 0-9, A-Z and a-z are allowed", i+1)
			return
		}
	}
	if len(acct) > maxAccount {
		errs.add("account", "longer than %d characters (got %d)", maxAccount, len(acct))
	}
}

// reservedTags are the root tags Payload sets through its own fields.
func reservedTag(id string) bool {
	switch id {
	case "00", "01", "38", "52", "53", "54", "58", "59", "60", "62", "63":
		return true
	}
	return false
}

// checkExtra validates the extra tags and returns them in ascending
// order (copying only when they are not already sorted).
func checkExtra(extra []Tag, errs *fieldErrors) []Tag {
	for i, t := range extra {
		switch {
		case len(t.ID) != 2 || !allDigits(t.ID):
			errs.add("extra", "tag ID must be 2 digits (got %q)", t.ID)
		case reservedTag(t.ID):
			errs.add("extra", "tag %s is set through its own Payload field", t.ID)
		case len(t.Value) > maxValue:
			errs.add("extra", "tag %s longer than %d characters (got %d)", t.ID, maxValue, len(t.Value))
		case !printableASCII(t.Value):
			errs.add("extra", "tag %s must be printable ASCII", t.ID)
		}
		for _, u := range extra[:i] {
			if u.ID == t.ID {
				errs.add("extra", "tag %s given twice", t.ID)
			}
		}
	}
	byID := func(a, b Tag) int { return cmp.Compare(a.ID, b.ID) }
	if !slices.IsSortedFunc(extra, byID) {
		extra = slices.SortedFunc(slices.Values(extra), byID)
	}
	return extra
}

// appendExtra writes the leading extra tags whose ID sorts below the tag
// before (a two-digit number, 100 for "all") and returns the rest.
func appendExtra(dst []byte, extra []Tag, before int) ([]byte, []Tag) {
	for len(extra) > 0 && len(extra[0].ID) == 2 && int(extra[0].ID[0]-'0')*10+int(extra[0].ID[1]-'0') < before {
		dst = append(dst, extra[0].ID...)
		dst = appendLen(dst, len(extra[0].Value))
		dst = append(dst, extra[0].Value...)
		extra = extra[1:]
	}
	return dst, extra
}

// appendLen appends n as the two-digit length of a data object. Larger
// values only reach it on paths that already failed validation.
func appendLen(dst []byte, n int) []byte {
	if n > 99 {
		n = 99
	}
	return append(dst, byte('0'+n/10), byte('0'+n%10))
}

func putLen(b []byte, n int) {
	b[0], b[1] = byte('0'+n/10), byte('0'+n%10)
}

func digits(n int64) int {
	d := 1
	for n >= 10 {
		n /= 10
		d++
	}
	return d
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return '0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z'
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7E {
			return false
		}
	}
	return true
}
