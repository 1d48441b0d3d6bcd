package merchants_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sapqr/sapqr/merchants"
	"github.com/sapqr/sapqr/merchants/merchantstest"
)

// sepayDelivery is a SePay money-in body for an account, with a memo.
func sepayDelivery(id int, gateway, account string, amount int64, subAccount string) []byte {
	sub := "null"
	if subAccount != "" {
		sub = `"` + subAccount + `"`
	}
	return fmt.Appendf(nil, `{"id":%d,"gateway":%q,"transactionDate":"2026-12-01 09:30:00","accountNumber":%q,"code":null,`+
		`"content":"tra tien rau","transferType":"in","transferAmount":%d,"accumulated":0,"subAccount":%s,"referenceCode":"R","description":""}`,
		id, gateway, account, amount, sub)
}

func TestTransfers(t *testing.T) { merchantstest.OnEachDatabase(t, testTransfers) }

func testTransfers(t *testing.T, db string) {
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)
	cfg := merchantstest.Config()
	cfg.Now = func() time.Time { return now }
	st := merchantstest.NewStoreOn(t, db)
	s := merchants.NewService(st, cfg)
	ts := merchants.NewTransferService(s, st, merchants.TransferConfig{})
	admin := merchantstest.Admin()
	mA := merchantstest.Market(t, s, merchantstest.CommuneA1, 10)
	mB := merchantstest.Market(t, s, merchantstest.CommuneB1, 10)
	v1 := merchantstest.Vendor(t, s, mA, "A-1", 1) // Vietcombank 0011001200001
	v2 := merchantstest.Vendor(t, s, mB, "B-1", 2) // Vietcombank 0011001200002

	src, err := ts.CreateHookSource(ctx, admin, merchants.CreateHookSourceInput{Provider: "sepay", Auth: "apikey",
		Secret: "province-a-key", ProvinceCode: merchantstest.ProvinceA})
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("/api/v1/hooks/sepay/%d", src.ID); src.URLPath != want {
		t.Errorf("url_path = %q, want %q", src.URLPath, want)
	}
	for _, c := range []struct {
		id   int64
		want int
	}{{v1.ID, 1}, {v2.ID, 0}} {
		view, err := ts.VendorView(ctx, admin, c.id)
		if err != nil || view.HookSources != c.want {
			t.Errorf("vendor %d: %d hook sources, %v; want %d", c.id, view.HookSources, err, c.want)
		}
	}
	if view, _ := s.VendorView(ctx, admin, v1.ID); view.HookSources != -1 {
		t.Errorf("VendorView without transfers: HookSources %d, want -1 (unknown)", view.HookSources)
	}
	key := headers("Authorization", "Apikey province-a-key")
	deliver := func(body []byte) (merchants.Transfer, error) {
		return ts.ReceiveDelivery(ctx, "sepay", src.ID, key, body)
	}

	// The first transfer marks v1 transacting, from the bank; a retry is
	// stored once.
	first, err := deliver(sepayDelivery(1001, "Vietcombank", "0011001200001", 200000, ""))
	if err != nil {
		t.Fatal(err)
	}
	again, err := deliver(sepayDelivery(1001, "Vietcombank", "0011001200001", 200000, ""))
	if err != nil || again.ID != first.ID {
		t.Fatalf("retry: %+v, %v; want transfer %d again", again, err, first.ID)
	}
	if first.VendorID != v1.ID || first.MarketID != mA.ID || first.BIN != "970436" || !first.Counts() {
		t.Errorf("first transfer = %+v, want matched to vendor %d in market %d", first, v1.ID, mA.ID)
	}
	got, err := st.Vendor(ctx, v1.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantAt := time.Date(2026, 12, 1, 2, 30, 0, 0, time.UTC) // 09:30 in Vietnam
	if got.TransactingAt == nil || !got.TransactingAt.Equal(wantAt) || got.TransactingSource != "bank" {
		t.Errorf("vendor transacting %v from %q, want %v from bank", got.TransactingAt, got.TransactingSource, wantAt)
	}
	// The change reached the counter outbox like every other count change.
	events, err := st.PendingCounterEvents(ctx, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var last merchants.MarketCounts
	for _, e := range events {
		if e.Counts.MarketID == mA.ID {
			last = e.Counts
		}
	}
	if last.VendorsTransacting != 1 {
		t.Errorf("last outbox counts of the market = %+v, want 1 vendor transacting", last)
	}

	// Outside the source's scope (v2 is in province B), a test-mode
	// transfer and an unknown bank: stored, not counted.
	for i, body := range [][]byte{
		sepayDelivery(1002, "Vietcombank", "0011001200002", 50000, ""),
		sepayDelivery(1003, "Vietcombank", "0011001200001", 70000, "SBSEPAY0OUMVNGTUSIX"),
		sepayDelivery(1004, "Ngân hàng Mặt Trăng", "0011001200001", 90000, ""),
	} {
		tr, err := deliver(body)
		if err != nil {
			t.Fatalf("delivery %d: %v", i, err)
		}
		if tr.Counts() {
			t.Errorf("delivery %d counted: %+v", i, tr)
		}
	}
	if got, _ := st.Vendor(ctx, v2.ID); got.TransactingAt != nil {
		t.Errorf("vendor outside the scope marked transacting")
	}

	// Refused deliveries.
	for name, call := range map[string]func() error{
		"wrong key": func() error {
			_, err := ts.ReceiveDelivery(ctx, "sepay", src.ID, headers("Authorization", "Apikey nope-nope"), sepayDelivery(1, "Vietcombank", "1", 1, ""))
			return err
		},
		"unknown source": func() error {
			_, err := ts.ReceiveDelivery(ctx, "sepay", src.ID+100, key, sepayDelivery(1, "Vietcombank", "1", 1, ""))
			return err
		},
		"other provider's path": func() error {
			_, err := ts.ReceiveDelivery(ctx, "casso", src.ID, key, sepayDelivery(1, "Vietcombank", "1", 1, ""))
			return err
		},
	} {
		if err := call(); !errors.Is(err, merchants.ErrUnauthenticated) {
			t.Errorf("%s: err = %v, want ErrUnauthenticated", name, err)
		}
	}
	if _, err := deliver([]byte(`{"id":"x"}`)); !errors.Is(err, merchants.ErrMalformedDelivery) {
		t.Errorf("malformed: err = %v, want ErrMalformedDelivery", err)
	}

	// The vendor's own page sees its money in, in words; officers see the
	// unmatched list without amounts.
	_, token, err := s.CreateVendorLink(ctx, admin, v1.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	items, err := ts.VendorTransfersByLink(ctx, token, 0)
	if err != nil {
		t.Fatal(err)
	}
	wantItems := []merchants.VendorTransfer{{ID: first.ID, Amount: 200000, AmountWords: "hai trăm nghìn đồng", ReceivedAt: wantAt, Memo: "tra tien rau"}}
	if d := cmp.Diff(wantItems, items); d != "" {
		t.Errorf("vendor transfers (-want +got):\n%s", d)
	}
	if items, err := ts.VendorTransfersByLink(ctx, token, first.ID); err != nil || len(items) != 0 {
		t.Errorf("after the newest: %v, %v; want none", items, err)
	}
	un, err := ts.UnmatchedTransfers(ctx, merchantstest.ProvinceOfficer(merchantstest.ProvinceA))
	if err != nil {
		t.Fatal(err)
	}
	var unIDs []string
	for _, u := range un {
		unIDs = append(unIDs, u.Bank+" "+u.AccountNumber)
	}
	if d := cmp.Diff([]string{"Ngân hàng Mặt Trăng 0011001200001", "Vietcombank 0011001200002"}, unIDs); d != "" {
		t.Errorf("unmatched (-want +got):\n%s", d)
	}
	if un, _ := ts.UnmatchedTransfers(ctx, merchantstest.CommuneOfficer(merchantstest.CommuneB1)); len(un) != 0 {
		t.Errorf("commune officer of another province sees %d unmatched transfers", len(un))
	}

	// Memos are cleared after the retention; amounts stay.
	now = now.Add(31 * 24 * time.Hour)
	if n, err := ts.ClearPersonalData(ctx); err != nil || n != 4 {
		t.Errorf("cleared %d, %v; want 4", n, err)
	}
	items, _ = ts.VendorTransfersByLink(ctx, token, 0)
	if len(items) != 1 || items[0].Memo != "" || items[0].Amount != 200000 {
		t.Errorf("after retention: %+v, want the amount without the memo", items)
	}

	// A deleted source is refused.
	if err := ts.DeleteHookSource(ctx, merchantstest.CommuneOfficer(merchantstest.CommuneB1), src.ID); !errors.Is(err, merchants.ErrNotFound) {
		t.Errorf("delete outside: err = %v, want ErrNotFound", err)
	}
	if err := ts.DeleteHookSource(ctx, admin, src.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := deliver(sepayDelivery(1005, "Vietcombank", "0011001200001", 1, "")); !errors.Is(err, merchants.ErrUnauthenticated) {
		t.Errorf("deleted source: err = %v, want ErrUnauthenticated", err)
	}
}

func TestHookSourceRights(t *testing.T) { merchantstest.OnEachDatabase(t, testHookSourceRights) }

func testHookSourceRights(t *testing.T, db string) {
	ctx := context.Background()
	s, st := merchantstest.NewServiceOn(t, db)
	ts := merchants.NewTransferService(s, st, merchants.TransferConfig{})
	mA := merchantstest.Market(t, s, merchantstest.CommuneA1, 10)
	v1 := merchantstest.Vendor(t, s, mA, "A-1", 1)
	in := func(scope string) merchants.CreateHookSourceInput {
		i := merchants.CreateHookSourceInput{Provider: "casso", Auth: "hmac", Secret: "0123456789abcdef"}
		switch scope {
		case "vendor":
			i.VendorID = v1.ID
		case "commune":
			i.CommuneCode = merchantstest.CommuneA1
		case "province":
			i.ProvinceCode = merchantstest.ProvinceA
		}
		return i
	}
	tests := []struct {
		name  string
		actor merchants.Actor
		scope string
		want  error // nil: allowed
	}{
		{"member for a vendor it edits", merchantstest.Member(merchantstest.CommuneA1), "vendor", nil},
		{"member for its commune", merchantstest.Member(merchantstest.CommuneA1), "commune", merchants.ErrForbidden},
		{"member of another commune", merchantstest.Member(merchantstest.CommuneA2), "vendor", merchants.ErrForbidden},
		{"commune officer for its commune", merchantstest.CommuneOfficer(merchantstest.CommuneA1), "commune", nil},
		{"commune officer for the province", merchantstest.CommuneOfficer(merchantstest.CommuneA1), "province", merchants.ErrForbidden},
		{"province officer for its province", merchantstest.ProvinceOfficer(merchantstest.ProvinceA), "province", nil},
		{"province officer for a vendor of its province", merchantstest.ProvinceOfficer(merchantstest.ProvinceA), "vendor", nil},
		{"province officer elsewhere", merchantstest.ProvinceOfficer(merchantstest.ProvinceB), "vendor", merchants.ErrForbidden},
	}
	for _, tt := range tests {
		_, err := ts.CreateHookSource(ctx, tt.actor, in(tt.scope))
		if (tt.want == nil && err != nil) || (tt.want != nil && !errors.Is(err, tt.want)) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
	list := func(a merchants.Actor) []string {
		hs, err := ts.HookSources(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, h := range hs {
			out = append(out, fmt.Sprintf("%s/%d/%s/%s", h.Provider, h.VendorID, h.CommuneCode, h.ProvinceCode))
		}
		return out
	}
	vendorSrc := fmt.Sprintf("casso/%d/%s/%s", v1.ID, merchantstest.CommuneA1, merchantstest.ProvinceA)
	if d := cmp.Diff([]string{vendorSrc, vendorSrc}, list(merchantstest.Member(merchantstest.CommuneA1))); d != "" {
		t.Errorf("member's list (-want +got):\n%s", d)
	}
	if got := list(merchantstest.ProvinceOfficer(merchantstest.ProvinceA)); len(got) != 4 {
		t.Errorf("province officer sees %v, want 4 sources", got)
	}
	if got := list(merchantstest.CommuneOfficer(merchantstest.CommuneB1)); len(got) != 0 {
		t.Errorf("officer elsewhere sees %v", got)
	}

	bad := []struct {
		name  string
		edit  func(*merchants.CreateHookSourceInput)
		field string
	}{
		{"payos is not received", func(i *merchants.CreateHookSourceInput) { i.Provider = "payos" }, "provider"},
		{"casso has no apikey", func(i *merchants.CreateHookSourceInput) { i.Auth = "apikey" }, "auth"},
		{"short secret", func(i *merchants.CreateHookSourceInput) { i.Secret = "short" }, "secret"},
		{"secret with a space", func(i *merchants.CreateHookSourceInput) { i.Secret = "0123456789 abcdef" }, "secret"},
		{"two scopes", func(i *merchants.CreateHookSourceInput) { i.ProvinceCode = merchantstest.ProvinceA }, "vendor_id"},
	}
	for _, b := range bad {
		i := in("vendor")
		b.edit(&i)
		_, err := ts.CreateHookSource(ctx, merchantstest.Admin(), i)
		var ve *merchants.ValidationError
		if !errors.As(err, &ve) || ve.Fields[0].Field != b.field {
			t.Errorf("%s: err = %v, want a validation error on %s", b.name, err, b.field)
		}
	}
}
