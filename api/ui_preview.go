package api

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/sapqr/sapqr/qr"
)

// uiPreviewRequest is the bank account typed on the sign-up page.
type uiPreviewRequest struct {
	BIN           string `json:"bin"`
	AccountNumber string `json:"account_number"`
	HolderName    string `json:"holder_name"`
}

// uiPreviewAnswer is the payload the sign would carry and its QR code.
type uiPreviewAnswer struct {
	Payload string `json:"payload"`
	SVG     string `json:"svg"`
}

// handleUIPreview builds the QR of a bank account before the vendor is
// saved, so the team member can show the vendor their sign. It changes
// nothing; the fields the payload refuses come back under their sign-up
// names (bank_account.bin…), so the page shows them next to the inputs.
func (s *Server) handleUIPreview(c echo.Context) error {
	var in uiPreviewRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	payload, err := previewPayload(in)
	if err != nil {
		return err
	}
	svg, err := qrSVG(payload)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, uiPreviewAnswer{Payload: payload, SVG: string(svg)})
}

// previewPayload builds the static sign payload of a typed bank account
// the way the domain will (no amount, holder name as tag 59 when it fits)
// and reports what the encoder refuses as validation errors named like
// the sign-up form's fields.
func previewPayload(in uiPreviewRequest) (string, error) {
	var fields []FieldError
	if _, ok := qr.BankByBIN(in.BIN); !ok {
		fields = append(fields, FieldError{Field: "bank_account.bin", Message: "choose a bank from the directory"})
	}
	p := qr.Payload{BIN: in.BIN, Account: strings.ReplaceAll(in.AccountNumber, " ", ""), Service: qr.ServiceAccount}
	if name := qr.TransliterateName(in.HolderName); len(name) <= maxHolderTag {
		p.Name = name
	}
	payload, err := qr.Encode(p)
	if err != nil {
		names := map[string]string{"bin": "bin", "account": "account_number", "name": "holder_name"}
		errs := []error{err}
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			errs = j.Unwrap()
		}
		for _, e := range errs {
			var fe *qr.FieldError
			if !errors.As(e, &fe) {
				return "", err
			}
			name, ok := names[fe.Field]
			if !ok {
				name = fe.Field
			}
			if name == "bin" && len(fields) > 0 {
				continue // already reported
			}
			fields = append(fields, FieldError{Field: "bank_account." + name, Message: fe.Message})
		}
	}
	if len(fields) > 0 {
		return "", validationError(fields...)
	}
	return payload, nil
}

// maxHolderTag is the VietQR limit of the holder name (tag 59); a longer
// name is left out of the payload, as on the printed sign.
const maxHolderTag = 25
