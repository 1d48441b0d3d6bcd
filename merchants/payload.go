package merchants

import (
	"errors"
	"fmt"

	"github.com/sapqr/sapqr/qr"
)

// maxTagName is the VietQR limit for the holder name (tag 59).
const maxTagName = 25

// encodePayload returns the static VietQR payload of a stall sign for a:
// no amount, the holder name as tag 59 when it fits.
func encodePayload(a BankAccount) (string, qr.Payload, error) {
	p := qr.Payload{BIN: a.BIN, Account: a.AccountNumber, Service: qr.ServiceAccount}
	if len(a.HolderName) <= maxTagName {
		p.Name = a.HolderName
	}
	payload, err := qr.Encode(p)
	return payload, p, err
}

// signPayload is encodePayload, proved: it decodes the payload again and
// refuses one that does not read back as a. Every account is proved so
// before it is stored; reads then only encode.
func signPayload(a BankAccount) (string, error) {
	payload, p, err := encodePayload(a)
	if err != nil {
		return "", err
	}
	d, err := qr.Decode(payload)
	if err != nil {
		return "", fmt.Errorf("payload %q does not decode: %w", payload, err)
	}
	if d.BIN != a.BIN || d.Account != a.AccountNumber || d.Name != p.Name || d.InitMethod != "11" || d.Amount != nil {
		return "", fmt.Errorf("payload %q decodes to bin %q account %q name %q, not what was encoded", payload, d.BIN, d.Account, d.Name)
	}
	return payload, nil
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
		p, _, err := encodePayload(a)
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
