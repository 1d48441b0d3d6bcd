package api

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/sapqr/sapqr/merchants"
	"github.com/sapqr/sapqr/qr"
)

func showTime(t time.Time) string { return t.In(merchants.Vietnam).Format("02/01/2006 15:04") }

// uiSign is what a sign shows, for the vendor page and the vendor's link.
type uiSign struct {
	MarketName    string
	StallCode     string
	FullName      string
	BankShort     string
	BankName      string
	MaskedAccount string
	Holder        string
	QRSVG         template.HTML // empty when the vendor has no QR
	Payload       string
}

// signOf builds the sign view of v at market m. It returns an error only
// when a stored payload cannot be drawn, which is a server fault.
func signOf(m merchants.Market, v merchants.Vendor) (uiSign, error) {
	s := uiSign{MarketName: m.Name, StallCode: v.StallCode, FullName: v.FullName, Payload: v.Payload}
	if a, ok := v.PrimaryAccount(); ok {
		s.Holder = a.HolderName
		s.MaskedAccount = qr.MaskAccount(a.AccountNumber, 4)
		s.BankShort = a.BIN
		if b, ok := qr.BankByBIN(a.BIN); ok {
			s.BankShort, s.BankName = b.ShortName, b.Name
		}
	}
	if v.Payload != "" {
		svg, err := qrSVG(v.Payload)
		if err != nil {
			return s, err
		}
		s.QRSVG = svg
	}
	return s, nil
}

// qrSVG draws payload as an inline SVG QR code.
func qrSVG(payload string) (template.HTML, error) {
	m, err := qr.NewMatrix(payload, qr.ECMedium)
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	if err := m.WriteSVG(&b); err != nil {
		return "", err
	}
	svg := strings.Replace(b.String(), "<svg ", `<svg class="qr" role="img" aria-label="VietQR" `, 1)
	return template.HTML(svg), nil
}

// uiAccount is one bank account row on the vendor page.
type uiAccount struct {
	BankShort, BIN, Number, Holder string
	Primary, Active                bool
}

// uiVendorStall is one stall a vendor holds, on the vendor page and the
// vendor's own link page.
type uiVendorStall struct {
	ID         int64
	Code       string
	Main       bool
	AssignedAt string
	SignState  string // a merchants.SignState, empty without a QR
}

// uiVendorStalls lists the stalls v holds, main first.
func uiVendorStalls(v merchants.Vendor) []uiVendorStall {
	out := make([]uiVendorStall, 0, len(v.Stalls))
	for _, h := range v.Stalls {
		out = append(out, uiVendorStall{ID: h.StallID, Code: h.StallCode, Main: h.StallID == v.StallID,
			AssignedAt: showTime(h.AssignedAt), SignState: string(v.SignState(h))})
	}
	return out
}

// uiSignRow is one sign record on the vendor page.
type uiSignRow struct {
	Version int
	Reason  string
	Printed bool
	At      string
}

// uiVendorData is the vendor page.
type uiVendorData struct {
	uiSign
	CanEdit       bool // may register: confirm payments, print signs, create links
	QRHidden      bool // the role may not see account numbers, so no QR
	ID            int64
	MarketID      int64
	StallCodes    string          // every stall held, main first, for the title
	Stalls        []uiVendorStall // the stalls held, main first
	Phone         string
	RegisteredAt  string
	Active        bool
	StatusClass   string
	Accounts      []uiAccount
	Signs         []uiSignRow
	SignOutdated  bool
	Transacting   bool
	TransactingAt string
	Links         []uiLinkRow // active private links, shown only to CanEdit
}

// uiLinkRow is one of a vendor's active private links: when it was made,
// never its token, which is not stored.
type uiLinkRow struct {
	ID        int64
	CreatedAt string
}

