package merchants

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// sepayProvider reads SePay webhooks (https://developer.sepay.vn/en/sepay-webhooks).
//
// API Key: "Authorization: Apikey KEY", the key compared in constant time.
// HMAC-SHA256: "X-SePay-Signature: sha256=<hex>" over "<X-SePay-Timestamp>.<raw
// body>" with the webhook's Secret Key, the timestamp (unix seconds) within
// DeliveryWindow. The signed bytes are the scheme receivers implement; SePay
// documents the key and the 5-minute window.
type sepayProvider struct{}

func (sepayProvider) Auths() []HookAuth { return []HookAuth{HookAuthAPIKey, HookAuthHMAC} }

func (sepayProvider) Verify(auth HookAuth, secret []byte, header func(string) string, body []byte, now time.Time) error {
	switch auth {
	case HookAuthAPIKey:
		got, ok := strings.CutPrefix(header("Authorization"), "Apikey ")
		if !ok || subtle.ConstantTimeCompare([]byte(got), secret) != 1 {
			return fmt.Errorf("sepay: missing or wrong Authorization Apikey: %w", ErrUnauthenticated)
		}
		return nil
	case HookAuthHMAC:
		sig, ok := strings.CutPrefix(header("X-SePay-Signature"), "sha256=")
		want, err := hex.DecodeString(sig)
		if !ok || err != nil || len(want) != sha256.Size {
			return fmt.Errorf("sepay: missing or malformed X-SePay-Signature: %w", ErrUnauthenticated)
		}
		ts := header("X-SePay-Timestamp")
		sec, err := strconv.ParseInt(ts, 10, 64)
		if err != nil || !within(time.Unix(sec, 0), now) {
			return fmt.Errorf("sepay: X-SePay-Timestamp missing or outside %s: %w", DeliveryWindow, ErrUnauthenticated)
		}
		mac := hmac.New(sha256.New, secret)
		mac.Write([]byte(ts))
		mac.Write([]byte{'.'})
		mac.Write(body)
		if !hmac.Equal(mac.Sum(nil), want) {
			return fmt.Errorf("sepay: X-SePay-Signature does not match: %w", ErrUnauthenticated)
		}
		return nil
	}
	return fmt.Errorf("sepay: authentication %q: %w", auth, ErrUnauthenticated)
}

// sepayBody is a SePay webhook body (field types as in SePay's own
// sepayvn/laravel-sepay SePayWebhookData).
type sepayBody struct {
	ID              json.Number `json:"id"`
	Gateway         string      `json:"gateway"`
	TransactionDate string      `json:"transactionDate"`
	AccountNumber   string      `json:"accountNumber"`
	Content         string      `json:"content"`
	TransferType    string      `json:"transferType"`
	TransferAmount  json.Number `json:"transferAmount"`
	SubAccount      *string     `json:"subAccount"`
}

// sepayTestVA starts the virtual accounts of SePay's test mode.
const sepayTestVA = "SBSEPAY"

func (sepayProvider) Parse(body []byte) (Notification, error) {
	var b sepayBody
	if err := decodeStrict(body, &b); err != nil {
		return Notification{}, fmt.Errorf("sepay: %w", err)
	}
	var n Notification
	var err error
	if n.ProviderTxID, err = providerID("id", b.ID); err != nil {
		return Notification{}, fmt.Errorf("sepay: %w", err)
	}
	if n.Bank, err = requiredText("gateway", b.Gateway, maxBankRunes); err != nil {
		return Notification{}, fmt.Errorf("sepay: %w", err)
	}
	if n.AccountNumber, err = requiredText("accountNumber", b.AccountNumber, maxAccountRunes); err != nil {
		return Notification{}, fmt.Errorf("sepay: %w", err)
	}
	if n.OccurredAt, err = localTime("transactionDate", b.TransactionDate); err != nil {
		return Notification{}, fmt.Errorf("sepay: %w", err)
	}
	if n.Amount, err = wholeDong("transferAmount", b.TransferAmount); err != nil || n.Amount < 0 {
		return Notification{}, fmt.Errorf("sepay: transferAmount %q is not 0 to %d đồng: %w", b.TransferAmount, MaxTransferAmount, ErrMalformedDelivery)
	}
	switch b.TransferType {
	case "in":
		n.In = true
	case "out":
	default:
		return Notification{}, fmt.Errorf("sepay: transferType %q is neither in nor out: %w", b.TransferType, ErrMalformedDelivery)
	}
	if b.SubAccount != nil && strings.TrimSpace(*b.SubAccount) != "" {
		if n.VirtualAccount, err = requiredText("subAccount", *b.SubAccount, maxAccountRunes); err != nil {
			return Notification{}, fmt.Errorf("sepay: %w", err)
		}
		n.Test = strings.HasPrefix(n.VirtualAccount, sepayTestVA)
	}
	n.Memo = boundedText(b.Content, maxMemoRunes)
	return n, nil
}
