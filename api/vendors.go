package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/sapqr/sapqr/merchants"
	"github.com/sapqr/sapqr/qr"
)

// vendorJSON is a vendor as the API shows it. Payload is omitted for roles
// that may not see account numbers, since it carries the number in full.
type vendorJSON struct {
	ID                 int64             `json:"id"`
	MarketID           int64             `json:"market_id"`
	StallID            int64             `json:"stall_id"`
	StallCode          string            `json:"stall_code"`
	Stalls             []vendorStallJSON `json:"stalls"`
	CommuneCode        string            `json:"commune_code"`
	ProvinceCode       string            `json:"province_code"`
	FullName           string            `json:"full_name"`
	Phone              string            `json:"phone"`
	Status             string            `json:"status"`
	ConsentAt          time.Time         `json:"consent_at"`
	Accounts           []bankAccountJSON `json:"accounts"`
	Payload            string            `json:"payload,omitempty"`
	SignVersion        int               `json:"sign_version"`
	SignPrintedVersion int               `json:"sign_printed_version"`
	SignOutdated       bool              `json:"sign_outdated"`
	TransactingAt      *time.Time        `json:"transacting_at"`
	RegisteredBy       int64             `json:"registered_by"`
	CreatedAt          time.Time         `json:"created_at"`
	UpdatedAt          time.Time         `json:"updated_at"`
	DeactivatedAt      *time.Time        `json:"deactivated_at"`
	Warnings           []warningJSON     `json:"warnings,omitempty"`
	// BankAccount is the primary active account (the one on the sign),
	// null when there is none; it is also among Accounts.
	BankAccount *bankAccountJSON `json:"bank_account"`
}

// vendorStallJSON is one stall a vendor holds; the vendor's main stall
// (stall_id, stall_code) comes first.
type vendorStallJSON struct {
	StallID    int64     `json:"stall_id"`
	StallCode  string    `json:"stall_code"`
	AssignedAt time.Time `json:"assigned_at"`
	AssignedBy int64     `json:"assigned_by"`
	// SignPrintedVersion is the newest sign version printed for this
	// stall: below the vendor's sign_version, its sign is outdated.
	SignPrintedVersion int `json:"sign_printed_version"`
}

// bankAccountJSON is one of a vendor's bank accounts.
type bankAccountJSON struct {
	ID            int64     `json:"id"`
	BIN           string    `json:"bin"`
	Bank          string    `json:"bank"`
	AccountNumber string    `json:"account_number"`
	HolderName    string    `json:"holder_name"`
	Confirmation  string    `json:"confirmation"`
	Active        bool      `json:"active"`
	Primary       bool      `json:"primary"`
	CreatedAt     time.Time `json:"created_at"`
	verificationJSON
}

