package qr

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// withCRC completes body (everything before the CRC object) with 6304 and
// its CRC.
func withCRC(body string) string {
	body += "6304"
	return string(appendCRCHex([]byte(body), crc16(body)))
}

// tlv builds one data object.
// The length counts characters, as the spec says.
func tlv(id, value string) string {
	return fmt.Sprintf("%s%02d%s", id, utf8.RuneCountInString(value), value)
}

// napas builds tag 38 for a BIN, an account and a service ("" leaves 38/02 out).
func napas(bin, account, service string) string {
	v := tlv("00", guidNAPAS) + tlv("01", tlv("00", bin)+tlv("01", account))
	if service != "" {
		v += tlv("02", service)
	}
	return tlv("38", v)
}

const (
	head   = "000201010211"
	vcb    = "970436"
	acct   = "0011001234567"
	tail   = "5303704" + "5802VN"
	static = head + "38570010A00000072701270006970436011300110012345670208QRIBFTTA" + tail
)

func TestDecodeWarnings(t *testing.T) {
	lowered := withCRC(static + tlv("62", tlv("08", "xin cam on")))
	lowered = lowered[:len(lowered)-4] + strings.ToLower(lowered[len(lowered)-4:])
	if !strings.ContainsAny(lowered[len(lowered)-4:], "abcdef") {
		t.Fatalf("the lower-case case needs a CRC with a letter: %s", lowered)
	}
	tests := []struct {
		name    string
		payload string
		want    []string
	}{
		{"canonical static code", withCRC(static), nil},
		{"lower-case CRC", lowered, []string{"crc: lower-case hex digits " + lowered[len(lowered)-4:]}},
		{"zero-length unreserved tag", withCRC(static + "8300"), []string{
			"tag 83 is empty (the spec requires 1–99 characters)",
			"tag 83: unreserved (80–99) data ignored",
		}},
		{"EMVCo-reserved tag", withCRC(static + tlv("70", "abc")), []string{"tag 70: EMVCo-reserved (65–79) data ignored"}},
		{"62 before 38", withCRC(head + tlv("62", tlv("08", "tra no")) + napas(vcb, acct, "QRIBFTTA") + tail), []string{
			"tag 38 comes after tag 62 (the spec allows any order, apps expect ascending)",
		}},
		{"ZaloPay template before 38", withCRC(head + tlv("26", tlv("00", "vn.zalopay")+tlv("01", "abc")) + napas(vcb, acct, "QRIBFTTA") + tail), []string{
			`tag 26: "vn.zalopay" account template ignored`,
		}},
		{"VNPAY template beside 38", withCRC(head + tlv("26", tlv("00", guidVNPAY)+tlv("01", "123")) + napas(vcb, acct, "QRIBFTTA") + tail), []string{
			"tag 26: VNPAY-QR (GUID A000000775) account template ignored",
		}},
		{"UnionPay tag", withCRC(head + tlv("15", "39700704") + napas(vcb, acct, "QRIBFTTA") + tail), []string{
			"tag 15: UnionPay card-scheme account ignored",
		}},
		{"no service code", withCRC(head + napas(vcb, acct, "") + tail), []string{
			"tag 38: no service code (38/02), QRIBFTTA assumed",
		}},
		{"unknown service code", withCRC(head + napas(vcb, acct, "QRXYZ") + tail), []string{
			`tag 38: unknown service code "QRXYZ"`,
		}},
		{"unknown BIN", withCRC(head + napas("970499", acct, "QRIBFTTA") + tail), []string{
			"bin 970499 is not in the bank directory",
		}},
		{"deprecated BIN", withCRC(head + napas("970459", acct, "QRIBFTTA") + tail), []string{
			"bin 970459 (CIMBBank) is deprecated: " + mustBank(t, "970459").Note,
		}},
		{"conflicting BIN", withCRC(head + napas("422589", acct, "QRIBFTTA") + tail), []string{
			"bin 422589 (CIMB) conflicts between sources: " + mustBank(t, "422589").Note,
		}},
		{"account with a dash", withCRC(head + napas(vcb, "0011-00123", "QRIBFTTA") + tail), []string{
			"tag 38: account is not 1–19 letters or digits",
		}},
		{"static code with an amount", withCRC(static + tlv("54", "50000")), []string{
			"tag 54 comes after tag 58 (the spec allows any order, apps expect ascending)",
			"static code (01=11) carries an amount",
		}},
		{"dynamic code without an amount", withCRC("000201010212" + static[12:]), []string{"dynamic code (01=12) has no amount"}},
		{"amount with decimals", withCRC("000201010212" + napas(vcb, acct, "QRIBFTTA") + "5303704" + tlv("54", "50000.5") + "5802VN"), []string{
			`tag 54: amount "50000.5" has decimals, VND has none`,
		}},
		{"amount with a thousands separator", withCRC("000201010212" + napas(vcb, acct, "QRIBFTTA") + "5303704" + tlv("54", "50 000") + "5802VN"), []string{
			`tag 54: amount "50 000" holds characters other than digits and one dot`,
		}},
		{"zero amount", withCRC("000201010212" + napas(vcb, acct, "QRIBFTTA") + "5303704" + tlv("54", "0") + "5802VN"), []string{
			`tag 54: amount "0" is zero`,
		}},
		{"trailing dot is allowed", withCRC("000201010212" + napas(vcb, acct, "QRIBFTTA") + "5303704" + tlv("54", "50000.") + "5802VN"), nil},
		{"purpose over 25", withCRC(static + tlv("62", tlv("08", "THANH TOAN DON HANG SO 12345"))), []string{
			"tag 62/08 (purpose) is longer than 25 characters (28)",
		}},
		{"zero-length purpose", withCRC(static + tlv("62", "0800")), []string{"tag 62/08 is empty"}},
		{"diacritics in the name", withCRC(static + tlv("59", "Hà")), []string{"tag 59 (name) is not printable ASCII"}},
		{"missing currency and country", withCRC(head + napas(vcb, acct, "QRIBFTTA")), []string{
			"tag 53 (currency) is missing",
			"tag 58 (country) is missing",
		}},
		{"payload format 00", withCRC("000200" + static[6:]), []string{`tag 00: payload format "00", expected "01"`}},
		{"surrounding white space", " " + withCRC(static) + "\n", []string{"white space around the payload ignored"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Decode(tt.payload)
			if err != nil || !d.Valid || !d.CRCValid {
				t.Fatalf("Decode = valid %v, crc %v, %v", d.Valid, d.CRCValid, err)
			}
			if diff := cmp.Diff(tt.want, d.Warnings, cmpEmpty); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
		})
	}
}

