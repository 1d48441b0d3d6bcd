package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/sapqr/sapqr/merchants"
	"github.com/sapqr/sapqr/merchants/merchantstest"
)

// sepayBody is a SePay money-in delivery for a Vietcombank account.
func sepayBody(id int, account string, amount int64) string {
	return fmt.Sprintf(`{"id":%d,"gateway":"Vietcombank","transactionDate":"2026-12-01 09:30:00","accountNumber":%q,"code":null,`+
		`"content":"tra tien rau","transferType":"in","transferAmount":%d,"accumulated":0,"subAccount":null,"referenceCode":"R","description":""}`,
		id, account, amount)
}

func TestHookSourcesAndDeliveries(t *testing.T) {
	f := newFixture(t)
	m := f.market(f.cA, 10)
	vid := f.vendor(uMemberA, m, "A-1", 1) // Vietcombank 0011000000001

	// A team member connects its vendor; the answer never holds the secret.
	r := f.do("POST", "/api/v1/hook-sources", f.as(uMemberA), map[string]any{
		"provider": "sepay", "auth": "apikey", "secret": "sepay-secret-key", "vendor_id": vid})
	r.want(t, http.StatusCreated)
	if strings.Contains(string(r.Body), "sepay-secret-key") || strings.Contains(string(r.Body), `"secret"`) {
		t.Fatalf("the answer shows the secret: %s", r.Body)
	}
	var src struct {
		ID      int64
		URLPath string `json:"url_path"`
	}
	r.decode(t, &src)
	if src.URLPath != "/api/v1/hooks/sepay/"+itoa(src.ID) {
		t.Errorf("url_path %q", src.URLPath)
	}
	f.do("POST", "/api/v1/hook-sources", f.as(uMemberA), map[string]any{
		"provider": "sepay", "auth": "apikey", "secret": "sepay-secret-key", "province_code": f.p1}).wantProblem(t, http.StatusForbidden, "forbidden")
	f.do("POST", "/api/v1/hook-sources", f.as(uAdmin), map[string]any{
		"provider": "payos", "auth": "hmac", "secret": "sepay-secret-key", "vendor_id": vid}).wantProblem(t, http.StatusUnprocessableEntity, "validation_failed")
	if r := f.do("GET", "/api/v1/hook-sources", f.as(uMemberB), nil); r.Code != http.StatusOK || strings.Contains(string(r.Body), src.URLPath) {
		t.Errorf("a member of another commune lists %s", r.Body)
	}

	// Deliveries: 200 {"success":true} once authenticated, retries too.
	key := []string{"Authorization", "Apikey sepay-secret-key"}
	for range 2 {
		r := f.do("POST", src.URLPath, "", sepayBody(501, "0011000000001", 200000), key...)
		r.want(t, http.StatusOK)
		if got := strings.TrimSpace(string(r.Body)); got != `{"success":true}` {
			t.Errorf("answer %s", got)
		}
	}
	f.do("POST", src.URLPath, "", sepayBody(502, "0011000000001", 1), "Authorization", "Apikey wrong-key-1").wantProblem(t, http.StatusUnauthorized, "unauthenticated")
	f.do("POST", src.URLPath, "", sepayBody(502, "0011000000001", 1)).wantProblem(t, http.StatusUnauthorized, "unauthenticated")
	f.do("POST", "/api/v1/hooks/casso/"+itoa(src.ID), "", sepayBody(502, "0011000000001", 1), key...).wantProblem(t, http.StatusUnauthorized, "unauthenticated")
	f.do("POST", "/api/v1/hooks/sepay/999999", "", sepayBody(502, "0011000000001", 1), key...).wantProblem(t, http.StatusUnauthorized, "unauthenticated")
	f.do("POST", src.URLPath, "", `{"id":"x"}`, key...).wantProblem(t, http.StatusBadRequest, "malformed_delivery")
	f.do("POST", src.URLPath, "", sepayBody(503, "0011000000001", 1), append(key, "Content-Type", "application/x-www-form-urlencoded")...).
		wantProblem(t, http.StatusBadRequest, "malformed_delivery")

	// The officers' vendor page says notifications are connected and the
	// first payment came from a transfer.
	if status, body, _ := f.page(t, uMemberA, "/ui/vendors/"+itoa(vid)); status != http.StatusOK ||
		!strings.Contains(body, "Báo tiền vào: đã kết nối") || !strings.Contains(body, "từ giao dịch chuyển khoản nhận được") || strings.Contains(body, "200.000") {
		t.Errorf("vendor page %d: want notifications connected, the first payment from a transfer and no amount", status)
	}

	// The vendor is transacting from the bank; its own page lists the
	// amount in words.
	var v vendorJSON
	f.do("GET", "/api/v1/vendors/"+itoa(vid), f.as(uMemberA), nil).decode(t, &v)
	if v.TransactingAt == nil || *v.TransactingAt != "2026-12-01T02:30:00Z" {
		t.Errorf("transacting_at = %v, want the transfer's time", v.TransactingAt)
	}
	_, token, err := f.svc.CreateVendorLink(context.Background(), merchants.Actor{UserID: 1, Role: merchants.RoleAdmin}, vid, nil)
	if err != nil {
		t.Fatal(err)
	}
	r = f.do("GET", "/v/"+token+"/transfers", "", nil)
	r.want(t, http.StatusOK)
	var feed struct {
		Items []struct {
			ID          int64
			Amount      int64
			AmountWords string `json:"amount_words"`
			Memo        string
		}
	}
	r.decode(t, &feed)
	if len(feed.Items) != 1 || feed.Items[0].Amount != 200000 || feed.Items[0].AmountWords != "hai trăm nghìn đồng" || feed.Items[0].Memo != "tra tien rau" {
		t.Errorf("feed %s", r.Body)
	}
	if r := f.do("GET", "/v/"+token+"/transfers?after="+itoa(feed.Items[0].ID), "", nil); strings.TrimSpace(string(r.Body)) != `{"items":[]}` {
		t.Errorf("after the newest: %s", r.Body)
	}
	f.do("GET", "/v/"+token+"/transfers?after=abc", "", nil).want(t, http.StatusUnprocessableEntity)
	f.do("GET", "/v/not-a-token/transfers", "", nil).want(t, http.StatusNotFound)

	// A transfer to an account of no vendor in scope is listed unmatched,
	// without amount or memo.
	f.do("POST", src.URLPath, "", sepayBody(504, "0011000000002", 77000), key...).want(t, http.StatusOK)
	r = f.do("GET", "/api/v1/transfers/unmatched", f.as(uOfficerA), nil)
	r.want(t, http.StatusOK)
	if !strings.Contains(string(r.Body), `"account_number":"0011000000002"`) || strings.Contains(string(r.Body), "77000") || strings.Contains(string(r.Body), "tra tien") {
		t.Errorf("unmatched %s", r.Body)
	}

	// A deleted source is refused.
	f.do("DELETE", "/api/v1/hook-sources/"+itoa(src.ID), f.as(uMemberB), nil).want(t, http.StatusNotFound)
	f.do("DELETE", "/api/v1/hook-sources/"+itoa(src.ID), f.as(uOfficerA), nil).want(t, http.StatusNoContent)
	f.do("POST", src.URLPath, "", sepayBody(505, "0011000000001", 1), key...).wantProblem(t, http.StatusUnauthorized, "unauthenticated")
}

// downTransfers is a TransferStore whose database is down: every read
// and transaction of transfers fails as an unreachable database does.
type downTransfers struct{ merchants.TransferStore }

func (downTransfers) HookSourceSecret(context.Context, int64) (merchants.HookSource, []byte, error) {
	return merchants.HookSource{}, nil, fmt.Errorf("hook source: %w: connection refused", merchants.ErrUnavailable)
}

// TestHookDeliveryDatabaseDown: with the database down a delivery answers
// 503 with Retry-After, so that the provider retries it, never 200.
func TestHookDeliveryDatabaseDown(t *testing.T) {
	f := newFixture(t, func(cfg *apiConfig) {
		st := merchantstest.NewStore(t)
		cfg.Transfers = merchants.NewTransferService(cfg.Merchants, downTransfers{st}, merchants.TransferConfig{})
	})
	r := f.do("POST", "/api/v1/hooks/sepay/1", "", sepayBody(1, "0011000000001", 1000), "Authorization", "Apikey sepay-secret-key")
	r.wantProblem(t, http.StatusServiceUnavailable, "unavailable")
	if r.Header.Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
}
