package qr

import (
	"fmt"
	"strconv"
)

// StallSign returns the payload a stall sign encodes: a static VietQR
// code (no amount, the payer types it) for the account at bin, service
// account-to-account (QRIBFTTA), with purpose as tag 62/08 when it is not
// empty. The holder name goes in tag 59 only when its transliteration
// (TransliterateName) fits the 25 characters the tag allows; a longer
// name is left out of the code, which stays valid without it.
//
// Name and Purpose are returned already transliterated, as they read back
// from the code. StallSign checks nothing; EncodeVerified does.
func StallSign(bin, account, holder, purpose string) Payload {
	p := Payload{BIN: bin, Account: account, Service: ServiceAccount, Purpose: Transliterate(purpose)}
	if name := TransliterateName(holder); len(name) <= maxName {
		p.Name = name
	}
	return p
}

// EncodeVerified is Encode, proved: it decodes the payload again and
// returns it only when it reads back as p (see Verify). It returns the
// errors Encode returns for a p the encoder refuses, and a *VerifyError
// when the payload does not read back, which means a bug, not bad input.
func EncodeVerified(p Payload) (string, error) {
	payload, err := Encode(p)
	if err != nil {
		return "", err
	}
	if err := Verify(payload, p); err != nil {
		return "", err
	}
	return payload, nil
}

// Verify decodes payload and checks that it reads back as p: valid, the
// same BIN, account, service, holder name, city, purpose, bill number and
// store label (after the transliteration Encode applies), the point of
// initiation Encode writes (11 static when p.Amount is 0, 12 dynamic
// otherwise) and the same amount (none on a static code). It returns a
// *VerifyError naming the first field that differs.
func Verify(payload string, p Payload) error {
	d, err := Decode(payload)
	if err != nil {
		return &VerifyError{Field: "payload", Err: err}
	}
	service := p.Service
	if service == "" {
		service = ServiceAccount
	}
	wantInit, wantAmount := "11", ""
	if p.Amount != 0 {
		wantInit, wantAmount = "12", strconv.FormatInt(p.Amount, 10)
	}
	gotAmount := ""
	if d.Amount != nil {
		gotAmount = *d.Amount
	}
	for _, f := range [...]struct{ name, got, want string }{
		{"BIN", d.BIN, p.BIN},
		{"account", d.Account, p.Account},
		{"service", d.Service, string(service)},
		{"name", d.Name, TransliterateName(p.Name)},
		{"city", d.City, Transliterate(p.City)},
		{"purpose", d.Purpose, Transliterate(p.Purpose)},
		{"bill", d.Bill, Transliterate(p.Bill)},
		{"store", d.Store, Transliterate(p.Store)},
		{"amount", gotAmount, wantAmount},
		{"init method", d.InitMethod, wantInit},
	} {
		if f.got != f.want {
			return &VerifyError{Field: f.name, Got: f.got, Want: f.want}
		}
	}
	return nil
}

// VerifyError reports a payload that does not read back as the Payload it
// was encoded from: which field differs, or (Field "payload") that it does
// not decode at all, with Decode's error in Err.
type VerifyError struct {
	Field     string // "payload", "BIN", "account", "service", "name", "city", "purpose", "bill", "store", "amount", "init method"
	Got, Want string // as decoded and as encoded; empty for "payload" and never shown for "account"
	Err       error  // Decode's error when Field is "payload"
}

// Error says which field reads back wrong. It never shows an account
// number: it is personal data and this error ends up in logs.
func (e *VerifyError) Error() string {
	switch {
	case e.Field == "payload":
		return fmt.Sprintf("qr: payload does not read back: it does not decode: %v", e.Err)
	case e.Field == "account":
		return "qr: payload does not read back: account decodes as another number than the one encoded"
	case e.Field == "amount" && e.Want == "":
		return fmt.Sprintf("qr: payload does not read back: the code must be static, but it carries amount %s", e.Got)
	}
	return fmt.Sprintf("qr: payload does not read back: %s decodes as %q, want %q", e.Field, e.Got, e.Want)
}

// Unwrap returns Decode's error, if any.
func (e *VerifyError) Unwrap() error { return e.Err }
