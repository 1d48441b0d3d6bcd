package qr

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// randomPayload draws a valid Payload: any directory BIN, any service,
// static or dynamic, and free text mixing Vietnamese, ASCII punctuation,
// white space and characters transliteration drops.
func randomPayload(r *rand.Rand, banks []Bank) Payload {
	const alnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	pick := func(s []string) string { return s[r.IntN(len(s))] }
	text := func(maxLen int) string {
		if r.IntN(3) == 0 {
			return ""
		}
		pieces := []string{"Nguyễn", "Thị", "Hà", "Đức", "chợ", "Bến", "Thành", "rau", "muống", "cá",
			"phở", "ĐỒNG", "xuân", "ư", "ơ", "#12", "(A)", "-", ".", " ", "\t", "☕", "漢", "e\u0301", "Ðỗ"}
		var b strings.Builder
		for range 1 + r.IntN(6) {
			b.WriteString(pick(pieces))
			b.WriteByte(' ')
		}
		s := b.String()
		// Keep the transliteration within the limit, cutting whole runes.
		for len(Transliterate(s)) > maxLen {
			rs := []rune(s)
			s = string(rs[:len(rs)-1])
		}
		if Transliterate(s) == "" {
			return ""
		}
		return s
	}
	p := Payload{
		BIN:     banks[r.IntN(len(banks))].BIN,
		Service: []Service{"", ServiceAccount, ServiceCard, ServicePush}[r.IntN(4)],
		Name:    text(maxName),
		City:    text(maxCity),
		Purpose: text(maxSubField),
		Bill:    text(maxSubField),
		Store:   text(maxSubField),
	}
	acct := make([]byte, 1+r.IntN(maxAccount))
	for i := range acct {
		acct[i] = alnum[r.IntN(len(alnum))]
	}
	p.Account = string(acct)
	switch r.IntN(3) {
	case 1:
		p.Amount = 1 + r.Int64N(maxNAPAS247-1)
	case 2:
		if p.Service == ServicePush {
			p.Amount = 1 + r.Int64N(maxAmount)
		}
	}
	if r.IntN(2) == 0 {
		p.MCC = strconv.Itoa(1000 + r.IntN(9000))
	}
	for _, id := range []string{"64", "55", "61"} { // deliberately unsorted
		if r.IntN(3) == 0 {
			p.Extra = append(p.Extra, Tag{ID: id, Value: "x" + strconv.Itoa(r.IntN(1e6))})
		}
	}
	return p
}

// TestRoundTrip: whatever Encode accepts, Decode reads back as given
// (after transliteration), valid and, but for a flagged BIN, without
// warnings.
func TestRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 11))
	banks := Banks()
	for i := range 3000 {
		p := randomPayload(r, banks)
		payload, err := Encode(p)
		if err != nil {
			t.Fatalf("#%d Encode(%+v): %v", i, p, err)
		}
		d, err := Decode(payload)
		if err != nil {
			t.Fatalf("#%d Decode(%s): %v", i, payload, err)
		}
		want := Decoded{
			Valid: true, CRCValid: true, InitMethod: "11", BIN: p.BIN, Account: p.Account,
			Service: string(p.Service), Currency: "704", Country: "VN",
			Name: TransliterateName(p.Name), City: Transliterate(p.City), Purpose: Transliterate(p.Purpose),
			Bill: Transliterate(p.Bill), Store: Transliterate(p.Store), MCC: p.MCC,
		}
		if want.Service == "" {
			want.Service = string(ServiceAccount)
		}
		if p.Amount > 0 {
			want.InitMethod = "12"
			a := strconv.FormatInt(p.Amount, 10)
			want.Amount = &a
		}
		bank, _ := BankByBIN(p.BIN)
		want.Bank = &bank.ShortName
		// A flagged BIN is the one thing worth a warning here.
		if wantWarn := bank.Conflict; len(d.Warnings) != map[bool]int{true: 1}[wantWarn] ||
			wantWarn && !strings.HasPrefix(d.Warnings[0], "bin "+p.BIN+" ("+bank.ShortName+")") {
			t.Fatalf("#%d BIN %s (conflict %v): warnings %q", i, p.BIN, bank.Conflict, d.Warnings)
		}
		want.Extra = p.Extra
		opts := cmp.Options{cmpopts.EquateEmpty(), cmpopts.IgnoreFields(Decoded{}, "Warnings"),
			cmpopts.SortSlices(func(a, b Tag) bool { return a.ID < b.ID })}
		if diff := cmp.Diff(want, d, opts); diff != "" {
			t.Fatalf("#%d %+v\n%s\n(-want +got):\n%s", i, p, payload, diff)
		}
	}
}
