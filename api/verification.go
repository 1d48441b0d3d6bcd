package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"reflect"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/sapqr/sapqr/merchants"
)

// verifyRequest is the payee check: the body of POST
// /vendors/{id}/verification, and bank_account.confirmation as an object.
type verifyRequest struct {
	Method   string `json:"method"`
	NameSeen string `json:"name_seen"`
	Reason   string `json:"reason"`
}

func (r verifyRequest) domain() merchants.VerifyInput {
	return merchants.VerifyInput{Method: merchants.VerifyMethod(r.Method), NameSeen: r.NameSeen, Reason: r.Reason}
}

// confirmationField is bank_account.confirmation: an object, the payee
// check {"method":"bank_app_name","name_seen":"…"}; or, as older clients
// send it, one of the strings "", "app_shown", "test_transfer", recorded
// as before and verifying nothing.
type confirmationField struct {
	legacy string
	check  *verifyRequest
}

// UnmarshalJSON takes a string, an object or null, strictly.
func (f *confirmationField) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		return nil
	case len(b) > 0 && b[0] == '"':
		return json.Unmarshal(b, &f.legacy)
	case len(b) > 0 && b[0] == '{':
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		f.check = new(verifyRequest)
		return dec.Decode(f.check)
	}
	return &json.UnmarshalTypeError{Value: "a " + jsonValueKind(b), Type: reflect.TypeFor[verifyRequest]()}
}

// jsonValueKind names the kind of the JSON value b for an error.
func jsonValueKind(b []byte) string {
	switch {
	case len(b) == 0:
		return "nothing"
	case b[0] == '[':
		return "array"
	case b[0] == 't' || b[0] == 'f':
		return "boolean"
	}
	return "number"
}

// verificationJSON shows how an account's payee was checked, in
// bankAccountJSON.
type verificationJSON struct {
	VerifiedAt *time.Time `json:"verified_at"`
	// VerifiedBy is the ID of the user who checked, or "legacy" for an
	// account stored before payees were checked; null while unchecked.
	VerifiedBy   any    `json:"verified_by"`
	Verification string `json:"verification"`
}

func toVerificationJSON(acc merchants.BankAccount) verificationJSON {
	out := verificationJSON{VerifiedAt: utcPtr(acc.VerifiedAt), Verification: string(acc.VerifyMethod)}
	switch {
	case !acc.Verified():
		out.Verification = "unverified"
	case acc.VerifyMethod == merchants.VerifyLegacy:
		out.VerifiedBy = string(merchants.VerifyLegacy)
	default:
		out.VerifiedBy = acc.VerifiedBy
	}
	return out
}

// handleVendorVerification checks the payee of the vendor's primary
// account ({"method":"bank_app_name","name_seen":"…"}), or lets a commune
// officer override the check ({"method":"officer_override","reason":"…"}):
// 200 with the vendor, whose signs then print.
func (s *Server) handleVendorVerification(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in verifyRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	a := actorOf(c)
	v, err := s.cfg.Merchants.VerifyAccount(c.Request().Context(), a, id, in.domain())
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, toVendorJSON(a, v))
}
