package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/sapqr/sapqr/merchants"
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
	payload, err := merchants.PreviewPayload(merchants.BankAccountInput{BIN: in.BIN, AccountNumber: in.AccountNumber, HolderName: in.HolderName})
	if err != nil {
		return err
	}
	svg, err := qrSVG(payload)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, uiPreviewAnswer{Payload: payload, SVG: string(svg)})
}
