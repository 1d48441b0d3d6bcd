package merchants_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sapqr/sapqr/merchants"
)

// sepaySampleBody is SePay's documented body (samples.json sepay.samples[0])
// as compact JSON in its published key order.
const sepaySampleBody = `{"id":92704,"gateway":"Vietcombank","transactionDate":"2023-03-25 14:02:37","accountNumber":"0123499999","code":null,"content":"chuyen tien mua iphone","transferType":"in","transferAmount":2277000,"accumulated":19077000,"subAccount":null,"referenceCode":"MBVCB.3278907687","description":""}`

// Signed outside Go (openssl dgst -sha256 -hmac sepay-test-secret) over
// "1679727757." + sepaySampleBody; 1679727757 is the sample's own time,
// 2023-03-25 14:02:37 in Vietnam.
const (
	sepayTestSecret = "sepay-test-secret"
	sepayTestTS     = "1679727757"
	sepayTestSig    = "sha256=fc2526eee5064a9d7b5010252b909edfc7fad885852e6abf086bef3d39ed95a4"
)

var sepaySampleTime = time.Unix(1679727757, 0)

// TestSePaySampleMatchesReference: the body the tests sign is the
// reference's documented sample, byte for byte once compacted.
func TestSePaySampleMatchesReference(t *testing.T) {
	s := loadPaymentSamples(t)
	var want bytes.Buffer
	if err := json.Compact(&want, s.SePay.Samples[0].Body); err != nil {
		t.Fatal(err)
	}
	if want.String() != sepaySampleBody {
		t.Fatalf("samples.json sepay.samples[0] compacts to\n%s\nnot\n%s", want.String(), sepaySampleBody)
	}
}

func TestSePayDocumentedSampleAccepted(t *testing.T) {
	want := merchants.Notification{
		Provider: "sepay", ProviderTxID: "92704", Bank: "Vietcombank", AccountNumber: "0123499999",
		Amount: 2277000, In: true, OccurredAt: time.Date(2023, 3, 25, 7, 2, 37, 0, time.UTC),
		Memo: "chuyen tien mua iphone",
	}
	tests := []struct {
		name   string
		auth   merchants.HookAuth
		header func(string) string
	}{
		{"apikey", merchants.HookAuthAPIKey, headers("Authorization", "Apikey "+sepayTestSecret)},
		{"hmac", merchants.HookAuthHMAC, headers("X-SePay-Signature", sepayTestSig, "X-SePay-Timestamp", sepayTestTS)},
		{"hmac 5 minutes late", merchants.HookAuthHMAC, headers("X-SePay-Signature", sepayTestSig, "X-SePay-Timestamp", sepayTestTS)},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := sepaySampleTime
			if i == 2 {
				now = now.Add(5 * time.Minute)
			}
			got, err := merchants.ReadDelivery("sepay", tt.auth, []byte(sepayTestSecret), tt.header, []byte(sepaySampleBody), now)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("notification (-want +got):\n%s", d)
			}
		})
	}
}

func TestSePayRefusals(t *testing.T) {
	changed := bytes.Replace([]byte(sepaySampleBody), []byte("2277000,"), []byte("2277001,"), 1)
	good := headers("X-SePay-Signature", sepayTestSig, "X-SePay-Timestamp", sepayTestTS)
	tests := []struct {
		name   string
		auth   merchants.HookAuth
		secret string
		header func(string) string
		body   []byte
		now    time.Time
	}{
		{"no Authorization", merchants.HookAuthAPIKey, sepayTestSecret, headers(), []byte(sepaySampleBody), sepaySampleTime},
		{"wrong key", merchants.HookAuthAPIKey, sepayTestSecret, headers("Authorization", "Apikey sepay-test-secreT"), []byte(sepaySampleBody), sepaySampleTime},
		{"key without Apikey prefix", merchants.HookAuthAPIKey, sepayTestSecret, headers("Authorization", sepayTestSecret), []byte(sepaySampleBody), sepaySampleTime},
		{"Bearer instead of Apikey", merchants.HookAuthAPIKey, sepayTestSecret, headers("Authorization", "Bearer "+sepayTestSecret), []byte(sepaySampleBody), sepaySampleTime},
		{"source without secret", merchants.HookAuthAPIKey, "", headers("Authorization", "Apikey "), []byte(sepaySampleBody), sepaySampleTime},
		{"changed body", merchants.HookAuthHMAC, sepayTestSecret, good, changed, sepaySampleTime},
		{"timestamp 5 min 1 s old", merchants.HookAuthHMAC, sepayTestSecret, good, []byte(sepaySampleBody), sepaySampleTime.Add(5*time.Minute + time.Second)},
		{"timestamp 5 min 1 s ahead", merchants.HookAuthHMAC, sepayTestSecret, good, []byte(sepaySampleBody), sepaySampleTime.Add(-5*time.Minute - time.Second)},
		{"no signature", merchants.HookAuthHMAC, sepayTestSecret, headers("X-SePay-Timestamp", sepayTestTS), []byte(sepaySampleBody), sepaySampleTime},
		{"no timestamp", merchants.HookAuthHMAC, sepayTestSecret, headers("X-SePay-Signature", sepayTestSig), []byte(sepaySampleBody), sepaySampleTime},
		{"signature without sha256=", merchants.HookAuthHMAC, sepayTestSecret, headers("X-SePay-Signature", sepayTestSig[7:], "X-SePay-Timestamp", sepayTestTS), []byte(sepaySampleBody), sepaySampleTime},
		{"other secret", merchants.HookAuthHMAC, "another", good, []byte(sepaySampleBody), sepaySampleTime},
		{"apikey header on an hmac source", merchants.HookAuthHMAC, sepayTestSecret, headers("Authorization", "Apikey "+sepayTestSecret), []byte(sepaySampleBody), sepaySampleTime},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := merchants.ReadDelivery("sepay", tt.auth, []byte(tt.secret), tt.header, tt.body, tt.now)
			if !errors.Is(err, merchants.ErrUnauthenticated) {
				t.Fatalf("err = %v, want ErrUnauthenticated", err)
			}
		})
	}
}

