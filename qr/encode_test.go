package qr

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// stallSign is what a stall sign encodes: a static code to an account.
var stallSign = Payload{BIN: "970436", Account: "0011001234567", Purpose: "THANH TOAN HANG"}

func TestEncode(t *testing.T) {
	tests := []struct {
		name string
		p    Payload
		want string
	}{
		{"static, no amount: 010211", Payload{BIN: "970416", Account: "257678859"},
			withCRC("000201010211" + napas("970416", "257678859", "QRIBFTTA") + "53037045802VN")},
		{"dynamic, amount: 010212", Payload{BIN: "970416", Account: "257678859", Amount: 10000, Purpose: "Chuyen tien"},
			withCRC("000201010212" + napas("970416", "257678859", "QRIBFTTA") + "5303704" + "540510000" + "5802VN" + tlv("62", tlv("08", "Chuyen tien")))},
		{"card", Payload{BIN: "970403", Account: "9704031101234567", Service: ServiceCard},
			withCRC("000201010211" + napas("970403", "9704031101234567", "QRIBFTTC") + "53037045802VN")},
		{"Vietnamese name and purpose transliterated", Payload{BIN: "970436", Account: "0011001234567", Name: "Nguyễn Thị Hà", City: "Hà Nội", Purpose: "Mua rau ở chợ Đồng Xuân"},
			withCRC("000201010211" + napas("970436", "0011001234567", "QRIBFTTA") + "53037045802VN" + tlv("59", "NGUYEN THI HA") + tlv("60", "Ha Noi") + tlv("62", tlv("08", "Mua rau o cho Dong Xuan")))},
		{"bill and purpose in sub-tag order", Payload{BIN: "970436", Account: "0011001234567", Purpose: "hang", Bill: "HD01"},
			withCRC("000201010211" + napas("970436", "0011001234567", "QRIBFTTA") + "53037045802VN" + tlv("62", tlv("01", "HD01")+tlv("08", "hang")))},
		{"largest 13-digit amount for a merchant", Payload{BIN: "970403", Account: "2112995044604025", Service: ServicePush, Amount: 9_999_999_999_999},
			withCRC("000201010212" + napas("970403", "2112995044604025", "QRPUSH") + "5303704" + "54139999999999999" + "5802VN")},
		{"extra tags sorted among the others", Payload{BIN: "970436", Account: "0011001234567", Extra: []Tag{{"84", ""}, {"15", "1234"}, {"83", ""}}},
			withCRC("000201010211" + "15041234" + napas("970436", "0011001234567", "QRIBFTTA") + "53037045802VN" + "8300" + "8400")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Encode(tt.p)
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			if got != tt.want {
				t.Errorf("Encode:\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestEncodeRefuses(t *testing.T) {
	long := strings.Repeat("A", 26)
	tests := []struct {
		name string
		p    Payload
		want []string // every FieldError, in order
	}{
		{"nothing", Payload{}, []string{
			"bin: required: the 6-digit BIN of the bank",
			"account: required: 1–19 letters or digits",
		}},
		{"unknown BIN", Payload{BIN: "970499", Account: "1"}, []string{"bin: 970499 is not in the bank directory"}},
		{"BIN not 6 digits", Payload{BIN: "VCB", Account: "1"}, []string{`bin: must be 6 digits (got "VCB")`}},
		{"account too long", Payload{BIN: "970436", Account: strings.Repeat("1", 20)}, []string{"account: longer than 19 characters (got 20)"}},
		{"account with a space", Payload{BIN: "970436", Account: "0011 001"}, []string{"account: character 5 is not a letter or digit; only 0-9, A-Z and a-z are allowed"}},
		{"unknown service", Payload{BIN: "970436", Account: "1", Service: "QRCASH"}, []string{`service: must be QRIBFTTA (account), QRIBFTTC (card) or QRPUSH (merchant), got "QRCASH"`}},
		{"negative amount", Payload{BIN: "970436", Account: "1", Amount: -1}, []string{"amount: must not be negative (got -1); 0 makes a static code"}},
		{"amount over 13 digits", Payload{BIN: "970436", Account: "1", Service: ServicePush, Amount: 10_000_000_000_000}, []string{"amount: more than 13 digits (got 10000000000000)"}},
		{"transfer at the NAPAS247 cap", Payload{BIN: "970436", Account: "1", Amount: 500_000_000}, []string{"amount: NAPAS247 transfers must be under 500000000 đồng (got 500000000)"}},
		{"name over 25 after transliteration", Payload{BIN: "970436", Account: "1", Name: "Nguyễn Thị Hà Nguyễn Thị Hà Nguyễn"}, []string{"name: longer than 25 characters after transliteration (got 34)"}},
		{"name of emoji only", Payload{BIN: "970436", Account: "1", Name: "🙂🙂"}, []string{`name: nothing is left after transliteration to ASCII (got "🙂🙂")`}},
		{"city over 15", Payload{BIN: "970436", Account: "1", City: "Thành phố Hồ Chí Minh"}, []string{"city: longer than 15 characters after transliteration (got 21)"}},
		{"purpose over 25", Payload{BIN: "970436", Account: "1", Purpose: "Thanh toán tiền rau muống tháng 11"}, []string{"purpose: longer than 25 characters after transliteration (got 34)"}},
		{"bill and store over 25", Payload{BIN: "970436", Account: "1", Bill: long, Store: long}, []string{
			"bill: longer than 25 characters after transliteration (got 26)",
			"store: longer than 25 characters after transliteration (got 26)",
		}},
		{"bad MCC", Payload{BIN: "970436", Account: "1", MCC: "54"}, []string{`mcc: must be 4 digits (got "54")`}},
		{"extra tag the payload owns", Payload{BIN: "970436", Account: "1", Extra: []Tag{{"54", "1"}}}, []string{"extra: tag 54 is set through its own Payload field"}},
		{"extra tag twice", Payload{BIN: "970436", Account: "1", Extra: []Tag{{"83", ""}, {"83", "x"}}}, []string{"extra: tag 83 given twice"}},
		{"extra tag ID", Payload{BIN: "970436", Account: "1", Extra: []Tag{{"8", ""}}}, []string{`extra: tag ID must be 2 digits (got "8")`}},
		{"extra tag not ASCII", Payload{BIN: "970436", Account: "1", Extra: []Tag{{"87", "Hà"}}}, []string{"extra: tag 87 must be printable ASCII"}},
		{"extra tag too long", Payload{BIN: "970436", Account: "1", Extra: []Tag{{"87", strings.Repeat("x", 100)}}}, []string{"extra: tag 87 longer than 99 characters (got 100)"}},
		{"several at once", Payload{BIN: "123", Account: "", Amount: -5, Name: long}, []string{
			`bin: must be 6 digits (got "123")`,
			"account: required: 1–19 letters or digits",
			"amount: must not be negative (got -5); 0 makes a static code",
			"name: longer than 25 characters after transliteration (got 26)",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Encode(tt.p)
			if err == nil {
				t.Fatalf("Encode = %q, want an error", got)
			}
			if got != "" {
				t.Errorf("Encode returned %q with its error", got)
			}
			var msgs []string
			for _, e := range unjoinErr(err) {
				var fe *FieldError
				if !errors.As(e, &fe) {
					t.Errorf("%v is not a *FieldError", e)
				}
				msgs = append(msgs, e.Error())
			}
			if diff := cmp.Diff(tt.want, msgs); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != strings.SplitN(tt.want[0], ":", 2)[0] {
				t.Errorf("errors.As finds %v, want the first error", fe)
			}
		})
	}
}

func unjoinErr(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func TestAppendEncode(t *testing.T) {
	want, err := Encode(stallSign)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("appends after what dst holds", func(t *testing.T) {
		got, err := AppendEncode([]byte("prefix:"), stallSign)
		if err != nil || string(got) != "prefix:"+want {
			t.Errorf("AppendEncode = %q, %v; want prefix:%s", got, err, want)
		}
	})
	t.Run("error leaves dst unchanged", func(t *testing.T) {
		dst := make([]byte, 0, 256)
		dst = append(dst, "keep"...)
		bad := stallSign
		bad.Name = strings.Repeat("X", 40)
		got, err := AppendEncode(dst, bad)
		if err == nil || string(got) != "keep" {
			t.Errorf("AppendEncode = %q, %v; want %q and an error", got, err, "keep")
		}
	})
	t.Run("one allocation from nil, every field set", func(t *testing.T) {
		full := Payload{BIN: "970403", Account: "2112995044604025", Service: ServicePush, Amount: 9_999_999_999_999,
			Name: "Nguyễn Thị Hà", City: "Hà Nội", Purpose: "Thanh toán hàng", Bill: "HD0001", Store: "Sạp A12",
			MCC: "5411", Extra: []Tag{{"15", "1234"}, {"83", ""}}}
		if _, err := AppendEncode(nil, full); err != nil {
			t.Fatal(err)
		}
		if n := testing.AllocsPerRun(100, func() { _, _ = AppendEncode(nil, full) }); n != 1 {
			t.Errorf("AppendEncode(nil) allocates %v times, want 1 (the pre-sized buffer)", n)
		}
	})
	t.Run("no allocation into a big enough buffer", func(t *testing.T) {
		buf := make([]byte, 0, 256)
		if n := testing.AllocsPerRun(100, func() { _, _ = AppendEncode(buf[:0], stallSign) }); n != 0 {
			t.Errorf("AppendEncode allocates %v times", n)
		}
	})
}

func TestEncodeAllocatesOnce(t *testing.T) {
	// The bar is at most 2 allocations per Encode; the stack buffer makes
	// it 1 (the returned string) for every ordinary payload.
	if n := testing.AllocsPerRun(100, func() { _, _ = Encode(stallSign) }); n > 1 {
		t.Errorf("Encode allocates %v times, want 1", n)
	}
}

// TestEncodeMatchesPeerLibrary: the benchmark payload is byte for byte what
// vietnam-qr-pay 1.5.1 builds for the same inputs (bench/baseline.js
// prints it), so the comparison in bench/ times the same work.
func TestEncodeMatchesPeerLibrary(t *testing.T) {
	const peer = "00020101021138570010A00000072701270006970436011300110012345670208QRIBFTTA53037045802VN62190815THANH TOAN HANG63047FF9"
	if got, err := Encode(stallSign); err != nil || got != peer {
		t.Errorf("Encode = %q, %v; vietnam-qr-pay builds %q", got, err, peer)
	}
}
