package merchants

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// cassoProvider reads Casso Webhook V2 deliveries: {"error":0,"data":{…}},
// signed in "X-Casso-Signature: t=<ms>,v1=<hex>" with HMAC-SHA512 of
// "<t>.<body as compact JSON, keys sorted at every level>" under the
// integration's Key bảo mật (CassoHQ/casso-webhook-v2-verify-signature).
// SạpQR holds t to DeliveryWindow.
type cassoProvider struct{}

func (cassoProvider) Auths() []HookAuth { return []HookAuth{HookAuthHMAC} }

// cassoTestReference is the reference of Casso's "Gọi thử" test call.
const cassoTestReference = "MA_GIAO_DICH_THU_NGHIEM"

func (cassoProvider) Verify(auth HookAuth, secret []byte, header func(string) string, body []byte, now time.Time) error {
	if auth != HookAuthHMAC {
		return fmt.Errorf("casso: authentication %q: %w", auth, ErrUnauthenticated)
	}
	t, v1, ok := cassoSignature(header("X-Casso-Signature"))
	want, err := hex.DecodeString(v1)
	if !ok || err != nil || len(want) != sha512.Size {
		return fmt.Errorf("casso: missing or malformed X-Casso-Signature: %w", ErrUnauthenticated)
	}
	ms, err := strconv.ParseInt(t, 10, 64)
	if err != nil || !within(time.UnixMilli(ms), now) {
		return fmt.Errorf("casso: signature time t missing or outside %s: %w", DeliveryWindow, ErrUnauthenticated)
	}
	// The signed bytes are a canonical form of the parsed body, so a body
	// that does not parse cannot be authenticated.
	forms, err := cassoCanonicalForms(body)
	if err != nil {
		return fmt.Errorf("casso: body cannot be put in its signed form: %w", ErrUnauthenticated)
	}
	matched := 0
	for _, form := range forms {
		mac := hmac.New(sha512.New, secret)
		mac.Write([]byte(t))
		mac.Write([]byte{'.'})
		mac.Write(form)
		if hmac.Equal(mac.Sum(nil), want) {
			matched = 1
		}
	}
	if matched != 1 {
		return fmt.Errorf("casso: X-Casso-Signature does not match: %w", ErrUnauthenticated)
	}
	return nil
}

// cassoSignature splits "t=…,v1=…".
func cassoSignature(h string) (t, v1 string, ok bool) {
	for _, part := range strings.Split(h, ",") {
		k, v, found := strings.Cut(strings.TrimSpace(part), "=")
		if !found {
			return "", "", false
		}
		switch k {
		case "t":
			t = v
		case "v1":
			v1 = v
		}
	}
	return t, v1, t != "" && v1 != ""
}

// cassoCanonicalForms returns the body as Casso signs it: compact JSON with
// object keys sorted at every level and numbers as sent. Casso does not
// document its escaping; when the body holds non-ASCII or "/", the Python
// form (\uXXXX) and the PHP form (also \/) are tried too. Each is a
// deterministic encoding of the same parsed body.
func cassoCanonicalForms(body []byte) ([][]byte, error) {
	if !utf8.Valid(body) {
		return nil, ErrMalformedDelivery
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil || dec.More() {
		return nil, ErrMalformedDelivery
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, ErrMalformedDelivery
	}
	plain := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	forms := [][]byte{plain}
	if ascii := asciiJSON(plain); !bytes.Equal(ascii, plain) {
		forms = append(forms, ascii)
	}
	if bytes.IndexByte(plain, '/') >= 0 {
		forms = append(forms, bytes.ReplaceAll(forms[len(forms)-1], []byte("/"), []byte(`\/`)))
	}
	return forms, nil
}

// asciiJSON escapes every non-ASCII character of JSON text as \uXXXX
// (lowercase hex, surrogate pairs above U+FFFF), as Python's json.dumps
// does. Non-ASCII only occurs inside strings, so this is safe on the text.
func asciiJSON(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for _, r := range string(b) {
		if r < utf8.RuneSelf {
			out = append(out, byte(r))
			continue
		}
		if r > 0xffff {
			r1, r2 := utf16.EncodeRune(r)
			out = fmt.Appendf(out, `\u%04x\u%04x`, r1, r2)
			continue
		}
		out = fmt.Appendf(out, `\u%04x`, r)
	}
	return out
}

// cassoBody is a Casso Webhook V2 body.
type cassoBody struct {
	Error json.Number `json:"error"`
	Data  *struct {
		ID                   json.Number `json:"id"`
		Reference            string      `json:"reference"`
		Description          string      `json:"description"`
		Amount               json.Number `json:"amount"`
		TransactionDateTime  string      `json:"transactionDateTime"`
		AccountNumber        string      `json:"accountNumber"`
		BankName             string      `json:"bankName"`
		BankAbbreviation     string      `json:"bankAbbreviation"`
		VirtualAccountNumber string      `json:"virtualAccountNumber"`
		CounterAccountName   string      `json:"counterAccountName"`
	} `json:"data"`
}

func (cassoProvider) Parse(body []byte) (Notification, error) {
	var b cassoBody
	if err := decodeStrict(body, &b); err != nil {
		return Notification{}, fmt.Errorf("casso: %w (Webhook V2 sends data as one object)", err)
	}
	d := b.Data
	if d == nil {
		return Notification{}, fmt.Errorf("casso: data is missing: %w", ErrMalformedDelivery)
	}
	var n Notification
	var err error
	if n.ProviderTxID, err = providerID("data.id", d.ID); err != nil {
		return Notification{}, fmt.Errorf("casso: %w", err)
	}
	bank := d.BankAbbreviation
	if strings.TrimSpace(bank) == "" {
		bank = d.BankName
	}
	if n.Bank, err = requiredText("data.bankAbbreviation", bank, maxBankRunes); err != nil {
		return Notification{}, fmt.Errorf("casso: %w", err)
	}
	n.BankName = boundedText(d.BankName, maxBankRunes)
	if n.AccountNumber, err = requiredText("data.accountNumber", d.AccountNumber, maxAccountRunes); err != nil {
		return Notification{}, fmt.Errorf("casso: %w", err)
	}
	if strings.TrimSpace(d.VirtualAccountNumber) != "" {
		if n.VirtualAccount, err = requiredText("data.virtualAccountNumber", d.VirtualAccountNumber, maxAccountRunes); err != nil {
			return Notification{}, fmt.Errorf("casso: %w", err)
		}
	}
	if n.OccurredAt, err = localTime("data.transactionDateTime", d.TransactionDateTime); err != nil {
		return Notification{}, fmt.Errorf("casso: %w", err)
	}
	amount, err := wholeDong("data.amount", d.Amount)
	if err != nil {
		return Notification{}, fmt.Errorf("casso: %w", err)
	}
	// Webhook V2 has no direction field: money in is a positive amount.
	n.In = amount > 0
	if amount < 0 {
		amount = -amount
	}
	n.Amount = amount
	n.Test = n.ProviderTxID == "0" || d.Reference == cassoTestReference
	n.Memo = boundedText(d.Description, maxMemoRunes)
	n.Payer = boundedText(d.CounterAccountName, maxBankRunes)
	return n, nil
}
