package qr

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// rootState is what fill remembers across the root objects: the order
// seen so far, which account templates were found and the amount, whose
// pointer is only set once the whole payload is read.
type rootState struct {
	last      int    // the last tag ID read, for the order warning
	napas     bool   // tag 38 carries the NAPAS GUID
	guid38    string // what tag 38 carries when it is not NAPAS
	otherGUID string // the first foreign account template, for the error
	otherID   int
	amount    string
	hasAmount bool
}

// fill reads the root objects of s into d in one pass. It returns ErrTLV
// when the objects or a template inside them are malformed and
// ErrNotVietQR when no NAPAS account is present.
func (d *Decoded) fill(s string, runes bool) error {
	sc := scanner{s: s, runes: runes}
	st := rootState{last: -1}
	for id, val, off, ok := sc.next(); ok; id, val, off, ok = sc.next() {
		if id == 63 && sc.i < len(s) {
			return fmt.Errorf("%w: tag 63 (CRC) at offset %d is not the last object", ErrTLV, off)
		}
		if err := d.readRoot(&st, id, val, off, runes); err != nil {
			return err
		}
	}
	if sc.err != nil {
		return sc.err
	}
	if !st.napas {
		if st.hasAmount {
			a := st.amount
			d.Amount = &a
		}
		return notVietQR(&st, sc.seen.has(38))
	}
	if d.BIN == "" {
		return fmt.Errorf("%w: tag 38 has no BIN (38/01/00)", ErrTLV)
	}
	if d.Account == "" {
		return fmt.Errorf("%w: tag 38 has no account (38/01/01)", ErrTLV)
	}
	d.checkMandatory(sc.seen)
	d.setPointers(st.amount, st.hasAmount)
	switch {
	case d.InitMethod == "11" && d.Amount != nil:
		d.warn("static code (01=11) carries an amount")
	case d.InitMethod == "12" && d.Amount == nil:
		d.warn("dynamic code (01=12) has no amount")
	}
	return nil
}

// readRoot reads one root object, id at payload offset off, into d or st.
// It warns about the order and emptiness every object shares and hands
// the tags outside the VietQR fields to readForeign.
func (d *Decoded) readRoot(st *rootState, id int, val string, off int, runes bool) error {
	if id != 63 { // always last
		if id < st.last {
			d.warn("tag %02d comes after tag %02d (the spec allows any order, apps expect ascending)", id, st.last)
		}
		st.last = id
		if val == "" {
			d.warn("tag %02d is empty (the spec requires 1–99 characters)", id)
		}
	}
	switch id {
	case 0:
		if off != 0 {
			d.warn("tag 00 (payload format) is not the first object")
		}
		if val != "01" {
			d.warn("tag 00: payload format %q, expected \"01\"", val)
		}
	case 1:
		d.InitMethod = val
		if val != "11" && val != "12" {
			d.warn("tag 01: point of initiation %q, expected 11 (static) or 12 (dynamic)", val)
		}
	case 38:
		g, err := d.readNAPAS(val, off+4, runes)
		if err != nil {
			return err
		}
		if g == guidNAPAS || strings.EqualFold(g, guidNAPAS) {
			st.napas = true
		} else {
			st.guid38 = g
		}
	case 52:
		d.MCC = val
		if len(val) != 4 || !allDigits(val) {
			d.warn("tag 52: merchant category code %q is not 4 digits", val)
		}
	case 53:
		d.Currency = val
		if val != currencyVND {
			d.warn("tag 53: currency %q, VietQR uses 704 (VND)", val)
		}
	case 54:
		st.amount, st.hasAmount = val, true
		if msg := checkAmount(val); msg != "" {
			d.warn("tag 54: amount %q %s", val, msg)
		}
	case 58:
		d.Country = val
		if val != countryVN {
			d.warn("tag 58: country %q, VietQR uses VN", val)
		}
	case 59:
		d.Name = val
		d.checkText("59 (name)", val, maxName)
	case 60:
		d.City = val
		d.checkText("60 (city)", val, maxCity)
	case 62:
		return d.readAdditional(val, off+4, runes)
	case 63:
		// Checked by checkCRC.
	default:
		d.readForeign(st, id, val, runes)
	}
	return nil
}