func TestSePayBodies(t *testing.T) {
	auth := headers("Authorization", "Apikey k")
	tests := []struct {
		name string
		body string
		want merchants.Notification // zero: ErrMalformedDelivery
	}{
		{"money out kept, not in", `{"id":1,"gateway":"MBBank","transactionDate":"2024-01-02 03:04:05","accountNumber":"01","content":"x","transferType":"out","transferAmount":5000}`,
			merchants.Notification{Provider: "sepay", ProviderTxID: "1", Bank: "MBBank", AccountNumber: "01", Amount: 5000, OccurredAt: time.Date(2024, 1, 1, 20, 4, 5, 0, time.UTC), Memo: "x"}},
		{"test-mode virtual account", `{"id":2,"gateway":"BIDV","transactionDate":"2024-01-02 03:04:05","accountNumber":"01","content":"Trả tiền rau","transferType":"in","transferAmount":200,"subAccount":"SBSEPAY0OUMVNGTUSIX"}`,
			merchants.Notification{Provider: "sepay", ProviderTxID: "2", Bank: "BIDV", AccountNumber: "01", VirtualAccount: "SBSEPAY0OUMVNGTUSIX", Amount: 200, In: true, Test: true, OccurredAt: time.Date(2024, 1, 1, 20, 4, 5, 0, time.UTC), Memo: "Trả tiền rau"}},
		{"not JSON", `id=1`, merchants.Notification{}},
		{"two values", sepaySampleBody + `{}`, merchants.Notification{}},
		{"fraction of a đồng", `{"id":1,"gateway":"MBBank","transactionDate":"2024-01-02 03:04:05","accountNumber":"01","transferType":"in","transferAmount":5000.5}`, merchants.Notification{}},
		{"negative amount", `{"id":1,"gateway":"MBBank","transactionDate":"2024-01-02 03:04:05","accountNumber":"01","transferType":"in","transferAmount":-5}`, merchants.Notification{}},
		{"amount over the largest", `{"id":1,"gateway":"MBBank","transactionDate":"2024-01-02 03:04:05","accountNumber":"01","transferType":"in","transferAmount":1000000000000}`, merchants.Notification{}},
		{"no id", `{"gateway":"MBBank","transactionDate":"2024-01-02 03:04:05","accountNumber":"01","transferType":"in","transferAmount":5}`, merchants.Notification{}},
		{"unknown direction", `{"id":1,"gateway":"MBBank","transactionDate":"2024-01-02 03:04:05","accountNumber":"01","transferType":"IN","transferAmount":5}`, merchants.Notification{}},
		{"time with a zone", `{"id":1,"gateway":"MBBank","transactionDate":"2024-01-02T03:04:05Z","accountNumber":"01","transferType":"in","transferAmount":5}`, merchants.Notification{}},
		{"no account", `{"id":1,"gateway":"MBBank","transactionDate":"2024-01-02 03:04:05","transferType":"in","transferAmount":5}`, merchants.Notification{}},
		{"too large", `{"id":1,"content":"` + string(bytes.Repeat([]byte("a"), merchants.MaxDeliveryBytes)) + `"}`, merchants.Notification{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := merchants.ReadDelivery("sepay", merchants.HookAuthAPIKey, []byte("k"), auth, []byte(tt.body), time.Now())
			if tt.want == (merchants.Notification{}) {
				if !errors.Is(err, merchants.ErrMalformedDelivery) {
					t.Fatalf("err = %v, want ErrMalformedDelivery", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("notification (-want +got):\n%s", d)
			}
		})
	}
}

// FuzzSePayParse: any body either parses into a bounded notification or is
// refused as malformed; nothing panics.
func FuzzSePayParse(f *testing.F) {
	f.Add([]byte(sepaySampleBody))
	f.Add([]byte(`{"id":1,"transferAmount":1e3}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		n, err := merchants.ReadDelivery("sepay", merchants.HookAuthAPIKey, []byte("k"), headers("Authorization", "Apikey k"), body, time.Now())
		if err != nil {
			if !errors.Is(err, merchants.ErrMalformedDelivery) {
				t.Fatalf("err = %v, want ErrMalformedDelivery", err)
			}
			return
		}
		checkBounded(t, n)
	})
}

// checkBounded holds a parsed notification to the documented bounds.
func checkBounded(t *testing.T, n merchants.Notification) {
	t.Helper()
	if n.Amount < 0 || n.Amount > merchants.MaxTransferAmount || n.ProviderTxID == "" || n.AccountNumber == "" || n.Bank == "" ||
		len([]rune(n.Memo)) > 500 || len([]rune(n.AccountNumber)) > 40 || n.OccurredAt.IsZero() {
		t.Fatalf("notification out of bounds: %+v", n)
	}
}
