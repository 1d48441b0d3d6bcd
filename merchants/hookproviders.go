package merchants

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// HookAuth is how a hook source authenticates its deliveries.
type HookAuth string

// Hook authentications. Which ones a provider offers is its HookProvider's
// Auths.
const (
	HookAuthAPIKey HookAuth = "apikey" // a shared key in a header (SePay "Authorization: Apikey …")
	HookAuthHMAC   HookAuth = "hmac"   // an HMAC of the body and a timestamp (SePay HMAC-SHA256, Casso X-Casso-Signature)
)

// Limits on what a delivery may carry. MaxDeliveryBytes bounds the body
// before it is parsed; the others bound the fields kept from it.
const (
	MaxDeliveryBytes = 16 << 10
	// DeliveryWindow is how far a signed timestamp may be from the clock:
	// SePay documents 5 minutes, and SạpQR holds Casso's t to the same.
	DeliveryWindow     = 5 * time.Minute
	maxMemoRunes       = 500
	maxAccountRunes    = 40
	maxBankRunes       = 64
	maxProviderIDRunes = 64
)

// Notification is one transfer as a provider reported it, parsed and
// bounded, after its authentication was checked.
type Notification struct {
	Provider       string    // "sepay", "casso"
	ProviderTxID   string    // the provider's transaction id, the de-duplication key
	Bank           string    // the receiving bank as the provider names it (SePay gateway, Casso bankAbbreviation)
	BankName       string    // a second name of the bank when the provider sends one (Casso bankName)
	AccountNumber  string    // the receiving account
	VirtualAccount string    // the aggregator's virtual account, "" when none
	Amount         int64     // đồng, always ≥ 0
	In             bool      // money in (only money in counts)
	Test           bool      // the provider's test call or test mode: recorded, never counted
	OccurredAt     time.Time // when the bank booked it (the provider's Vietnam local time), in UTC
	Memo           string    // the transfer's memo (personal data, cleared after the retention)
	Payer          string    // the payer's name when the provider sends it (personal data)
}

// HookProvider is one aggregator's delivery format: its authentications
// and its body. Add a provider by implementing it and listing it in
// hookProviders.
type HookProvider interface {
	// Auths lists the authentications the provider offers.
	Auths() []HookAuth
	// Verify checks the delivery's authentication with the source's secret
	// at time now, in constant time, before anything in the body is trusted.
	// It returns an error wrapping ErrUnauthenticated.
	Verify(auth HookAuth, secret []byte, header func(string) string, body []byte, now time.Time) error
	// Parse reads an authenticated body. It returns an error wrapping
	// ErrMalformedDelivery.
	Parse(body []byte) (Notification, error)
}

// hookProviders are the providers SạpQR receives, by name.
var hookProviders = map[string]HookProvider{
	"sepay": sepayProvider{},
	"casso": cassoProvider{},
}

// HookProviderNames lists the providers SạpQR receives, sorted.
func HookProviderNames() []string { return []string{"casso", "sepay"} }

// ReadDelivery checks a delivery's authentication for a source of provider
// with auth and secret, then parses it. It returns an error wrapping
// ErrNotFound for an unknown provider, ErrUnauthenticated for a missing or
// bad key or signature or a timestamp outside DeliveryWindow (also when
// secret is empty: never skip the check), and ErrMalformedDelivery for a
// body too large or not in the provider's format.
func ReadDelivery(provider string, auth HookAuth, secret []byte, header func(string) string, body []byte, now time.Time) (Notification, error) {
	p, ok := hookProviders[provider]
	if !ok {
		return Notification{}, fmt.Errorf("hook provider %q: %w", provider, ErrNotFound)
	}
	if len(secret) == 0 {
		return Notification{}, fmt.Errorf("hook source has no secret: %w", ErrUnauthenticated)
	}
	if !providerOffers(p, auth) {
		return Notification{}, fmt.Errorf("%s does not offer %q authentication: %w", provider, auth, ErrUnauthenticated)
	}
	if len(body) > MaxDeliveryBytes {
		return Notification{}, fmt.Errorf("body over %d bytes: %w", MaxDeliveryBytes, ErrMalformedDelivery)
	}
	if err := p.Verify(auth, secret, header, body, now); err != nil {
		return Notification{}, err
	}
	n, err := p.Parse(body)
	if err != nil {
		return Notification{}, err
	}
	n.Provider = provider
	return n, nil
}

func providerOffers(p HookProvider, auth HookAuth) bool {
	for _, a := range p.Auths() {
		if a == auth {
			return true
		}
	}
	return false
}

// within reports whether ts is within DeliveryWindow of now.
func within(ts, now time.Time) bool {
	d := now.Sub(ts)
	return d <= DeliveryWindow && d >= -DeliveryWindow
}

// decodeStrict decodes one JSON value from body into v with numbers kept
// as sent, refusing trailing data.
func decodeStrict(body []byte, v any) error {
	if !utf8.Valid(body) {
		return fmt.Errorf("body is not UTF-8: %w", ErrMalformedDelivery)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("body is not the expected JSON: %v: %w", err, ErrMalformedDelivery)
	}
	if dec.More() {
		return fmt.Errorf("data after the JSON body: %w", ErrMalformedDelivery)
	}
	return nil
}

// wholeDong reads an amount of đồng: a whole number, no fraction or
// exponent, at most MaxTransferAmount in size. The sign is kept.
func wholeDong(field string, n json.Number) (int64, error) {
	s := string(n)
	if s == "" || strings.ContainsAny(s, ".eE") {
		return 0, fmt.Errorf("%s %q is not a whole number of đồng: %w", field, s, ErrMalformedDelivery)
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v > MaxTransferAmount || v < -MaxTransferAmount {
		return 0, fmt.Errorf("%s %q is outside ±%d đồng: %w", field, s, MaxTransferAmount, ErrMalformedDelivery)
	}
	return v, nil
}

// providerID reads a provider's transaction id: a whole number ≥ 0.
func providerID(field string, n json.Number) (string, error) {
	s := string(n)
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < 0 {
		return "", fmt.Errorf("%s %q is not a transaction id (a whole number ≥ 0): %w", field, s, ErrMalformedDelivery)
	}
	return strconv.FormatInt(v, 10), nil
}

// localTime parses a provider's "2006-01-02 15:04:05" Vietnam time.
func localTime(field, s string) (time.Time, error) {
	t, err := time.ParseInLocation(time.DateTime, s, Vietnam)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s %q is not a time like 2023-03-25 14:02:37: %w", field, s, ErrMalformedDelivery)
	}
	return t.UTC(), nil
}

// boundedText is s in NFC, without control characters, cut to max runes.
func boundedText(s string, max int) string {
	s = norm.NFC.String(strings.TrimSpace(s))
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n == max {
			break
		}
		if r < 0x20 || r == 0x7f {
			r = ' '
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// requiredText is boundedText for a field that must be present and fit.
func requiredText(field, s string, max int) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", fmt.Errorf("%s is missing: %w", field, ErrMalformedDelivery)
	}
	if utf8.RuneCountInString(s) > max {
		return "", fmt.Errorf("%s is longer than %d characters: %w", field, max, ErrMalformedDelivery)
	}
	return boundedText(s, max), nil
}
