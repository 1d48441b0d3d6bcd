package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// TestE2EActivation: a commune officer creates a member without a
// password; the member opens the activation link on a 360 px phone, sets a
// password there and logs in with it.
func TestE2EActivation(t *testing.T) {
	ctx := newBrowser(t)
	w := newE2EWorld(t)
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: watchPage}); err != nil {
		t.Fatal(err)
	}
	var created struct {
		URL string `json:"activation_url"`
	}
	w.call(t, "POST", "/api/v1/users", map[string]any{"username": "hoa.nguyen", "display_name": "Nguyễn Thị Hoa",
		"role": "member", "commune_codes": []string{e2eCommune}}, http.StatusCreated, &created)
	if !strings.HasPrefix(created.URL, w.url+"/ui/activate/") {
		t.Fatalf("activation_url %q", created.URL)
	}
	run(t, ctx, "open the activation link on a phone",
		chromedp.EmulateViewport(phoneW, phoneH, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		chromedp.Navigate(created.URL),
		chromedp.WaitVisible(chromedp.ID("activate")),
	)
	if !eval[bool](t, ctx, `document.body.innerText.includes('Nguyễn Thị Hoa') && document.documentElement.scrollWidth <= 360`) {
		t.Error("the activation page does not greet the member, or scrolls sideways at 360 px")
	}
	checkA11y(t, ctx, "activate")
	run(t, ctx, "a common password",
		chromedp.SendKeys(chromedp.ID("password"), "1234567890"),
		chromedp.SendKeys(chromedp.ID("confirm"), "1234567890"),
		chromedp.Click(chromedp.CSS("#activate button[type=submit]")),
	)
	waitJS(t, ctx, "the field error", `document.getElementById('password-error').textContent.length > 0`)
	run(t, ctx, "a good password",
		chromedp.Evaluate[chromedp.Void](`document.getElementById('password').value = ''; document.getElementById('confirm').value = ''`),
		chromedp.SendKeys(chromedp.ID("password"), "canh chua cá lóc"),
		chromedp.SendKeys(chromedp.ID("confirm"), "canh chua cá lóc"),
		chromedp.Click(chromedp.CSS("#activate button[type=submit]")),
	)
	waitJS(t, ctx, "the login page", `location.pathname === '/ui/login'`)
	w.call(t, "POST", "/api/v1/auth/login", map[string]string{"username": "hoa.nguyen", "password": "canh chua cá lóc"}, http.StatusOK, nil)
}
