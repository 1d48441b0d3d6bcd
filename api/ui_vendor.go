package api

import (
	"bytes"
	"html/template"
	"net/http"
	"slices"
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
	Checked       bool // the account's payee was checked, so its sign and card are given
}

// signOf builds the sign view of v at market m. It returns an error only
// when a stored payload cannot be drawn, which is a server fault.
func signOf(m merchants.Market, v merchants.Vendor) (uiSign, error) {
	s := uiSign{MarketName: m.Name, StallCode: v.StallCode, FullName: v.FullName, Payload: v.Payload}
	if a, ok := v.PrimaryAccount(); ok {
		s.Holder, s.Checked = a.HolderName, a.Verified()
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
	// Verify is the payee check of the primary account: "ok" (the bank app
	// name), "override" (a commune officer's), "legacy" (stored before
	// checks), "none" (not checked: no sign prints), or empty without one.
	Verify      string
	VerifiedAt  string
	CanOverride bool // may let the signs print without the check
	// Transfer notifications: whether known, connected, and whether the
	// first payment came from a transfer.
	NotificationsKnown bool
	Notifications      bool
	TransactingBank    bool
}

// verifyState is the Verify of the vendor page for v's primary account.
func verifyState(v merchants.Vendor) (state, at string) {
	acc, ok := v.PrimaryAccount()
	switch {
	case !ok:
		return "", ""
	case !acc.Verified():
		return "none", ""
	case acc.VerifyMethod == merchants.VerifyLegacy:
		state = "legacy"
	case acc.VerifyMethod == merchants.VerifyOfficerOverride:
		state = "override"
	default:
		state = "ok"
	}
	return state, showTime(*acc.VerifiedAt)
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
		read := s.cfg.Merchants.VendorView
		if s.cfg.Transfers != nil {
			read = s.cfg.Transfers.VendorView
		}
		view, err := read(c.Request().Context(), actorOf(c), id)
		if err != nil {
			return err
		}
		d, err := vendorPage(view)
		if err != nil {
			return err
		}
		return p.render(c, http.StatusOK, "vendor", "title.vendor", d, "vendor.js", "card.js")
	}
}

// vendorPage lays a vendor's view out for its page.
func vendorPage(view merchants.VendorView) (uiVendorData, error) {
	v := view.Vendor
	sign, err := signOf(view.Market, v)
	if err != nil {
		return uiVendorData{}, err
	}
	d := uiVendorData{
		CanEdit:      view.CanEdit,
		QRHidden:     !view.SeeQR,
		uiSign:       sign,
		ID:           v.ID,
		MarketID:     v.MarketID,
		StallCodes:   strings.Join(v.StallCodes(), ", "),
		Stalls:       uiVendorStalls(v),
		Phone:        v.Phone,
		RegisteredAt: showTime(v.CreatedAt),
		Active:       v.Status == merchants.VendorActive,
		StatusClass:  string(v.Progress()),
		SignOutdated: view.SignOutdated,
		Transacting:  v.TransactingAt != nil,
		CanOverride:  view.CanOverride,

		NotificationsKnown: view.HookSources >= 0,
		Notifications:      view.HookSources > 0,
		TransactingBank:    v.TransactingSource == merchants.TransactingBank,
	}
	d.Verify, d.VerifiedAt = verifyState(v)
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
	for _, l := range view.Links {
		d.Links = append(d.Links, uiLinkRow{ID: l.ID, CreatedAt: showTime(l.CreatedAt)})
	}
	for _, r := range slices.Backward(view.Signs) { // newest first
		d.Signs = append(d.Signs, uiSignRow{Version: r.Version, Reason: string(r.Reason), Printed: r.Printed, At: showTime(r.At)})
	}
	return d, nil
}
