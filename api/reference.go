package api

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/sapqr/sapqr/qr"
)

// maxPayloadLen bounds POST /qr/decode input: an EMVCo payload is at most
// 512 characters.
const maxPayloadLen = 512

// handleBanks lists the bank directory (small and fixed, so not paged).
func (s *Server) handleBanks(c echo.Context) error {
	return writeJSON(c, http.StatusOK, listAnswer[qr.Bank]{Items: qr.Banks()})
}

// decodeRequest is the body of POST /qr/decode.
type decodeRequest struct {
	Payload string `json:"payload"`
}

// handleQRDecode checks any VietQR payload and answers with the same JSON
// as `sapqr qr decode`: 200 with valid false and the reason for a payload
// that does not decode, since the check itself succeeded.
func (s *Server) handleQRDecode(c echo.Context) error {
	var in decodeRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	p := strings.TrimSpace(in.Payload)
	switch {
	case p == "":
		return validationError(FieldError{Field: "payload", Message: "is required: the text read from the QR code"})
	case len(p) > maxPayloadLen:
		return validationError(FieldError{Field: "payload", Message: "is longer than the 512 characters a VietQR payload can have"})
	}
	d, _ := qr.Decode(p)
	return writeJSON(c, http.StatusOK, d)
}