// warningJSON is something a successful change tells its user.
type warningJSON struct {
	Code      string  `json:"code"`
	Message   string  `json:"message"`
	VendorIDs []int64 `json:"vendor_ids"`
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func toVendorJSON(a merchants.Actor, v merchants.Vendor) vendorJSON {
	outdated := v.SignOutdated() // from the payload, which VendorFor may hide
	v = merchants.VendorFor(a, v)
	out := vendorJSON{
		ID: v.ID, MarketID: v.MarketID, StallID: v.StallID, StallCode: v.StallCode, Stalls: make([]vendorStallJSON, 0, len(v.Stalls)),
		CommuneCode: v.CommuneCode, ProvinceCode: v.ProvinceCode, FullName: v.FullName, Phone: v.Phone,
		Status: string(v.Status), ConsentAt: v.ConsentAt.UTC(), Accounts: make([]bankAccountJSON, 0, len(v.Accounts)),
		SignVersion: v.SignVersion, SignPrintedVersion: v.SignPrintedVersion, SignOutdated: outdated, Payload: v.Payload,
		TransactingAt: utcPtr(v.TransactingAt), RegisteredBy: v.RegisteredBy,
		CreatedAt: v.CreatedAt.UTC(), UpdatedAt: v.UpdatedAt.UTC(), DeactivatedAt: utcPtr(v.DeactivatedAt),
	}
	for _, h := range v.Stalls {
		out.Stalls = append(out.Stalls, vendorStallJSON{StallID: h.StallID, StallCode: h.StallCode,
			AssignedAt: h.AssignedAt.UTC(), AssignedBy: h.AssignedBy, SignPrintedVersion: h.SignPrintedVersion})
	}
	for _, acc := range v.Accounts {
		bank := ""
		if b, ok := qr.BankByBIN(acc.BIN); ok {
			bank = b.ShortName
		}
		out.Accounts = append(out.Accounts, bankAccountJSON{
			ID: acc.ID, BIN: acc.BIN, Bank: bank, AccountNumber: acc.AccountNumber,
			HolderName: acc.HolderName, Confirmation: string(acc.Confirmation), Active: acc.Active,
			Primary: acc.Primary, CreatedAt: acc.CreatedAt.UTC(), verificationJSON: toVerificationJSON(acc),
		})
		if acc.Active && acc.Primary {
			out.BankAccount = &out.Accounts[len(out.Accounts)-1]
		}
	}
	return out
}

func toVendorResultJSON(a merchants.Actor, r merchants.VendorResult) vendorJSON {
	out := toVendorJSON(a, r.Vendor)
	out.Warnings = warningsJSON(r.Warnings)
	return out
}

func warningsJSON(ws []merchants.Warning) []warningJSON {
	var out []warningJSON
	for _, w := range ws {
		ids := w.VendorIDs
		if ids == nil {
			ids = []int64{}
		}
		out = append(out, warningJSON{Code: w.Code, Message: w.Message, VendorIDs: ids})
	}
	return out
}

// bankAccountRequest is a bank account as typed at the stall.
type bankAccountRequest struct {
	BIN           string `json:"bin"`
	AccountNumber string `json:"account_number"`
	HolderName    string `json:"holder_name"`
	// Confirmation is the payee check as an object, or an older client's
	// string (see confirmationField).
	Confirmation confirmationField `json:"confirmation"`
}

func (b bankAccountRequest) domain() merchants.BankAccountInput {
	in := merchants.BankAccountInput{BIN: b.BIN, AccountNumber: b.AccountNumber, HolderName: b.HolderName,
		Confirmation: merchants.Confirmation(b.Confirmation.legacy)}
	if b.Confirmation.check != nil {
		v := b.Confirmation.check.domain()
		in.Verify = &v
	}
	return in
}

// vendorCreateRequest is the body of POST /vendors: the vendor, the stall
// and the bank account in one call.
type vendorCreateRequest struct {
	MarketID    int64              `json:"market_id"`
	StallCode   string             `json:"stall_code"`
	FullName    string             `json:"full_name"`
	Phone       string             `json:"phone"`
	Consent     bool               `json:"consent"`
	BankAccount bankAccountRequest `json:"bank_account"`
	// Assisted is what the team helped the vendor with that day
	// (account_opened, app_installed, sim_registered).
	Assisted []merchants.Assist `json:"assisted"`
}

// vendorUpdateRequest is the body of PATCH /vendors/{id}.
type vendorUpdateRequest struct {
	FullName  *string `json:"full_name"`
	Phone     *string `json:"phone"`
	StallCode *string `json:"stall_code"`
}

// stallAssignRequest is the body of POST /vendors/{id}/stalls.
type stallAssignRequest struct {
	StallCode string `json:"stall_code"`
}

// accountCreateRequest is the body of POST /vendors/{id}/accounts.
type accountCreateRequest struct {
	bankAccountRequest
	Primary bool `json:"primary"`
}

// handleVendorCreate registers a vendor at a stall with a bank account:
// 201 with the vendor, its id and the sign payload.
func (s *Server) handleVendorCreate(c echo.Context) error {
	var in vendorCreateRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	a := actorOf(c)
	// The Idempotency-Key (its hash, as the key store files it) is also
	// the registration's request key, stored with the vendor: a retry
	// whose answer was not kept (too large) still gets the vendor it
	// created, not a conflict with it.
	var requestKey string
	if k := c.Request().Header.Get(headerIdempotencyKey); k != "" {
		requestKey = keyID(k)
	}
	res, err := s.cfg.Merchants.RegisterVendor(c.Request().Context(), a, merchants.RegisterVendorInput{
		MarketID: in.MarketID, StallCode: in.StallCode, FullName: in.FullName, Phone: in.Phone,
		Consent: in.Consent, BankAccount: in.BankAccount.domain(), RequestKey: requestKey, Assisted: in.Assisted,
	})
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/vendors/"+strconv.FormatInt(res.Vendor.ID, 10))
	return writeJSON(c, http.StatusCreated, toVendorResultJSON(a, res))
}

// handleVendorGet returns one vendor.
func (s *Server) handleVendorGet(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	a := actorOf(c)
	v, err := s.cfg.Merchants.Vendor(c.Request().Context(), a, id)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, toVendorJSON(a, v))
}

