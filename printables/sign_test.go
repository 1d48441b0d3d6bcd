package printables

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/sapqr/sapqr/qr"
)

func TestOptions(t *testing.T) {
	tests := []struct {
		name    string
		in      Options
		want    Options
		wantErr string // substring; empty means no error
	}{
		{"zero value is one A6 sign, four digits", Options{}, Options{Size: SizeA6, VisibleDigits: 4}, ""},
		{"A4 alone", Options{Size: SizeA4}, Options{Size: SizeA4, VisibleDigits: 4}, ""},
		{"4-up implies A6", Options{Sheet: SheetA4x4}, Options{Size: SizeA6, Sheet: SheetA4x4, VisibleDigits: 4}, ""},
		{"2-up implies A5", Options{Sheet: SheetA4x2}, Options{Size: SizeA5, Sheet: SheetA4x2, VisibleDigits: 4}, ""},
		{"2-up with explicit A5", Options{Size: SizeA5, Sheet: SheetA4x2, VisibleDigits: 3}, Options{Size: SizeA5, Sheet: SheetA4x2, VisibleDigits: 3}, ""},
		{"4-up cannot hold A4", Options{Size: SizeA4, Sheet: SheetA4x4}, Options{}, "sheet a4-4up holds a6 signs, not a4"},
		{"2-up cannot hold A4", Options{Size: SizeA4, Sheet: SheetA4x2}, Options{}, "sheet a4-2up holds a5 signs, not a4"},
		{"unknown size", Options{Size: 7}, Options{}, "Size(7) is not a sign size"},
		{"unknown sheet", Options{Sheet: 9}, Options{}, "Sheet(9) is not a sheet layout"},
		{"too many visible digits", Options{VisibleDigits: 9}, Options{}, "visible digits: 9"},
		{"negative visible digits", Options{VisibleDigits: -1}, Options{}, "visible digits: -1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.in.normalized()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("normalized (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseSizeAndSheet(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want Size
		ok   bool
	}{{"a6", SizeA6, true}, {"A5", SizeA5, true}, {"a4", SizeA4, true}, {"a3", 0, false}, {"", 0, false}} {
		got, err := ParseSize(tt.in)
		if (err == nil) != tt.ok || (tt.ok && got != tt.want) {
			t.Errorf("ParseSize(%q) = %v, %v; want %v, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
	for _, tt := range []struct {
		in   string
		want Sheet
		ok   bool
	}{{"", SheetNone, true}, {"none", SheetNone, true}, {"a4-4up", SheetA4x4, true}, {"A4-2UP", SheetA4x2, true}, {"a4-8up", 0, false}} {
		got, err := ParseSheet(tt.in)
		if (err == nil) != tt.ok || (tt.ok && got != tt.want) {
			t.Errorf("ParseSheet(%q) = %v, %v; want %v, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestBadSignsAreRefused(t *testing.T) {
	r := renderer(t)
	tests := []struct {
		name   string
		edit   func(*Sign)
		fields []string // every field the error must name
	}{
		{"missing market and stall", func(s *Sign) { s.Market, s.Stall = " ", "" }, []string{"Market: required", "Stall: required"}},
		{"vendor sign without a vendor", func(s *Sign) { s.Vendor = "" }, []string{"Vendor: required"}},
		{"vendor name too long", func(s *Sign) { s.Vendor = strings.Repeat("Hà ", 21) + "X" }, []string{"Vendor: 64 characters; at most 60"}},
		{"unknown BIN", func(s *Sign) { s.BIN = "123456" }, []string{`BIN: "123456" is not in the bank directory`}},
		{"missing account", func(s *Sign) { s.Account = "" }, []string{"Account: required"}},
		{"account with a dash", func(s *Sign) { s.Account = "0011-0012" }, []string{`Account: "0011-0012": want 1 to 19 letters or digits`}},
		{"account too long", func(s *Sign) { s.Account = "12345678901234567890" }, []string{"Account:"}},
		{"holder with diacritics", func(s *Sign) { s.Holder = "Nguyễn Thị Hà" }, []string{`Holder: "Nguyễn Thị Hà": want upper-case ASCII as the bank shows it, e.g. "NGUYEN THI HA"`}},
		{"holder in lower case", func(s *Sign) { s.Holder = "nguyen thi ha" }, []string{"Holder:"}},
		{"missing holder", func(s *Sign) { s.Holder = "" }, []string{"Holder: required"}},
		{"fee purpose with diacritics", func(s *Sign) { s.Purpose = "PHÍ CHỢ A12" }, []string{"Purpose:"}},
		{"fee purpose too long", func(s *Sign) { s.Purpose = strings.Repeat("X", 26) }, []string{"Purpose:"}},
		{"version zero", func(s *Sign) { s.Version = 0 }, []string{"Version: 0: want 1 or more"}},
		{"no print date", func(s *Sign) { s.Printed = time.Time{} }, []string{"Printed: required"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := vendorSign()
			tt.edit(&s)
			var out bytes.Buffer
			err := r.RenderSign(&out, s, Options{})
			if err == nil {
				t.Fatal("RenderSign accepted the sign")
			}
			for _, want := range tt.fields {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
			if out.Len() != 0 {
				t.Errorf("wrote %d bytes despite the error", out.Len())
			}
			if checkErr := r.Check(s, Options{}); checkErr == nil || checkErr.Error() != err.Error() {
				t.Errorf("Check = %v, want the RenderSign error %v", checkErr, err)
			}
		})
	}
}

func TestCheckAcceptsGoodSigns(t *testing.T) {
	r := renderer(t)
	for name, s := range map[string]Sign{"vendor": vendorSign(), "fee": feeSign(), "longest": longSign()} {
		if err := r.Check(s, Options{}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestNormalizeKeepsWhatWasTyped(t *testing.T) {
	s := vendorSign()
	s.Vendor = "  Nguye\u0302\u0303n thị hà  " // decomposed, lower case, padded
	s.BankShort = ""
	got, err := validate(normalize(s))
	if err != nil {
		t.Fatal(err)
	}
	if want := "Nguyễn thị hà"; got.Vendor != want {
		t.Errorf("Vendor = %q, want %q (NFC, trimmed, case kept)", got.Vendor, want)
	}
	if got.BankShort != "Vietcombank" || !strings.HasPrefix(got.BankName, "Ngân hàng") {
		t.Errorf("bank names = %q, %q; want them from the directory", got.BankShort, got.BankName)
	}
}

func TestPayloadFor(t *testing.T) {
	tests := []struct {
		name string
		sign Sign
		want qr.Payload
	}{
		{"vendor sign carries the holder", vendorSign(), qr.Payload{BIN: "970436", Account: "0011001234567", Service: qr.ServiceAccount, Name: "NGUYEN THI HA"}},
		{"fee sign carries the purpose", feeSign(), qr.Payload{BIN: "970405", Account: "3100205556789", Service: qr.ServiceAccount, Name: "BAN QUAN LY CHO BOC BO", Purpose: "PHI CHO A12"}},
		{"holder over 25 characters is left out", longSign(), qr.Payload{BIN: "970415", Account: "1234567890123456789", Service: qr.ServiceAccount}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, payloadFor(tt.sign)); diff != "" {
				t.Errorf("payloadFor (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSelfCheck(t *testing.T) {
	want := payloadFor(vendorSign())
	good, err := qr.Encode(want)
	if err != nil {
		t.Fatal(err)
	}
	other := func(edit func(*qr.Payload)) string {
		p := want
		edit(&p)
		s, err := qr.Encode(p)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	tests := []struct {
		name    string
		payload string
		wantErr string
	}{
		{"the intended payload", good, ""},
		{"another account", other(func(p *qr.Payload) { p.Account = "0011009999999" }), "account decodes as another number"},
		{"another bank", other(func(p *qr.Payload) { p.BIN = "970415" }), "BIN decodes as"},
		{"another holder", other(func(p *qr.Payload) { p.Name = "TRAN VAN B" }), "name decodes as"},
		{"a purpose that was not asked for", other(func(p *qr.Payload) { p.Purpose = "X" }), "purpose decodes as"},
		{"an amount on a static sign", other(func(p *qr.Payload) { p.Amount = 50000 }), "must be static"},
		{"a broken CRC", good[:len(good)-4] + "0000", "does not decode"},
		{"not a payload", "hello", "does not decode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := selfCheck(tt.payload, want)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, ErrSelfCheck) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("selfCheck = %v, want ErrSelfCheck containing %q", err, tt.wantErr)
			}
		})
	}
}
