package merchants_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sapqr/sapqr/merchants"
)

// TestCassoPublishedVector: Casso's published vector (samples.json
// casso.test_vectors[0]) verifies on its body with the clock at its t, and
// the body is recorded as a test call, never as money.
func TestCassoPublishedVector(t *testing.T) {
	s := loadPaymentSamples(t)
	v := s.Casso.TestVectors[0]
	now := time.UnixMilli(1727948258788) // the vector's t: 2024-10-03T09:37:38.788Z
	got, err := merchants.ReadDelivery("casso", merchants.HookAuthHMAC, []byte(v.Key), headers("X-Casso-Signature", v.Header),
		s.Casso.Samples[v.Sample].Body, now)
	if err != nil {
		t.Fatal(err)
	}
	want := merchants.Notification{
		Provider: "casso", ProviderTxID: "0", Bank: "VPB", BankName: "VPBank", AccountNumber: "88888888",
		Amount: 599000, In: true, Test: true, OccurredAt: time.Date(2024, 10, 3, 8, 6, 37, 0, time.UTC),
		Memo: "giao dich thu nghiem", Payer: "NGUYEN VAN A",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("notification (-want +got):\n%s", d)
	}
}

// Signatures made outside Go (openssl dgst -sha512 -hmac casso-test-key,
// and Python's hmac for the escaped forms) at t=1734924830020.
const (
	cassoTestKey = "casso-test-key"
	cassoTestT   = "1734924830020"
	// casso.samples[1], the ordinary transfer, over its sorted compact JSON.
	cassoSample1Sig = "t=1734924830020,v1=de7e22315fe444045e9b55b6c8cf0e896f9ad7b2675527874eb206bf7c00d3e14e369e252a578a7645f6511d779576cf80250764cf94fa904a855c6dac8faafe"
	// cassoAccentBody signed in Python's json.dumps form (\u00e1), and in
	// PHP's (\u00e1 and \/).
	cassoAccentBody     = `{"error":0,"data":{"id":7,"reference":"FT1","description":"mua rau/cá","amount":50000,"transactionDateTime":"2024-12-23 07:00:00","accountNumber":"123","bankName":"MBBank","bankAbbreviation":"MBB","virtualAccountNumber":""}}`
	cassoAccentPython   = "t=1734924830020,v1=05a7ea99d4bb6d74cfaad026daaf064989d91e13e12005ce635182dd482753fa4c7b806816fcf93ece38f5f517d174c293104516259a01a896e94451d5b4d302"
	cassoAccentPHP      = "t=1734924830020,v1=4f743e0801761c75309d25bad725bc44b6ea7c62c6819640132aa4fd6804f82d51b13df619cb2097bccbf523a934f8a1421caacf60dca1e1964f795d294d79ae"
	cassoTestTimeMillis = 1734924830020
)

func TestCassoOwnVectors(t *testing.T) {
	s := loadPaymentSamples(t)
	now := time.UnixMilli(cassoTestTimeMillis)
	tests := []struct {
		name   string
		body   []byte
		header string
		want   merchants.Notification
	}{
		{"ordinary transfer", s.Casso.Samples[1].Body, cassoSample1Sig, merchants.Notification{
			Provider: "casso", ProviderTxID: "218897", Bank: "MBB", BankName: "MBBank", AccountNumber: "123456789",
			Amount: 16775000, In: true, OccurredAt: time.Date(2024, 12, 23, 0, 0, 0, 0, time.UTC), Memo: "hoi lai 100 bao mun dua"}},
		{"accents and slash, Python form", []byte(cassoAccentBody), cassoAccentPython, merchants.Notification{
			Provider: "casso", ProviderTxID: "7", Bank: "MBB", BankName: "MBBank", AccountNumber: "123",
			Amount: 50000, In: true, OccurredAt: time.Date(2024, 12, 23, 0, 0, 0, 0, time.UTC), Memo: "mua rau/cá"}},
		{"accents and slash, PHP form", []byte(cassoAccentBody), cassoAccentPHP, merchants.Notification{
			Provider: "casso", ProviderTxID: "7", Bank: "MBB", BankName: "MBBank", AccountNumber: "123",
			Amount: 50000, In: true, OccurredAt: time.Date(2024, 12, 23, 0, 0, 0, 0, time.UTC), Memo: "mua rau/cá"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := merchants.ReadDelivery("casso", merchants.HookAuthHMAC, []byte(cassoTestKey), headers("X-Casso-Signature", tt.header), tt.body, now)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("notification (-want +got):\n%s", d)
			}
		})
	}
}

