package qr

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

// FuzzDecode: no input makes Decode panic, and its answer is always
// self-consistent.
func FuzzDecode(f *testing.F) {
	v := loadVectors(f)
	for _, x := range v.Vectors {
		f.Add(x.Payload)
	}
	for _, x := range v.NonVietQR {
		f.Add(x.Payload)
	}
	for _, c := range v.EncodeCases {
		f.Add(c.Payload)
	}
	f.Add("")
	f.Fuzz(func(t *testing.T, payload string) {
		d, err := Decode(payload)
		if (err == nil) != d.Valid {
			t.Fatalf("Valid = %v with err = %v", d.Valid, err)
		}
		if err != nil && d.Error != err.Error() {
			t.Fatalf("Error = %q, err = %q", d.Error, err)
		}
		if err != nil && !errors.Is(err, ErrCRC) && !errors.Is(err, ErrTLV) && !errors.Is(err, ErrNotVietQR) {
			t.Fatalf("err %v wraps none of the sentinel errors", err)
		}
		if d.Warnings == nil {
			t.Fatal("Warnings is nil")
		}
		if d.CRCValid {
			s := strings.TrimSpace(payload)
			got, ok := parseHex16(s[len(s)-4:])
			if !ok || got != crc16(s[:len(s)-4]) {
				t.Fatalf("CRCValid for %q", payload)
			}
		}
		if d.Valid && (d.BIN == "" || d.Account == "" || d.Service == "") {
			t.Fatalf("valid without BIN, account or service: %+v", d)
		}
	})
}

// FuzzEncode: no input makes Encode panic; what it accepts decodes back
// to the same fields, and what it refuses is refused with *FieldErrors.
func FuzzEncode(f *testing.F) {
	for _, c := range loadVectors(f).EncodeCases {
		in := c.Inputs
		amount, _ := strconv.ParseInt(in.Amount, 10, 64)
		f.Add(in.BIN, in.Account, in.Service, amount, in.Name, in.City, in.AdditionalData["08"], in.AdditionalData["01"])
	}
	f.Add("970436", "0011001234567", "", int64(0), "Nguyễn Thị Hà", "Hà Nội", "Thanh toán hàng", "HĐ01")
	f.Fuzz(func(t *testing.T, bin, account, service string, amount int64, name, city, purpose, bill string) {
		p := Payload{BIN: bin, Account: account, Service: Service(service), Amount: amount, Name: name, City: city, Purpose: purpose, Bill: bill}
		payload, err := Encode(p)
		if err != nil {
			for _, e := range unjoinErr(err) {
				var fe *FieldError
				if !errors.As(e, &fe) || fe.Field == "" || fe.Message == "" {
					t.Fatalf("error %v is not a complete *FieldError", e)
				}
			}
			return
		}
		if !printableASCII(payload) {
			t.Fatalf("payload %q is not printable ASCII", payload)
		}
		d, err := Decode(payload)
		if err != nil {
			t.Fatalf("Decode(Encode(%+v)) = %v", p, err)
		}
		if d.BIN != bin || d.Account != account || d.Name != TransliterateName(name) ||
			d.City != Transliterate(city) || d.Purpose != Transliterate(purpose) || d.Bill != Transliterate(bill) {
			t.Fatalf("round trip of %+v gave %+v", p, d)
		}
		if (amount > 0) != (d.Amount != nil) || amount > 0 && *d.Amount != strconv.FormatInt(amount, 10) {
			t.Fatalf("amount %d came back as %v", amount, d.Amount)
		}
	})
}