// readForeign keeps a root object VietQR does not read (another scheme's
// account, EMVCo-reserved and unreserved data, tip and fee, postal code,
// language template) and warns about those a VietQR code should not hold.
func (d *Decoded) readForeign(st *rootState, id int, val string, runes bool) {
	d.keep(id, val)
	switch {
	case id >= 26 && id <= 51:
		g := templateGUID(val, runes)
		if st.otherGUID == "" {
			st.otherGUID, st.otherID = g, id
		}
		d.warn("tag %02d: %s account template ignored", id, schemeName(g))
	case id >= 2 && id <= 25:
		d.warn("tag %02d: %s card-scheme account ignored", id, cardScheme(id))
	case id >= 80:
		d.warn("tag %02d: unreserved (80–99) data ignored", id)
	case id >= 65:
		d.warn("tag %02d: EMVCo-reserved (65–79) data ignored", id)
	}
}

// notVietQR says why a well-formed payload without a NAPAS account is not
// VietQR, naming VNPAY-QR or the GUID it carries instead.
func notVietQR(st *rootState, has38 bool) error {
	switch {
	case strings.EqualFold(st.otherGUID, guidVNPAY):
		return fmt.Errorf("%w: VNPAY-QR (tag %02d, GUID %s); VietQR carries tag 38 with GUID %s", ErrNotVietQR, st.otherID, st.otherGUID, guidNAPAS)
	case has38:
		return fmt.Errorf("%w: tag 38 carries GUID %q, not the NAPAS GUID %s", ErrNotVietQR, st.guid38, guidNAPAS)
	case st.otherGUID != "" || st.otherID != 0:
		return fmt.Errorf("%w: no tag 38 with the NAPAS GUID %s, only tag %02d with GUID %q", ErrNotVietQR, guidNAPAS, st.otherID, st.otherGUID)
	}
	return fmt.Errorf("%w: no tag 38 with the NAPAS GUID %s", ErrNotVietQR, guidNAPAS)
}

// checkMandatory warns about each mandatory root object the payload left
// out.
func (d *Decoded) checkMandatory(seen tagSet) {
	const mandatory = 1<<0 | 1<<1 | 1<<53 | 1<<58 // all in the first word of the tag set
	if seen[0]&mandatory == mandatory {
		return
	}
	for _, m := range [...]struct {
		id   int
		what string
	}{{0, "00 (payload format)"}, {1, "01 (point of initiation)"}, {53, "53 (currency)"}, {58, "58 (country)"}} {
		if !seen.has(m.id) {
			d.warn("tag %s is missing", m.what)
		}
	}
}

// setPointers looks the BIN up (checkBIN) and sets d.Bank and d.Amount.
// Decoded hands out pointers, to strings of its own: a stall sign (a known
// bank, no amount) costs one small allocation, a dynamic code one more.
func (d *Decoded) setPointers(amount string, hasAmount bool) {
	if bank, known := d.checkBIN(); known {
		p := new(string)
		*p = bank
		d.Bank = p
	}
	if hasAmount {
		p := new(string)
		*p = amount
		d.Amount = p
	}
}

// keep records a root object the fields do not cover.
func (d *Decoded) keep(id int, val string) {
	d.Extra = append(d.Extra, Tag{ID: string([]byte{byte('0' + id/10), byte('0' + id%10)}), Value: val})
}

// readNAPAS reads tag 38 and returns its GUID.
func (d *Decoded) readNAPAS(val string, base int, runes bool) (guid string, err error) {
	sc := scanner{s: val, base: base, runes: runes, where: "in tag 38, "}
	for id, v, off, ok := sc.next(); ok; id, v, off, ok = sc.next() {
		switch id {
		case 0:
			guid = v
		case 1:
			if err := d.readBeneficiary(v, off+4, runes); err != nil {
				return "", err
			}
		case 2:
			d.Service = v
		}
	}
	if sc.err != nil {
		return "", sc.err
	}
	if guid != guidNAPAS && !strings.EqualFold(guid, guidNAPAS) {
		return guid, nil
	}
	switch d.Service {
	case "":
		d.Service = string(ServiceAccount)
		d.warn("tag 38: no service code (38/02), QRIBFTTA assumed")
	case string(ServiceAccount), string(ServiceCard), string(ServicePush), "QRCASH":
	default:
		d.warn("tag 38: unknown service code %q", d.Service)
	}
	if n := len(d.Account); n > 0 && (n > maxAccount || !alnumString(d.Account)) {
		d.warn("tag 38: account is not 1–%d letters or digits", maxAccount)
	}
	return guid, nil
}

