package qr_test

import (
	"errors"
	"fmt"

	"github.com/sapqr/sapqr/qr"
)

func ExampleEncode() {
	// A stall sign: static code (no amount), the payer types the amount.
	payload, err := qr.Encode(qr.Payload{
		BIN:     "970436",
		Account: "0011001234567",
		Name:    "Nguyễn Thị Hà",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(payload)
	// Output:
	// 00020101021138570010A00000072701270006970436011300110012345670208QRIBFTTA53037045802VN5913NGUYEN THI HA63041765
}

func ExampleStallSign() {
	// The one rule for a stall sign's payload: static, holder name in tag
	// 59 when it fits 25 characters after transliteration; proved by
	// decoding it again.
	payload, err := qr.EncodeVerified(qr.StallSign("970436", "0011001234567", "Nguyễn Thị Hà", ""))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(payload)
	// Output:
	// 00020101021138570010A00000072701270006970436011300110012345670208QRIBFTTA53037045802VN5913NGUYEN THI HA63041765
}

func ExampleEncode_errors() {
	_, err := qr.Encode(qr.Payload{BIN: "970436", Account: "0011-001", Amount: -1})
	var fe *qr.FieldError
	if errors.As(err, &fe) {
		fmt.Println("first field:", fe.Field)
	}
	fmt.Println(err)
	// Output:
	// first field: account
	// account: character 5 is not a letter or digit; only 0-9, A-Z and a-z are allowed
	// amount: must not be negative (got -1); 0 makes a static code
}

func ExampleDecode() {
	// A real MB Bank code: lower-case CRC digits are read, with a warning.
	d, err := qr.Decode("00020101021138540010A00000072701240006970422011003523509170208QRIBFTTA53037045802VN630479db")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(*d.Bank, qr.MaskAccount(d.Account, 4), d.Service, d.Amount == nil)
	fmt.Println(d.Warnings)
	// Output:
	// MBBank ••••••0917 QRIBFTTA true
	// [crc: lower-case hex digits 79db]
}

func ExampleDecode_vnpay() {
	_, err := qr.Decode("00020101021126280010A000000775011001087990425204597753037045802VN5909MYPHAMHER6005HANOI62260311MY PHAM HER0707MPHER0163041C50")
	fmt.Println(errors.Is(err, qr.ErrNotVietQR))
	fmt.Println(err)
	// Output:
	// true
	// not a VietQR payload: VNPAY-QR (tag 26, GUID A000000775); VietQR carries tag 38 with GUID A000000727
}

func ExampleFindBank() {
	b, ok := qr.FindBank("vcb")
	fmt.Println(b.BIN, b.ShortName, ok)
	// Output: 970436 Vietcombank true
}