// handleUIVendorPage shows a vendor: details, accounts (numbers masked),
// the sign with its QR, sign versions, downloads, the first-payment
// confirmation and the private link.
func (s *Server) handleUIVendorPage(p *uiPages) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		ctx, a := c.Request().Context(), actorOf(c)
		v, err := s.cfg.Merchants.Vendor(ctx, a, id)
		if err != nil {
			return err
		}
		m, err := s.cfg.Merchants.Market(ctx, a, v.MarketID)
		if err != nil {
			return err
		}
		recs, err := s.cfg.Merchants.SignRecords(ctx, a, id)
		if err != nil {
			return err
		}
		// The QR carries the full account number: only roles that may see
		// account numbers get it (as the API's payload routes decide).
		seeQR := a.Can(merchants.PermSeeAccountNumbers)
		if !seeQR {
			v.Payload = ""
		}
		sign, err := signOf(m, v)
		if err != nil {
			return err
		}
		stalls := uiVendorStalls(v)
		outdated := false
		for _, h := range v.Stalls {
			// A stall that never had a sign is shown as such on its row;
			// the warning is for a sign that hangs with an old QR.
			outdated = outdated || v.SignState(h) == merchants.SignOutdated
		}
		d := uiVendorData{
			CanEdit:      a.Can(merchants.PermRegister),
			QRHidden:     !seeQR,
			uiSign:       sign,
			ID:           v.ID,
			MarketID:     v.MarketID,
			StallCodes:   strings.Join(v.StallCodes(), ", "),
			Stalls:       stalls,
			Phone:        v.Phone,
			RegisteredAt: showTime(v.CreatedAt),
			Active:       v.Status == merchants.VendorActive,
			StatusClass:  string(v.Progress()),
			SignOutdated: outdated,
			Transacting:  v.TransactingAt != nil,
		}
		if !d.Active {
			d.StatusClass = "inactive"
			d.StallCodes = v.StallCode // the stall it last held
		}
		if v.TransactingAt != nil {
			d.TransactingAt = showTime(*v.TransactingAt)
		}
		for _, acc := range v.Accounts {
			short := acc.BIN
			if b, ok := qr.BankByBIN(acc.BIN); ok {
				short = b.ShortName
			}
			d.Accounts = append(d.Accounts, uiAccount{BankShort: short, BIN: acc.BIN,
				Number: qr.MaskAccount(acc.AccountNumber, 4), Holder: acc.HolderName,
				Primary: acc.Primary && acc.Active, Active: acc.Active})
		}
		if d.Active && d.CanEdit {
			links, err := s.cfg.Merchants.VendorLinks(ctx, a, id)
			if err != nil {
				return err
			}
			for _, l := range links {
				if l.RevokedAt == nil {
					d.Links = append(d.Links, uiLinkRow{ID: l.ID, CreatedAt: showTime(l.CreatedAt)})
				}
			}
		}
		for i := len(recs) - 1; i >= 0; i-- { // newest first
			r := recs[i]
			d.Signs = append(d.Signs, uiSignRow{Version: r.Version, Reason: string(r.Reason), Printed: r.Printed, At: showTime(r.At)})
		}
		return p.render(c, http.StatusOK, "vendor", "title.vendor", d, "vendor.js")
	}
}

// uiLinkAnswer is the answer to creating a vendor's private link: the
// URL (shown once) and a QR code of it for the vendor to scan.
type uiLinkAnswer struct {
	ID    int64  `json:"id"`
	URL   string `json:"url"`
	QRSVG string `json:"qr_svg"`
}

// handleUIVendorLinkCreate creates a vendor's private link and answers
// with its URL and QR; the token is not stored and never shown again.
func (s *Server) handleUIVendorLinkCreate(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	link, token, err := s.cfg.Merchants.CreateVendorLink(c.Request().Context(), actorOf(c), id)
	if err != nil {
		return err
	}
	u := c.Scheme() + "://" + c.Request().Host + "/v/" + token
	svg, err := qrSVG(u)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusCreated, uiLinkAnswer{ID: link.ID, URL: u, QRSVG: string(svg)})
}