var cmpEmpty = cmp.Comparer(func(a, b []string) bool {
	if len(a) == 0 && len(b) == 0 {
		return true
	}
	return cmp.Equal(a, b)
})

func mustBank(t *testing.T, bin string) Bank {
	t.Helper()
	b, ok := BankByBIN(bin)
	if !ok {
		t.Fatalf("bin %s not in the directory", bin)
	}
	return b
}

func TestDecodeErrors(t *testing.T) {
	good := withCRC(static)
	tests := []struct {
		name    string
		payload string
		is      []error
		msg     string
		crcOK   bool
	}{
		{"wrong CRC", good[:len(good)-4] + "0000", []error{ErrCRC}, "crc: expected " + good[len(good)-4:] + ", found 0000", false},
		{"non-hex CRC", good[:len(good)-4] + "xxxx", []error{ErrCRC}, `crc: expected ` + good[len(good)-4:] + `, found "xxxx" (not 4 hex digits)`, false},
		{"no CRC", static, []error{ErrCRC}, "crc: missing; a VietQR payload ends with 6304 and 4 hex digits", false},
		{"truncated value", withCRC(head + "38990010"), []error{ErrTLV}, "tlv: tag 38 at offset 12 declares 99 characters but only 12 remain", true},
		{"non-numeric length", withCRC(head + "38x9"), []error{ErrTLV}, `tlv: at offset 12, "38x9" is not a 2-digit ID and a 2-digit length`, true},
		{"truncated header", static + "123", []error{ErrCRC, ErrTLV}, "crc: missing; a VietQR payload ends with 6304 and 4 hex digits; " +
			`tlv: at offset ` + strconv.Itoa(len(static)) + `, "123" is too short for an ID and a length`, false},
		{"broken template", withCRC(head + tlv("38", "0010A0000007270199") + tail), []error{ErrTLV}, "tlv: in tag 38, tag 01 at offset 30 declares 99 characters but only 0 remain", true},
		{"duplicate amount", withCRC("000201010212" + napas(vcb, acct, "QRIBFTTA") + "5303704" + tlv("54", "1000") + tlv("54", "900000") + "5802VN"), []error{ErrTLV}, "tlv: tag 54 at offset " + strconv.Itoa(12+len(napas(vcb, acct, "QRIBFTTA"))+7+8) + " appears a second time", true},
		{"CRC not last", withCRC(static + "6304ABCD"), []error{ErrTLV}, "tlv: tag 63 (CRC) at offset " + strconv.Itoa(len(static)) + " is not the last object", true},
		{"VNPAY-QR", "00020101021126280010A000000775011001087990425204597753037045802VN5909MYPHAMHER6005HANOI62260311MY PHAM HER0707MPHER0163041C50", []error{ErrNotVietQR}, "not a VietQR payload: VNPAY-QR (tag 26, GUID A000000775); VietQR carries tag 38 with GUID A000000727", true},
		{"foreign GUID in 38", withCRC(head + tlv("38", tlv("00", "A000000999")) + tail), []error{ErrNotVietQR}, `not a VietQR payload: tag 38 carries GUID "A000000999", not the NAPAS GUID A000000727`, true},
		{"no merchant account at all", withCRC(head + tail), []error{ErrNotVietQR}, "not a VietQR payload: no tag 38 with the NAPAS GUID A000000727", true},
		{"no account", withCRC(head + tlv("38", tlv("00", guidNAPAS)+tlv("01", tlv("00", vcb))) + tail), []error{ErrTLV}, "tlv: tag 38 has no account (38/01/01)", true},
		{"invalid UTF-8", withCRC(static + tlv("59", "\xff")), []error{ErrTLV}, "tlv: payload is not valid UTF-8", true},
		{"empty", "", []error{ErrCRC, ErrNotVietQR}, "crc: missing; a VietQR payload ends with 6304 and 4 hex digits; not a VietQR payload: no tag 38 with the NAPAS GUID A000000727", false},
		{"wrong CRC and broken TLV", static + "38996304ABCD", []error{ErrCRC, ErrTLV}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Decode(tt.payload)
			if err == nil || d.Valid {
				t.Fatalf("Decode = valid %v, nil error", d.Valid)
			}
			for _, target := range tt.is {
				if !errors.Is(err, target) {
					t.Errorf("err = %v, want errors.Is %v", err, target)
				}
			}
			if tt.msg != "" && err.Error() != tt.msg {
				t.Errorf("err = %q\n want %q", err, tt.msg)
			}
			if d.Error != err.Error() {
				t.Errorf("Decoded.Error = %q, want %q", d.Error, err)
			}
			if d.CRCValid != tt.crcOK {
				t.Errorf("CRCValid = %v, want %v", d.CRCValid, tt.crcOK)
			}
			if d.Warnings == nil {
				t.Error("Warnings is nil; the JSON must say []")
			}
		})
	}
}

// TestDecodeWrongCRCStillReadsFields: a code whose only fault is its CRC
// is invalid, but shows what it says, so a person can see what was meant.
func TestDecodeWrongCRCStillReadsFields(t *testing.T) {
	good := withCRC(static)
	d, err := Decode(good[:len(good)-4] + "0000")
	if !errors.Is(err, ErrCRC) {
		t.Fatalf("err = %v, want ErrCRC", err)
	}
	if d.BIN != vcb || d.Account != acct || d.Bank == nil || *d.Bank != "Vietcombank" {
		t.Errorf("fields not read: %+v", d)
	}
}
