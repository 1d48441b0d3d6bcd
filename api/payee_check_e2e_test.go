package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// registerUnchecked registers a vendor through the API without the payee
// check, as an import or an older client does, and returns its ID.
func registerUnchecked(t *testing.T, w *e2eWorld, stall, name, phone, account, holder string) int64 {
	t.Helper()
	var v struct{ ID int64 }
	w.call(t, "POST", "/api/v1/vendors", map[string]any{"market_id": w.marketID, "stall_code": stall, "full_name": name,
		"phone": phone, "consent": true, "bank_account": map[string]any{"bin": "970436", "account_number": account, "holder_name": holder}},
		http.StatusCreated, &v)
	return v.ID
}

// verification is the API's word on a vendor's primary account check.
func verification(t *testing.T, w *e2eWorld, id int64) string {
	t.Helper()
	var v e2eVendor
	w.call(t, "GET", fmt.Sprintf("/api/v1/vendors/%d", id), nil, http.StatusOK, &v)
	return v.BankAccount.Verification
}

// browserLogin opens path on a 360 px phone, logs in as username on the
// login page it is sent to, and waits until path is back.
func browserLogin(t *testing.T, w *e2eWorld, path, username string) context.Context {
	t.Helper()
	ctx := newBrowser(t)
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: watchPage}); err != nil {
		t.Fatal(err)
	}
	run(t, ctx, "open "+path+" on a phone",
		chromedp.EmulateViewport(phoneW, phoneH, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		chromedp.Navigate(w.url+path),
		chromedp.WaitVisible(chromedp.ID("login")),
		chromedp.SendKeys(chromedp.ID("username"), username),
		chromedp.SendKeys(chromedp.ID("password"), e2ePassword),
		chromedp.Click(chromedp.CSS("#login button[type=submit]")),
	)
	waitJS(t, ctx, "back at "+path+" after login", fmt.Sprintf(`location.pathname === %q && document.querySelector('main') !== null`, strings.SplitN(path, "?", 2)[0]))
	return ctx
}

// TestE2EPayeeCheckOnVendorPage: a vendor stored unchecked (imported, or
// registered by an older client) gets its sign from the vendor page on a
// 360 px phone: a member's bank app name that is not the holder's is
// refused in Vietnamese next to the field, the holder's checks the account
// and the sign downloads appear; a commune officer lets another vendor's
// signs print with a reason; a member is not offered the override.
func TestE2EPayeeCheckOnVendorPage(t *testing.T) {
	w := newE2EWorld(t)
	ha := registerUnchecked(t, w, "A-01", "Nguyễn Thị Hà", "0912300001", "0011001234567", "NGUYEN THI HA")
	binh := registerUnchecked(t, w, "A-02", "Trần Văn Bình", "0912300002", "0011007654321", "TRAN VAN BINH")
	w.call(t, "POST", "/api/v1/users", map[string]any{"username": "thanh.vien", "display_name": "Lê Văn Tổ", "role": "member",
		"commune_codes": []string{e2eCommune}, "password": e2ePassword}, http.StatusCreated, nil)

	ctx := browserLogin(t, w, fmt.Sprintf("/ui/vendors/%d", ha), "thanh.vien")
	if st := eval[string](t, ctx, `document.getElementById('verify-state').dataset.state`); st != "none" {
		t.Fatalf("an unchecked account's state on the page is %q, want none", st)
	}
	if eval[bool](t, ctx, `document.querySelector('a[data-print]') !== null`) {
		t.Error("the page offers sign downloads for an unchecked account, which would answer 409")
	}
	if eval[bool](t, ctx, `document.getElementById('override') !== null`) {
		t.Error("a member is offered the officer override")
	}
	checkA11y(t, ctx, "vendor-unverified")

	run(t, ctx, "check with nothing typed", chromedp.Click(chromedp.CSS("#verify button[type=submit]")))
	waitJS(t, ctx, "the empty name refused in Vietnamese", `document.getElementById('name-seen-error').textContent.includes('Nhập tên chủ tài khoản')`)
	run(t, ctx, "type another holder's name",
		chromedp.SendKeys(chromedp.ID("name-seen"), "TRAN VAN BINH"),
		chromedp.Click(chromedp.CSS("#verify button[type=submit]")))
	waitJS(t, ctx, "the mismatch in Vietnamese next to the field",
		`document.getElementById('name-seen-error').textContent.includes('số tài khoản hoặc ngân hàng bị sai') && document.getElementById('name-seen').getAttribute('aria-invalid') === 'true'`)
	if got := verification(t, w, ha); got != "unverified" {
		t.Fatalf("after a mismatch the account is %q, want unverified", got)
	}
	checkA11y(t, ctx, "vendor-verify-mismatch")
	run(t, ctx, "type the name as the bank app shows it",
		chromedp.Evaluate[chromedp.Void](`document.getElementById('name-seen').value = ''`),
		chromedp.SendKeys(chromedp.ID("name-seen"), "nguyễn thị  hà"),
		chromedp.Click(chromedp.CSS("#verify button[type=submit]")))
	waitJS(t, ctx, "the account checked and the signs offered",
		`document.getElementById('verify-state').dataset.state === 'ok' && document.getElementById('verify') === null && document.querySelector('a[data-print][href*="sign.pdf"]') !== null`)
	if got := verification(t, w, ha); got != "bank_app_name" {
		t.Errorf("after the check the account is %q, want bank_app_name", got)
	}
	checkA11y(t, ctx, "vendor-verified")
	status, body := pageAs(t, w, "thanh.vien", fmt.Sprintf("/ui/vendors/%d", binh))
	if status != http.StatusOK || !strings.Contains(body, `id="verify"`) || strings.Contains(body, `id="override"`) {
		t.Errorf("a member's page of an unchecked vendor (status %d): want the name check and no override", status)
	}

	// A commune officer lets the second vendor's signs print, with a reason.
	ctx = browserLogin(t, w, fmt.Sprintf("/ui/vendors/%d", binh), w.username)
	run(t, ctx, "override with too short a reason",
		chromedp.SendKeys(chromedp.ID("override-reason"), "ok"),
		chromedp.Click(chromedp.CSS("#override button[type=submit]")))
	waitJS(t, ctx, "the short reason refused in Vietnamese", `document.getElementById('override-reason-error').textContent.includes('5 đến 500 ký tự')`)
	if got := verification(t, w, binh); got != "unverified" {
		t.Fatalf("after a refused override the account is %q, want unverified", got)
	}
	run(t, ctx, "override with a reason",
		chromedp.Evaluate[chromedp.Void](`document.getElementById('override-reason').value = ''`),
		chromedp.SendKeys(chromedp.ID("override-reason"), "Tiểu thương không có điện thoại; đã đối chiếu sổ tài khoản giấy"),
		chromedp.Click(chromedp.CSS("#override button[type=submit]")))
	waitJS(t, ctx, "the signs offered after the override",
		`document.getElementById('verify-state').dataset.state === 'override' && document.querySelector('a[data-print][href*="sign.pdf"]') !== null`)
	if got := verification(t, w, binh); got != "officer_override" {
		t.Errorf("after the override the account is %q, want officer_override", got)
	}
	checkA11y(t, ctx, "vendor-override")
}