// readBeneficiary reads 38/01: the BIN and the account, and the service
// code some encoders nest there by mistake.
func (d *Decoded) readBeneficiary(val string, base int, runes bool) error {
	sc := scanner{s: val, base: base, runes: runes, where: "in tag 38/01, "}
	for id, v, _, ok := sc.next(); ok; id, v, _, ok = sc.next() {
		switch id {
		case 0:
			d.BIN = v
		case 1:
			d.Account = v
		case 2:
			if d.Service == "" {
				d.Service = v
			}
			d.warn("tag 38: service code 02 nested inside 38/01 instead of 38")
		}
	}
	return sc.err
}

// checkBIN looks the BIN up, warns when it is unknown or flagged, and
// returns the bank's short name.
func (d *Decoded) checkBIN() (shortName string, known bool) {
	b := bankDirectory().lookup(d.BIN)
	switch {
	case b == nil:
		d.warn("bin %s is not in the bank directory", d.BIN)
		return "", false
	case b.Deprecated:
		d.warn("bin %s (%s) is deprecated: %s", b.BIN, b.ShortName, b.Note)
	case b.Conflict:
		d.warn("bin %s (%s) conflicts between sources: %s", b.BIN, b.ShortName, b.Note)
	}
	return b.ShortName, true
}

// readAdditional reads tag 62: bill number, store label and purpose.
func (d *Decoded) readAdditional(val string, base int, runes bool) error {
	sc := scanner{s: val, base: base, runes: runes, where: "in tag 62, "}
	for id, v, _, ok := sc.next(); ok; id, v, _, ok = sc.next() {
		if v == "" {
			d.warn("tag 62/%02d is empty", id)
		}
		switch id {
		case 1:
			d.Bill = v
			d.checkText("62/01 (bill)", v, maxSubField)
		case 3:
			d.Store = v
			d.checkText("62/03 (store)", v, maxSubField)
		case 8:
			d.Purpose = v
			d.checkText("62/08 (purpose)", v, maxSubField)
		}
	}
	return sc.err
}

// checkText warns about an ANS field that is not printable ASCII or is
// longer than the spec allows.
func (d *Decoded) checkText(what, v string, limit int) {
	n := len(v)
	if !printableASCII(v) {
		d.warn("tag %s is not printable ASCII", what)
		n = utf8.RuneCountInString(v)
	}
	if n > limit {
		d.warn("tag %s is longer than %d characters (%d)", what, limit, n)
	}
}

// checkAmount returns what is wrong with a tag-54 value for VND, or "".
func checkAmount(v string) string {
	digits, dot := 0, -1
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && dot < 0:
			dot = i
		default:
			return "holds characters other than digits and one dot"
		}
	}
	switch {
	case digits == 0:
		return "has no digits"
	case len(v) > 13:
		return "is longer than 13 characters"
	case dot >= 0 && dot < len(v)-1:
		return "has decimals, VND has none"
	case strings.Trim(v, "0.") == "":
		return "is zero"
	}
	return ""
}

// templateGUID returns sub-tag 00 of a merchant account template, or ""
// when the value is not a template.
func templateGUID(val string, runes bool) string {
	sc := scanner{s: val, runes: runes}
	for id, v, _, ok := sc.next(); ok; id, v, _, ok = sc.next() {
		if id == 0 {
			return v
		}
	}
	return ""
}

func schemeName(guid string) string {
	switch {
	case strings.EqualFold(guid, guidVNPAY):
		return "VNPAY-QR (GUID " + guid + ")"
	case guid == "":
		return "unidentified"
	}
	return fmt.Sprintf("%q", guid)
}

// cardScheme names the owner of root tags 02–25 (EMVCo MPM §4.6).
func cardScheme(id int) string {
	switch {
	case id <= 3:
		return "Visa"
	case id <= 5:
		return "Mastercard"
	case id <= 8, id >= 17:
		return "EMVCo"
	case id <= 10:
		return "Discover"
	case id <= 12:
		return "Amex"
	case id <= 14:
		return "JCB"
	default:
		return "UnionPay"
	}
}

func alnumString(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isAlnum(s[i]) {
			return false
		}
	}
	return true
}
