package merchants

import (
	"errors"
	"fmt"

	"github.com/sapqr/sapqr/qr"
)

// stallSign returns the payload of a stall sign for a: the static
// VietQR code qr.StallSign describes, without a purpose.
func stallSign(a BankAccount) qr.Payload {
	return qr.StallSign(a.BIN, a.AccountNumber, a.HolderName, "")
}

// signPayload is the payload of a's stall sign, proved by
// qr.EncodeVerified: it decodes again as a. Every account is proved so
// before it is stored; reads then only encode.
func signPayload(a BankAccount) (string, error) {
	return qr.EncodeVerified(stallSign(a))
}

// checkPayload reports, under prefix, the fields of a bank account the
// VietQR encoder refuses (an unknown BIN, a bad account number).
func checkPayload(p *problems, prefix string, a BankAccount) {
	_, err := signPayload(a)
	if err == nil {
		return
	}
	names := map[string]string{"bin": "bin", "account": "account_number", "name": "holder_name"}
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else {
		errs = []error{err}
	}
	for _, e := range errs {
		var fe *qr.FieldError
		if errors.As(e, &fe) {
			field, ok := names[fe.Field]
			if !ok {
				field = fe.Field
			}
			p.add(prefix+field, fe.Message)
			continue
		}
		p.add(prefix+"account_number", e.Error())
	}
}

// withPayload fills v.Payload from its primary account, which was proved
// by signPayload when it was stored.
func withPayload(v Vendor) (Vendor, error) {
	v.Payload = ""
	if a, ok := v.PrimaryAccount(); ok && v.Status == VendorActive {
		p, err := qr.Encode(stallSign(a))
		if err != nil {
			return v, fmt.Errorf("vendor %d: %w", v.ID, err)
		}
		v.Payload = p
	}
	return v, nil
}

// maskAccount hides all but the last four characters of an account
// number, as every masked view in SạpQR shows it.
func maskAccount(n string) string { return qr.MaskAccount(n, 4) }

// PreviewPayload returns the payload the stall sign of a bank account
// typed at sign-up would carry, checked by the rules registration applies
// (fields named bank_account.*, as in RegisterVendorInput). It changes
// nothing and returns a *ValidationError for a bad account.
func PreviewPayload(in BankAccountInput) (string, error) {
	var p problems
	acc := checkBankAccount(&p, "bank_account.", in)
	if err := p.err(); err != nil {
		return "", err
	}
	return signPayload(acc)
}