// handleVendorList lists vendors in the caller's scope:
// ?market=&commune=&province=&q=&status=&limit=&cursor=.
func (s *Server) handleVendorList(c echo.Context) error {
	pg, err := pageParams(c)
	if err != nil {
		return err
	}
	f := merchants.VendorFilter{
		CommuneCode: c.QueryParam("commune"), ProvinceCode: c.QueryParam("province"), Q: c.QueryParam("q"),
		Status: merchants.VendorStatus(c.QueryParam("status")), Cursor: pg.Cursor, Limit: pg.Limit,
	}
	if v := c.QueryParam("market"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return validationError(FieldError{Field: "market", Message: "must be a market ID (a positive integer)"})
		}
		f.MarketID = id
	}
	a := actorOf(c)
	if err := s.checkUnitParams(c, a); err != nil {
		return err
	}
	res, err := s.cfg.Merchants.ListVendors(c.Request().Context(), a, f)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, newList(res.Vendors, res.NextCursor, func(v merchants.Vendor) vendorJSON { return toVendorJSON(a, v) }))
}

// handleVendorUpdate changes a vendor's name, phone or stall.
func (s *Server) handleVendorUpdate(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in vendorUpdateRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	a := actorOf(c)
	res, err := s.cfg.Merchants.UpdateVendor(c.Request().Context(), a, id, merchants.UpdateVendorInput{
		FullName: in.FullName, Phone: in.Phone, StallCode: in.StallCode,
	})
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, toVendorResultJSON(a, res))
}

// handleVendorDelete removes a vendor (a soft delete: status inactive,
// history kept, stall and account free again) and returns it.
func (s *Server) handleVendorDelete(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	a := actorOf(c)
	v, err := s.cfg.Merchants.DeactivateVendor(c.Request().Context(), a, id)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, toVendorJSON(a, v))
}

// handleVendorAccountCreate adds a bank account to a vendor: 201 with the
// vendor (and its new payload when the account became primary).
func (s *Server) handleVendorAccountCreate(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in accountCreateRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	a := actorOf(c)
	res, err := s.cfg.Merchants.AddBankAccount(c.Request().Context(), a, id, merchants.AddBankAccountInput{
		BankAccountInput: in.domain(), Primary: in.Primary,
	})
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusCreated, toVendorResultJSON(a, res))
}

// handleVendorConfirmTransacting records the vendor's first real payment
// through the QR.
func (s *Server) handleVendorConfirmTransacting(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	a := actorOf(c)
	v, err := s.cfg.Merchants.ConfirmTransacting(c.Request().Context(), a, id)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, toVendorJSON(a, v))
}

// handleVendorStallAssign gives a vendor one more stall of its market by
// code: 201 with the vendor, as when an account is added. A stall the
// vendor already holds changes nothing (a retry is harmless); one another
// vendor holds is a conflict.
func (s *Server) handleVendorStallAssign(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in stallAssignRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	a := actorOf(c)
	res, err := s.cfg.Merchants.AssignStall(c.Request().Context(), a, id, in.StallCode)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusCreated, toVendorResultJSON(a, res))
}

// handleVendorStallRelease takes a stall from a vendor, which keeps at
// least one: 200 with the vendor, whose earliest other stall is main when
// the main one went.
func (s *Server) handleVendorStallRelease(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	stallID, err := pathID(c, "stall_id")
	if err != nil {
		return err
	}
	a := actorOf(c)
	v, err := s.cfg.Merchants.ReleaseStall(c.Request().Context(), a, id, stallID)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, toVendorJSON(a, v))
}