func TestCassoRefusals(t *testing.T) {
	s := loadPaymentSamples(t)
	v := s.Casso.TestVectors[0]
	body := []byte(s.Casso.Samples[0].Body)
	now := time.UnixMilli(1727948258788)
	changed := bytes.Replace(body, []byte("599000"), []byte("599001"), 1)
	otherT := strings.Replace(v.Header, "t=1727948258788", "t=1727948258789", 1)
	tests := []struct {
		name   string
		auth   merchants.HookAuth
		key    string
		header string
		body   []byte
		now    time.Time
	}{
		{"changed body", merchants.HookAuthHMAC, v.Key, v.Header, changed, now},
		{"changed t", merchants.HookAuthHMAC, v.Key, otherT, body, now},
		{"t 5 min 1 s old", merchants.HookAuthHMAC, v.Key, v.Header, body, now.Add(5*time.Minute + time.Second)},
		{"t in the future", merchants.HookAuthHMAC, v.Key, v.Header, body, now.Add(-5*time.Minute - time.Second)},
		{"wrong key", merchants.HookAuthHMAC, "g3oZ950pJQ4k6REhOPGkx37RsXgWz9QJ9RCAZ7i0yagLF32XQZtemQ6r3JIo4MCr", v.Header, body, now},
		{"no header", merchants.HookAuthHMAC, v.Key, "", body, now},
		{"no v1", merchants.HookAuthHMAC, v.Key, "t=1727948258788", body, now},
		{"no key on the source", merchants.HookAuthHMAC, "", v.Header, body, now},
		{"apikey is not Casso's", merchants.HookAuthAPIKey, v.Key, v.Header, body, now},
		{"the published javascript.js header", merchants.HookAuthHMAC, "g3oZ950pJQ4k6REhOPGkx37RsXgWz9QJ9RCAZ7i0yagLF32XQZtemQ6r3JIo4MCr",
			"t=1734924830020,v1=6cec920a", []byte(s.Casso.Samples[1].Body), time.UnixMilli(cassoTestTimeMillis)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := merchants.ReadDelivery("casso", tt.auth, []byte(tt.key), headers("X-Casso-Signature", tt.header), tt.body, tt.now)
			if !errors.Is(err, merchants.ErrUnauthenticated) {
				t.Fatalf("err = %v, want ErrUnauthenticated", err)
			}
		})
	}
}

// TestCassoBodies: parsing of bodies past authentication (signed here with
// a key of the test's own, through the Python-form fallback being unneeded
// for ASCII bodies).
func TestCassoBodies(t *testing.T) {
	tests := []struct {
		name string
		body string
		want merchants.Notification // zero: ErrMalformedDelivery
	}{
		{"money out is a negative amount", `{"error":0,"data":{"id":9,"amount":-3000,"transactionDateTime":"2024-12-23 07:00:00","accountNumber":"1","bankAbbreviation":"MBB"}}`,
			merchants.Notification{Provider: "casso", ProviderTxID: "9", Bank: "MBB", AccountNumber: "1", Amount: 3000, OccurredAt: time.Date(2024, 12, 23, 0, 0, 0, 0, time.UTC)}},
		{"V1 data array", `{"error":0,"data":[{"id":1,"amount":200500}]}`, merchants.Notification{}},
		{"no data", `{"error":0}`, merchants.Notification{}},
		{"fraction", `{"error":0,"data":{"id":9,"amount":1.5,"transactionDateTime":"2024-12-23 07:00:00","accountNumber":"1","bankAbbreviation":"MBB"}}`, merchants.Notification{}},
		{"no bank", `{"error":0,"data":{"id":9,"amount":15,"transactionDateTime":"2024-12-23 07:00:00","accountNumber":"1"}}`, merchants.Notification{}},
	}
	now := time.UnixMilli(cassoTestTimeMillis)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := merchants.ReadDelivery("casso", merchants.HookAuthHMAC, []byte(cassoTestKey),
				headers("X-Casso-Signature", merchants.CassoSignatureForTest([]byte(cassoTestKey), cassoTestT, []byte(tt.body))), []byte(tt.body), now)
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

// FuzzCassoParse: any body signed with the source's key either parses into
// a bounded notification or is refused as malformed; nothing panics.
func FuzzCassoParse(f *testing.F) {
	s := loadPaymentSamples(f)
	f.Add([]byte(s.Casso.Samples[0].Body))
	f.Add([]byte(s.Casso.Samples[1].Body))
	f.Add([]byte(`{"data":[]}`))
	now := time.UnixMilli(cassoTestTimeMillis)
	f.Fuzz(func(t *testing.T, body []byte) {
		sig := merchants.CassoSignatureForTest([]byte(cassoTestKey), cassoTestT, body)
		n, err := merchants.ReadDelivery("casso", merchants.HookAuthHMAC, []byte(cassoTestKey), headers("X-Casso-Signature", sig), body, now)
		if err != nil {
			if !errors.Is(err, merchants.ErrMalformedDelivery) && !errors.Is(err, merchants.ErrUnauthenticated) {
				t.Fatalf("err = %v", err)
			}
			return
		}
		checkBounded(t, n)
	})
}