// handleUIVendorLinkRevoke revokes one private link; its page then says
// the link is no longer valid.
func (s *Server) handleUIVendorLinkRevoke(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.cfg.Merchants.RevokeVendorLink(c.Request().Context(), actorOf(c), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// uiLinkData is the vendor's own page.
type uiLinkData struct {
	uiSign
	Base       string          // the link's path, for the sign downloads
	StallCodes string          // every stall held, main first
	Stalls     []uiVendorStall // a sign to download for each
}

// validLinkToken accepts only the shape tokens have (43 base64url
// characters), so junk never reaches the database.
func validLinkToken(t string) bool {
	if len(t) != 43 {
		return false
	}
	for i := 0; i < len(t); i++ {
		b := t[i]
		if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '-' || b == '_') {
			return false
		}
	}
	return true
}

// vendorByLink resolves a link token. Wrong, revoked and malformed tokens
// all give merchants.ErrNotFound, so the answers cannot tell them apart.
func (s *Server) vendorByLink(c echo.Context) (merchants.Vendor, error) {
	token := c.Param("token")
	if !validLinkToken(token) {
		return merchants.Vendor{}, merchants.ErrNotFound
	}
	return s.cfg.Merchants.VendorByLink(c.Request().Context(), token)
}

// handleUIVendorLinkPage is the vendor's own page, opened without login
// from the private link: their sign, QR and masked bank details, and the
// sign downloads. A wrong or revoked token gets the same plain "link no
// longer valid" page with 404.
func (s *Server) handleUIVendorLinkPage(p *uiPages) echo.HandlerFunc {
	return func(c echo.Context) error {
		v, err := s.vendorByLink(c)
		if errors.Is(err, merchants.ErrNotFound) {
			return p.render(c, http.StatusNotFound, "link_invalid", "title.link_invalid", nil)
		}
		if err != nil {
			return err
		}
		m, err := s.cfg.Merchants.MarketByLink(c.Request().Context(), c.Param("token"))
		if err != nil {
			return err
		}
		sign, err := signOf(m, v)
		if err != nil {
			return err
		}
		return p.render(c, http.StatusOK, "link", "title.link", uiLinkData{uiSign: sign, Base: "/v/" + c.Param("token"),
			StallCodes: strings.Join(v.StallCodes(), ", "), Stalls: uiVendorStalls(v)})
	}
}

// handleUIVendorLinkSign downloads the vendor's sign (?size=a6|a5|a4) for
// one of its stalls (?stall_id=, the main stall when absent) from the
// private link, without login. The link's vendor has its account
// numbers masked; the full number the sign prints is the one its public
// QR payload carries anyway. Downloads here are not recorded as prints:
// only a team member can say a sign went up on the stall.
func (s *Server) handleUIVendorLinkSign(p *uiPages) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := s.vendorLinkSign(c)
		if errors.Is(err, merchants.ErrNotFound) {
			return p.render(c, http.StatusNotFound, "link_invalid", "title.link_invalid", nil)
		}
		return err
	}
}

// vendorLinkSign answers the sign of the vendor the link in the path
// opens.
func (s *Server) vendorLinkSign(c echo.Context) error {
	size, stallID, err := signParams(c)
	if err != nil {
		return err
	}
	sign, err := s.cfg.Merchants.LinkSign(c.Request().Context(), c.Param("token"), stallID)
	if err != nil {
		return err
	}
	pdf, err := s.renderSign(sign, size)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	h.Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="sapqr-sign-%s-%s.pdf"`, safeFileName(sign.Stall), size))
	return c.Blob(http.StatusOK, "application/pdf", pdf)
}

// safeFileName keeps the letters, digits and dashes of s for a download's
// file name.
func safeFileName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return -1
	}, s)
}

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
